import { Controller, UseFilters } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import {
  EventTypes,
  type ApprovalEscalatedV1,
  type Envelope,
  type ExecutionFailedV1,
  type ExecutionInDoubtV1,
  type RequestApprovedV1,
  type RequestDeniedV1,
  type RequestExpiredV1,
  type ExecutionSucceededV1,
  type ExecutionRefusedV1,
  type CredentialRefusedV1,
} from '@countersign/contracts';
import { JetStreamErrorFilter, JETSTREAM_TRANSPORT } from '@countersign/messaging';
import { IntakeService } from './intake.service';

/** Tells requesters how their accepted requests ended, so an agent never has to poll. */
@Controller()
@UseFilters(new JetStreamErrorFilter())
export class OutcomesHandler {
  constructor(private readonly intake: IntakeService) {}

  @EventPattern(EventTypes.RequestApproved, JETSTREAM_TRANSPORT)
  approved(@Payload() event: Envelope<RequestApprovedV1>) {
    return this.intake.notify(
      event.data.requestId,
      'approved',
      event,
      `approved under ${event.data.policy.label}/${event.data.policy.tier}`,
    );
  }

  /** Nobody decided in time and more people were asked: the requester learns it is still waiting, longer. */
  @EventPattern(EventTypes.ApprovalEscalated, JETSTREAM_TRANSPORT)
  escalated(@Payload() event: Envelope<ApprovalEscalatedV1>) {
    return this.intake.notify(
      event.data.requestId,
      'escalated',
      event,
      `no decision yet (${event.data.approvals}/${event.data.quorum} approvals): now also asking ${event.data.addedGroups.join(', ')}; expires at ${event.data.expiresAt}`,
    );
  }

  @EventPattern(EventTypes.RequestDenied, JETSTREAM_TRANSPORT)
  denied(@Payload() event: Envelope<RequestDeniedV1>) {
    return this.intake.notify(
      event.data.requestId,
      'denied',
      event,
      `denied by ${event.data.deniedBy}${event.data.reason ? `: ${event.data.reason}` : ''}`,
    );
  }

  @EventPattern(EventTypes.RequestExpired, JETSTREAM_TRANSPORT)
  expired(@Payload() event: Envelope<RequestExpiredV1>) {
    return this.intake.notify(
      event.data.requestId,
      'expired',
      event,
      `no decision before ${event.data.expiredAt} (${event.data.approvals}/${event.data.quorum} approvals)`,
    );
  }

  @EventPattern(EventTypes.ExecutionSucceeded, JETSTREAM_TRANSPORT)
  executed(@Payload() event: Envelope<ExecutionSucceededV1>) {
    return this.intake.notify(event.data.requestId, 'executed', event, `target answered ${event.data.result.status}`);
  }

  @EventPattern(EventTypes.ExecutionFailed, JETSTREAM_TRANSPORT)
  failed(@Payload() event: Envelope<ExecutionFailedV1>) {
    return this.intake.notify(event.data.requestId, 'failed', event, `${event.data.error.code}: ${event.data.error.message}`);
  }

  @EventPattern(EventTypes.ExecutionInDoubt, JETSTREAM_TRANSPORT)
  inDoubt(@Payload() event: Envelope<ExecutionInDoubtV1>) {
    return this.intake.notify(event.data.requestId, 'failed', event, `in doubt, needs a human: ${event.data.reason}`);
  }

  @EventPattern(EventTypes.CredentialRefused, JETSTREAM_TRANSPORT)
  credentialRefused(@Payload() event: Envelope<CredentialRefusedV1>) {
    return this.intake.notify(event.data.requestId, 'failed', event, `broker refused a credential: ${event.data.code}`);
  }

  @EventPattern(EventTypes.ExecutionRefused, JETSTREAM_TRANSPORT)
  refused(@Payload() event: Envelope<ExecutionRefusedV1>) {
    return this.intake.notify(event.data.requestId, 'failed', event, `executor refused: ${event.data.code}`);
  }
}
