import { createHash } from 'node:crypto';
import { HttpException, Inject, Injectable, type HttpStatus } from '@nestjs/common';
import { deterministicId } from '@countersign/contracts';
import { RUNTIME, type ServiceRuntime } from '@countersign/service-runtime';

export const REFUSALS_STREAM = 'slack-refusals';

export interface Refusal {
  code: string;
  message: string;
  /** The header or body field at fault. */
  path: string;
}

/**
 * Every refused request to the Slack endpoint is recorded in the edge's own store before it is
 * answered: code, time, the body's SHA-256 and size, never the body itself, which an attacker
 * controls. Identical requests collapse into one record.
 */
@Injectable()
export class RefusalsService {
  constructor(@Inject(RUNTIME) private readonly runtime: ServiceRuntime) {}

  async refuse(body: { bytes?: Buffer; length?: number; signature?: string }, refusal: Refusal, status: HttpStatus): Promise<never> {
    const bodySha256 = body.bytes ? createHash('sha256').update(body.bytes).digest('hex') : undefined;
    const now = this.runtime.clock().toISOString();
    const id = deterministicId(`${bodySha256 ?? now}:${body.signature ?? ''}`, `slack.request.refused:${refusal.code}`);
    const data = {
      code: refusal.code,
      message: refusal.message,
      ...(bodySha256 ? { bodySha256 } : {}),
      bodyBytes: body.bytes?.length ?? body.length ?? 0,
      at: now,
    };
    await this.runtime.store.append(REFUSALS_STREAM, [{ id, type: 'local.slack.request.refused', data, metadata: { time: now } }], 'any');
    this.runtime.logger.warn(`refused a Slack request: ${refusal.code} ${refusal.message}`);
    const { code, message, path } = refusal;
    throw new HttpException({ error: code, message, errors: [{ path, code, message }] }, status);
  }
}
