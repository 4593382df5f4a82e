import { randomUUID } from 'node:crypto';
import { EventTypes, POSTGRES_SQL_KIND, type Envelope, type RequestAcceptedV1, type RequestApprovedV1 } from '@countersign/contracts';
import { fixtureEnvelope } from '@countersign/contracts/testing';

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
