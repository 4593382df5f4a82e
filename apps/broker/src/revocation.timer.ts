import { Inject, Injectable } from '@nestjs/common';
import { EventTypes, type CredentialIssuedV1 } from '@countersign/contracts';
import { RUNTIME, ScheduledWork, type DomainEvent, type ScheduleChange, type ServiceRuntime } from '@countersign/service-runtime';
import { BrokerService } from './broker.service';

/** A credential nobody used still dies when its window ends: revoked, not merely left to expire. */
export function revocationSchedule(event: DomainEvent): ScheduleChange {
  if (event.type === EventTypes.CredentialIssued) {
    const issued = event.data as CredentialIssuedV1;
    return { key: issued.requestId, dueAt: issued.expiresAt };
  }
  if (event.type === EventTypes.CredentialRevoked) return { key: (event.data as { requestId: string }).requestId, dueAt: null };
  return undefined;
}

@Injectable()
export class RevocationTimer extends ScheduledWork {
  constructor(@Inject(RUNTIME) runtime: ServiceRuntime, broker: BrokerService) {
    super(runtime, revocationSchedule, (requestId) => broker.revokeIfDue(requestId));
  }
}
