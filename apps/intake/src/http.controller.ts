import { Body, Controller, Get, Headers, HttpCode, HttpException, HttpStatus, Inject, Post } from '@nestjs/common';
import { EventTypes, parseIdentityId, type Envelope, type FieldError } from '@countersign/contracts';
import type { IntakeEvent } from '@countersign/intake-domain';
import { DEFAULT_MAX_SKEW_MS, type Rejection, type RejectionCode } from '@countersign/identity';
import { errorBody, refusal, RUNTIME, type ServiceRuntime } from '@countersign/service-runtime';
import { IntakeService } from './intake.service';
import { openApiDocument } from './openapi';

export interface SubmissionAnswer {
  status: 'accepted' | 'rejected' | 'already_received' | 'joined';
  eventId: string;
  requestId?: string;
  digest?: string;
  /** `joined` only: the pending request with the same action that this submission joined. */
  joinedRequestId?: string;
  errors?: FieldError[];
}

/** JSON, as CloudEvents structured mode allows it to be labelled; a charset other than UTF-8 is refused. */
const JSON_TYPES = /^application\/(cloudevents\+)?json\s*(;\s*charset="?utf-8"?\s*)?$/i;

/** Refusals of the envelope that are about its form (400); every other code is about trust (401). */
const MALFORMED: readonly RejectionCode[] = ['malformed', 'invalid_envelope', 'unknown_type'];

/** The envelope field each trust refusal is about, so `errors` always names one. */
const FIELD_OF: Partial<Record<RejectionCode, string>> = {
  unknown_key: 'keyid',
  revoked_key: 'keyid',
  retired_key: 'keyid',
  signer_mismatch: 'signer',
  type_not_allowed: 'type',
  bad_signature: 'signature',
};

/**
 * The same submission contract as NATS, for systems that cannot speak NATS: the body is the signed
 * envelope, kept as raw bytes and verified by the very function NATS messages go through (size,
 * strict UTF-8, depth and other limits, schema, signature). The decision is recorded in intake's
 * store before we answer; publishing happens later through the relay, never in this request.
 */
@Controller('v1')
export class HttpController {
  constructor(
    private readonly intake: IntakeService,
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
  ) {}

  @Post('submissions')
  @HttpCode(HttpStatus.ACCEPTED)
  async submit(@Body() body: unknown, @Headers('content-type') contentType?: string): Promise<SubmissionAnswer> {
    if (!JSON_TYPES.test(contentType ?? '')) {
      const given = contentType === undefined ? 'none' : JSON.stringify(contentType.slice(0, 100));
      const message = `content-type must be application/json or application/cloudevents+json, not ${given}`;
      throw refusal(HttpStatus.UNSUPPORTED_MEDIA_TYPE, 'unsupported_media_type', message, 'headers.content-type');
    }
    // Without a body, the raw parser leaves an empty object: verify it as zero bytes.
    const envelope = this.authenticate(Buffer.isBuffer(body) ? body : Buffer.alloc(0));
    const events = await this.intake.submit(envelope, parseIdentityId(envelope.signer).name);
    return answer(envelope.id, events);
  }

  @Get('openapi.json')
  openApi(): unknown {
    return openApiDocument();
  }

  private authenticate(body: Buffer): Envelope {
    // Over HTTP the arrival time is now: a captured submission replayed later is stale.
    const verification = this.runtime.trust.verifyBytes(body, { now: this.runtime.clock(), maxSkewMs: DEFAULT_MAX_SKEW_MS });
    if (verification.ok) return this.submissionOnly(verification.envelope);
    if (verification.authentic) return this.submissionOnly(verification.authentic);
    throw refused(verification);
  }

  private submissionOnly(authentic: Envelope): Envelope {
    if (authentic.type !== EventTypes.RequestSubmitted) {
      throw refusal(HttpStatus.BAD_REQUEST, 'wrong_type', `expected ${EventTypes.RequestSubmitted}`, 'type');
    }
    return authentic;
  }
}

function answer(eventId: string, events: IntakeEvent[]): SubmissionAnswer {
  const decision = events.find((event) => event.type === EventTypes.RequestAccepted || event.type === EventTypes.RequestRejected);
  if (!decision) return joined(eventId, events) ?? { status: 'already_received', eventId };
  if (decision.type === EventTypes.RequestAccepted) {
    const { requestId, digest } = decision.data as { requestId: string; digest: string };
    return { status: 'accepted', eventId, requestId, digest };
  }
  const { requestId, errors } = decision.data as { requestId?: string; errors: FieldError[] };
  const body = errorBody('rejected', 'intake rejected the submission', '(root)', errors);
  // Over a budget: the same body, but a status clients back off on rather than fix and resend.
  const status = errors.some((error) => error.code === 'rate_limited') ? HttpStatus.TOO_MANY_REQUESTS : HttpStatus.BAD_REQUEST;
  throw new HttpException({ status: 'rejected', eventId, ...(requestId ? { requestId } : {}), ...body }, status);
}

/** A submission that joined a pending request with the same action: answered 202, naming it. */
function joined(eventId: string, events: IntakeEvent[]): SubmissionAnswer | undefined {
  const notice = events.find((event) => event.type === EventTypes.RequesterNotified && event.data.outcome === 'joined');
  if (notice?.type !== EventTypes.RequesterNotified || !notice.data.joinedRequestId) return undefined;
  const { requestId, joinedRequestId } = notice.data;
  return { status: 'joined', eventId, ...(requestId ? { requestId } : {}), joinedRequestId };
}

/** A verification refusal: over the size limit 413, malformed 400, untrusted 401; `errors` never empty. */
function refused({ code, message, errors = [] }: Rejection) {
  if (code === 'input_limit') {
    const tooLarge = errors.some((error) => error.code === 'too_large');
    return refusal(tooLarge ? HttpStatus.PAYLOAD_TOO_LARGE : HttpStatus.BAD_REQUEST, code, message, '(root)', errors);
  }
  const status = MALFORMED.includes(code) ? HttpStatus.BAD_REQUEST : HttpStatus.UNAUTHORIZED;
  return refusal(status, code, message, FIELD_OF[code] ?? '(root)', errors);
}
