import { createHash } from 'node:crypto';
import { Controller, Headers, HttpCode, HttpException, HttpStatus, Inject, Post, Req, type RawBodyRequest } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { deterministicId } from '@countersign/contracts';
import { parseInteractionForm, verifySlackSignature } from '@countersign/slack';
import { RUNTIME, type ServiceRuntime } from '@countersign/service-runtime';
import { ClicksService, type ClickAnswer } from './clicks.service';
import type { SlackEdgeConfig } from './slack.config';
import { SLACK_EDGE_CONFIG } from './tokens';

export const REFUSALS_STREAM = 'slack-refusals';

const first = (value: string | string[] | undefined): string | undefined => (Array.isArray(value) ? value[0] : value);

/**
 * Slack's interactivity Request URL (HTTP mode). Nothing is read before the signature over the raw
 * bytes holds and its timestamp is inside five minutes; a refused request is recorded (never its
 * body, which an attacker controls) and answered with the field at fault.
 */
@Controller('slack')
export class InteractionsController {
  constructor(
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
    @Inject(SLACK_EDGE_CONFIG) private readonly config: SlackEdgeConfig,
    private readonly clicks: ClicksService,
  ) {}

  @Post('interactions')
  @HttpCode(HttpStatus.OK)
  async interact(
    @Req() req: RawBodyRequest<IncomingMessage>,
    @Headers() headers: Record<string, string | string[] | undefined>,
  ): Promise<ClickAnswer> {
    const rawBody = req.rawBody ?? Buffer.alloc(0);
    const signature = first(headers['x-slack-signature']);
    const check = verifySlackSignature({
      signingSecret: this.config.signingSecret ?? '',
      timestamp: first(headers['x-slack-request-timestamp']),
      signature,
      rawBody,
      now: this.runtime.clock(),
    });
    if (!check.ok) {
      await this.refuse(rawBody, signature, check.code, check.message);
      throw new HttpException(
        { error: check.code, message: check.message, errors: [{ path: check.field, code: check.code, message: check.message }] },
        HttpStatus.UNAUTHORIZED,
      );
    }
    const form = parseInteractionForm(rawBody);
    const answer = form.ok ? await this.clicks.handle(form.payload, `slack-http:${signature ?? ''}`) : undefined;
    const error = form.ok ? (answer?.status === 'invalid' ? answer.error : undefined) : { path: form.error.field, ...form.error };
    if (error) {
      await this.refuse(rawBody, signature, error.code, error.message);
      throw new HttpException({ error: error.code, message: error.message, errors: [error] }, HttpStatus.BAD_REQUEST);
    }
    return answer as ClickAnswer;
  }

  private async refuse(rawBody: Buffer, signature: string | undefined, code: string, message: string): Promise<void> {
    const bodySha256 = createHash('sha256').update(rawBody).digest('hex');
    const now = this.runtime.clock().toISOString();
    const id = deterministicId(`${bodySha256}:${signature ?? ''}`, `slack.request.refused:${code}`);
    const data = { code, message, bodySha256, bodyBytes: rawBody.length, at: now };
    await this.runtime.store.append(REFUSALS_STREAM, [{ id, type: 'local.slack.request.refused', data, metadata: { time: now } }], 'any');
    this.runtime.logger.warn(`refused a Slack request: ${code} ${message}`);
  }
}
