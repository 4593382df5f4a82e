import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import {
  EventTypes,
  POSTGRES_SQL_KIND,
  type Envelope,
  type RequestAcceptedV1,
  type RegisteredTarget,
  type RequestApprovedV1,
} from '@countersign/contracts';
import { fixtureEnvelope } from '@countersign/contracts/testing';
import { SqliteEventStore } from '@countersign/event-store';
import type { EnvelopeSigner } from '@countersign/identity';
import { DecisionRunner } from '@countersign/service-runtime';

/** A request for a postgres grant on `target` as the broker's system grants see it: accepted by intake, then approved. */
export function acceptedPostgresGrant(requestId: string, target: string) {
  const action = { kind: POSTGRES_SQL_KIND, target, requestId, parameters: { statements: ['SELECT 1'], grant: 'app_read' } };
  const accepted = fixtureEnvelope({
    id: randomUUID(),
    type: EventTypes.RequestAccepted,
    signer: 'service:intake',
    time: new Date().toISOString(),
    data: { requestId, action } as unknown as RequestAcceptedV1,
  });
  const approval = { id: randomUUID(), data: { requestId } } as Envelope<RequestApprovedV1>;
  return { accepted, approval };
}

/** What SystemGrants needs of a broker's runtime, over a real SQLite file: a fresh runner (no cache) each call. */
export function grantsRuntimeOver(file: string, signer: EnvelopeSigner, target: RegisteredTarget) {
  const store = SqliteEventStore.open(file);
  return {
    store,
    runner: new DecisionRunner(store, signer),
    registry: { environment: 'test', requesters: [], approvers: [], targets: [target] },
    clock: () => new Date(),
    logger: new Logger('broker-test'),
  };
}
