import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { Envelope } from '@countersign/contracts';
import { fullChain } from '@countersign/audit-domain/testing';
import type { EventStore, SqliteEventStore } from '@countersign/event-store';
import { testIdentities } from '@countersign/messaging/testing';
import { DecisionRunner, ServiceMetrics, type ServiceRuntime } from '@countersign/service-runtime';
import type { AuditService } from '../audit.service';

/** Signed whole requests as audit's consumers hear them, and audit's shell on a real store, for audit's integration specs. */

const SIGNERS = [
  'requester:deploy-bot',
  'service:intake',
  'approver:alice',
  'service:approval',
  'service:audit',
  'service:broker',
  'service:executor',
];
export const { signers, trust } = testIdentities(SIGNERS);
const SIGNED_BY: Record<string, string> = {
  submitted: 'requester:deploy-bot',
  accepted: 'service:intake',
  vote: 'approver:alice',
  approved: 'service:approval',
  receipt: 'service:audit',
  issued: 'service:broker',
  started: 'service:executor',
  succeeded: 'service:executor',
};

function resign(envelope: Envelope, ids: Map<string, string>, requestId: string): Envelope {
  const swap = (value: unknown): unknown => {
    if (typeof value === 'string') return value === envelope.data ? value : (ids.get(value) ?? value);
    if (Array.isArray(value)) return value.map(swap);
    if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, swap(v)]));
    return value;
  };
  const data = swap(envelope.data) as Record<string, unknown>;
  return signers[envelope.signer]!.sign({ id: ids.get(envelope.id)!, type: envelope.type, subject: requestId, time: envelope.time, data });
}

/** One request's deliveries as audit hears them, freshly identified and really signed. */
export function request(): Envelope[] {
  const chain = fullChain();
  const requestId = randomUUID();
  const ids = new Map<string, string>([[String((chain.submitted.data as { requestId: string }).requestId), requestId]]);
  for (const link of Object.values(chain)) ids.set(link.id, randomUUID());
  const out: Record<string, Envelope> = {};
  // A submission's action names no owner team or address (the contract refuses them there).
  const { ownerTeam: _team, targetAddress: _address, ...action } = (chain.submitted.data as { action: Record<string, unknown> }).action;
  chain.submitted = { ...chain.submitted, data: { ...(chain.submitted.data as object), action } };
  for (const [link, envelope] of Object.entries(chain)) {
    const signed = resign({ ...envelope, signer: SIGNED_BY[link]! }, ids, requestId);
    out[link] = signed;
  }
  // The acceptance carries the signed submission, as intake's does; the approval its signed vote.
  out['accepted'] = signers['service:intake']!.sign({
    ...out['accepted']!,
    data: { ...(out['accepted']!.data as object), submission: out['submitted'] },
  });
  out['approved'] = signers['service:approval']!.sign({
    ...out['approved']!,
    data: { ...(out['approved']!.data as object), evidence: [out['vote']] },
  });
  return Object.values(out);
}

/** What AuditService and CustodyChecks read of the runtime, over `store`, signing as service:audit. */
export function auditRuntime(store: EventStore, runner = new DecisionRunner(store, signers['service:audit']!)): ServiceRuntime {
  Logger.overrideLogger(['error']);
  const runtime = {
    store,
    signer: signers['service:audit']!,
    trust,
    runner,
    metrics: new ServiceMetrics('audit', false),
    clock: () => new Date(),
    logger: new Logger('audit'),
    config: { timerMs: 200 },
  };
  return runtime as unknown as ServiceRuntime;
}

export const BATCH = 8;

/** One consumer: batches of deliveries, each verified, handled in one deferred group and flushed. */
export async function consume(store: SqliteEventStore, audit: AuditService, deliveries: Envelope[]): Promise<void> {
  for (let start = 0; start < deliveries.length; start += BATCH) {
    await store.deferDurability(async () => {
      for (const envelope of deliveries.slice(start, start + BATCH)) {
        const verified = trust.verify(envelope);
        if (!verified.ok) throw new Error(`${envelope.type} does not verify: ${verified.code}`);
        await audit.record(verified.envelope);
      }
    });
    await store.flush();
  }
}
