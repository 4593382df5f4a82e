import { Body, Controller, Get, HttpCode, HttpException, HttpStatus, Inject, Post } from '@nestjs/common';
import { EventTypes, parseIdentityId, type Envelope, type FieldError } from '@countersign/contracts';
import type { IntakeEvent } from '@countersign/intake-domain';
import { DEFAULT_MAX_SKEW_MS } from '@countersign/identity';
import { RUNTIME, type ServiceRuntime } from '@countersign/service-runtime';
import { IntakeService } from './intake.service';
import { openApiDocument } from './openapi';

export interface SubmissionAnswer {
  status: 'accepted' | 'rejected' | 'already_received';
  eventId: string;
  requestId?: string;
  digest?: string;
  errors?: FieldError[];
}

/**
 * The same submission contract as NATS, for systems that cannot speak NATS: the body is the signed
 * envelope. The decision is recorded in intake's store before we answer; publishing happens later
 * through the relay, never in this request.
 */
@Controller('v1')
export class HttpController {
  constructor(
    private readonly intake: IntakeService,
    @Inject(RUNTIME) private readonly runtime: ServiceRuntime,
  ) {}

  @Post('submissions')
  @HttpCode(HttpStatus.ACCEPTED)
  async submit(@Body() body: unknown): Promise<SubmissionAnswer> {
    const envelope = this.authenticate(body);
    const events = await this.intake.submit(envelope, parseIdentityId(envelope.signer).name);
    return answer(envelope.id, events);
  }

  @Get('openapi.json')
  openApi(): unknown {
    return openApiDocument();
  }

  private authenticate(body: unknown): Envelope {
    // Over HTTP the arrival time is now: a captured submission replayed later is stale.
    const verification = this.runtime.trust.verify(body, { now: this.runtime.clock(), maxSkewMs: DEFAULT_MAX_SKEW_MS });
    if (verification.ok) return this.submissionOnly(verification.envelope);
    if (verification.authentic) return this.submissionOnly(verification.authentic);
    const malformed = ['malformed', 'invalid_envelope', 'unknown_type'].includes(verification.code);
    throw new HttpException(
      { error: verification.code, message: verification.message, errors: verification.errors ?? [] },
      malformed ? HttpStatus.BAD_REQUEST : HttpStatus.UNAUTHORIZED,
    );
  }

  private submissionOnly(authentic: Envelope): Envelope {
    if (authentic.type !== EventTypes.RequestSubmitted) {
      throw new HttpException(
        {
          error: 'wrong_type',
          message: `expected ${EventTypes.RequestSubmitted}`,
          errors: [{ path: 'type', code: 'wrong_type', message: 'not a submission' }],
        },
        HttpStatus.BAD_REQUEST,
      );
    }
    return authentic;
  }
}

function answer(eventId: string, events: IntakeEvent[]): SubmissionAnswer {
  const decision = events.find((event) => event.type === EventTypes.RequestAccepted || event.type === EventTypes.RequestRejected);
  if (!decision) return { status: 'already_received', eventId };
  if (decision.type === EventTypes.RequestAccepted) {
    const { requestId, digest } = decision.data as { requestId: string; digest: string };
    return { status: 'accepted', eventId, requestId, digest };
  }
  const { requestId, errors } = decision.data as { requestId?: string; errors: FieldError[] };
  throw new HttpException(
    { status: 'rejected', eventId, ...(requestId ? { requestId } : {}), error: 'rejected', errors },
    HttpStatus.BAD_REQUEST,
  );
}
