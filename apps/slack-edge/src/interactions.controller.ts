import { Controller, Headers, HttpCode, HttpStatus, Inject, Post, Req, type RawBodyRequest } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { parseInteractionForm, verifySlackSignature } from '@countersign/slack';
import { RUNTIME, type ServiceRuntime } from '@countersign/service-runtime';
import { ClicksService, type ClickAnswer } from './clicks.service';
import { RefusalsService } from './refusals.service';
import type { SlackEdgeConfig } from './slack.config';
import { SLACK_EDGE_CONFIG } from './tokens';

/** Slack sends every interaction as a form; the header is not signed, so it is checked after the signature. */
const isForm = (contentType: string | string[] | undefined) =>
  /^application\/x-www-form-urlencoded\s*(;|$)/i.test(first(contentType) ?? '');
const NOT_A_FORM = {
  ok: false as const,
  error: {
    code: 'unsupported_content_type' as const,
    field: 'content-type',
    message: 'Slack interactions are application/x-www-form-urlencoded',
  },
};

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
    private readonly refusals: RefusalsService,
  ) {}

  @Post('interactions')
  @HttpCode(HttpStatus.OK)
  async interact(
    @Req() req: RawBodyRequest<IncomingMessage & { body?: unknown }>,
    @Headers() headers: Record<string, string | string[] | undefined>,
  ): Promise<ClickAnswer> {
    const rawBody = req.rawBody ?? (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));
    const signature = first(headers['x-slack-signature']);
    const check = verifySlackSignature({
      signingSecret: this.config.signingSecret ?? '',
      timestamp: first(headers['x-slack-request-timestamp']),
      signature,
      rawBody,
      now: this.runtime.clock(),
    });
    const body = { bytes: rawBody, ...(signature ? { signature } : {}) };
    if (!check.ok) {
      return this.refusals.refuse(body, { code: check.code, message: check.message, path: check.field }, HttpStatus.UNAUTHORIZED);
    }
    const form = isForm(headers['content-type']) ? parseInteractionForm(rawBody) : NOT_A_FORM;
    if (!form.ok) {
      const { code, field, message } = form.error;
      return this.refusals.refuse(body, { code, message, path: field }, HttpStatus.BAD_REQUEST);
    }
    const answer = await this.clicks.handle(form.payload, `slack-http:${signature ?? ''}`);
    if (answer.status !== 'invalid') return answer;
    const { code, path, message } = answer.error;
    return this.refusals.refuse(body, { code, message, path }, HttpStatus.BAD_REQUEST);
  }
}
