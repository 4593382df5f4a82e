import { Inject, Injectable } from '@nestjs/common';
import { EventTypes, type CredentialIssuedV1, type CredentialRevokedV1 } from '@countersign/contracts';
import { GrantIntendedType, type GrantIntendedData } from '@countersign/broker-domain';
import {
  dueKeysOnly,
  RUNTIME,
  ScheduledWork,
  type DomainEvent,
  type Schedule,
  type ScheduleChange,
  type ServiceRuntime,
} from '@countersign/service-runtime';
import { BrokerService } from './broker.service';

/**
 * A credential nobody used still dies when its window ends: revoked, not merely left to expire. A
 * grant on a real system is due from its intent's window end (in case its credential was never
 * recorded) and again at once when its credential is revoked, until `grant.revoked` says it is done;
 * the index is rebuilt from the store at start, so a restarted broker finishes what was pending.
 */
export function revocationSchedule(event: DomainEvent): ScheduleChange {
  if (event.type === EventTypes.CredentialIssued) {
    const issued = event.data as CredentialIssuedV1;
    return { key: issued.requestId, dueAt: issued.expiresAt };
  }
  if (event.type === GrantIntendedType) {
    const intended = event.data as GrantIntendedData;
    return { key: intended.requestId, dueAt: intended.expiresAt };
  }
  if (event.type === EventTypes.CredentialRevoked) {
    const revoked = event.data as CredentialRevokedV1;
    return { key: revoked.requestId, dueAt: revoked.grant ? revoked.revokedAt : null };
  }
  if (event.type === EventTypes.GrantRevoked) return { key: (event.data as { requestId: string }).requestId, dueAt: null };
  return undefined;
}

export const revocations: Schedule = {
  types: [EventTypes.CredentialIssued, GrantIntendedType, EventTypes.CredentialRevoked, EventTypes.GrantRevoked],
  change: revocationSchedule,
  snapshots: dueKeysOnly('$schedule-revocations'),
};

@Injectable()
export class RevocationTimer extends ScheduledWork {
  constructor(@Inject(RUNTIME) runtime: ServiceRuntime, broker: BrokerService) {
    super(runtime, revocations, (requestId) => broker.revokeIfDue(requestId));
  }
}
