import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { EventTypes, type AuditRecordV1, type Envelope } from '@countersign/contracts';
import { frontierRoot, merkleRoot, recordLeafHash } from '@countersign/audit-chain';
import { AUDIT_LOG_STREAM, auditLogDecider, verifyChain } from '@countersign/audit-domain';
import { fullChain } from '@countersign/audit-domain/testing';
import { SqliteEventStore } from '@countersign/event-store';
import { recordingReads } from '@countersign/event-store/testing';
import { testIdentities } from '@countersign/messaging/testing';
import { DecisionRunner, ServiceMetrics, type ServiceRuntime } from '@countersign/service-runtime';
import { AuditService } from './audit.service';
import { CustodyChecks } from './custody.checks';

/**
 * Audit's shell (AuditService, CustodyChecks) on a real SQLite store, fed whole requests of really
 * signed envelopes in delivery batches as its JetStream consumers do (appends deferred, one flush per
 * batch, each delivery verified first), from four consumers at once. It pins what a record may
 * cost in store reads (none: the log's state is the runner's own) and in failed appends (none: the
 * consumers' records take turns), and that the chain and its Merkle tree still hold; and it reports
 * the CPU per delivery (issue 14). More requests: AUDIT_CPU_REQUESTS=400.
 */

const SIGNERS = [
  'requester:deploy-bot',
  'service:intake',
  'approver:alice',
  'service:approval',
  'service:audit',
  'service:broker',
  'service:executor',
];
const { signers, trust } = testIdentities(SIGNERS);
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
function request(): Envelope[] {
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

const REQUESTS = Number(process.env['AUDIT_CPU_REQUESTS'] ?? 40);
const BATCH = 8;
/** Audit's consumers (events, submissions, votes, notifications), each handling its batches concurrently. */
const CONSUMERS = 4;

describe('audit recording a stream of requests on a real store', () => {
  let dir: string;
  let store: SqliteEventStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cs-audit-cpu-'));
    store = SqliteEventStore.open(join(dir, 'audit.db'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('chains every delivery once without reading its log back, and the chain and its Merkle tree hold', async () => {
    const { store: watched, readsFrom } = recordingReads(store);
    const signer = signers['service:audit']!;
    Logger.overrideLogger(['error']);
    const runner = new DecisionRunner(watched, signer);
    const metrics = new ServiceMetrics('audit', false);
    const runtime = {
      store: watched,
      signer,
      trust,
      runner,
      metrics,
      clock: () => new Date(),
      logger: new Logger('audit'),
      config: { timerMs: 200 },
    };
    const audit = new AuditService(runtime as unknown as ServiceRuntime);
    const custody = new CustodyChecks(runtime as unknown as ServiceRuntime);
    await audit.onApplicationBootstrap();
    custody.onApplicationBootstrap();
    const deliveries = Array.from({ length: REQUESTS }, request).flat();
    const conflicts: unknown[] = [];
    watched.append = async (...args: Parameters<typeof store.append>) => {
      try {
        return await store.append(...args);
      } catch (error) {
        conflicts.push(error);
        throw error;
      }
    };
    const cpu = process.cpuUsage();
    const consumers = Array.from({ length: CONSUMERS }, (_, consumer) => deliveries.filter((_, index) => index % CONSUMERS === consumer));
    await Promise.all(consumers.map((mine) => consume(watched, audit, mine)));
    const used = process.cpuUsage(cpu);
    await custody.onApplicationShutdown();
    const perDelivery = (used.user + used.system) / 1000 / deliveries.length;
    process.stdout.write(`audit: ${deliveries.length} deliveries, ${perDelivery.toFixed(3)} ms CPU per delivery\n`);

    // Read once, at start-up (an empty log); every record after is decided on the runner's state.
    expect(readsFrom(AUDIT_LOG_STREAM)).toEqual([0]);
    expect(conflicts).toEqual([]);
    const log = await store.readStream(AUDIT_LOG_STREAM);
    const records = log
      .filter((event) => event.type === EventTypes.AuditRecord)
      .map((event) => (event.data as Envelope<AuditRecordV1>).data);
    // Each delivery once (the submission an acceptance carries is the one heard on its own).
    expect(records).toHaveLength(deliveries.length);
    expect(new Set(records.map((record) => record.event['id']))).toEqual(new Set(deliveries.map((envelope) => envelope.id)));
    expect(verifyChain(records)).toMatchObject({ ok: true, count: deliveries.length });
    // The runner's folded state is the state of the log as stored: same head, same Merkle root.
    const state = await new DecisionRunner(store, signer).load(auditLogDecider, AUDIT_LOG_STREAM);
    await expect(runner.load(auditLogDecider, AUDIT_LOG_STREAM)).resolves.toEqual(state);
    expect(frontierRoot(state.tree)).toBe(merkleRoot(records.map(recordLeafHash)));
    expect(log.filter((event) => event.type === EventTypes.AuditReceipt)).toHaveLength(REQUESTS);
  }, 60_000);

  it('restarts from its snapshot: folds only the log after it, and the chain and its Merkle tree go on as if folded whole', async () => {
    const signer = signers['service:audit']!;
    Logger.overrideLogger(['error']);
    const start = async () => {
      const { store: watched, readsFrom } = recordingReads(store);
      const runner = new DecisionRunner(watched, signer);
      const metrics = new ServiceMetrics('audit', false);
      const runtime = { store: watched, signer, trust, runner, metrics, clock: () => new Date(), logger: new Logger('audit') };
      const audit = new AuditService(runtime as unknown as ServiceRuntime);
      await audit.onApplicationBootstrap();
      return { audit, logReads: () => readsFrom(AUDIT_LOG_STREAM), runner, metrics };
    };
    const first = await start();
    // 1,040 records and 130 receipts: one snapshot, at the first 1,000 events of the log.
    await consume(store, first.audit, Array.from({ length: 130 }, request).flat());
    const snapshot = await store.snapshots().load(AUDIT_LOG_STREAM);
    expect(snapshot?.revision).toBeGreaterThanOrEqual(999);

    const recordsBefore = (await store.readStream(AUDIT_LOG_STREAM)).filter((event) => event.type === EventTypes.AuditRecord).length;
    const second = await start();
    // One read of the snapshot's own event, to check the log holds it there, then the tail.
    expect(second.logReads()).toEqual([snapshot!.revision, snapshot!.revision + 1]);
    // The chain's length gauge comes from the log's state: right after a start, and as records are added.
    expect(await chainLength(second.metrics)).toBe(recordsBefore);
    await consume(store, second.audit, Array.from({ length: 5 }, request).flat());

    const log = await store.readStream(AUDIT_LOG_STREAM);
    const records = log
      .filter((event) => event.type === EventTypes.AuditRecord)
      .map((event) => (event.data as Envelope<AuditRecordV1>).data);
    expect(verifyChain(records)).toMatchObject({ ok: true, count: records.length });
    const folded = await new DecisionRunner(store, signer).load(auditLogDecider, AUDIT_LOG_STREAM);
    expect(frontierRoot(folded.tree)).toBe(merkleRoot(records.map(recordLeafHash)));
    expect(folded.head.sequence).toBe(records.length);
    expect(await chainLength(second.metrics)).toBe(records.length);
    // The restarted runner's state, restored and then folded on, is the one the whole log folds to.
    await expect(second.runner.load(auditLogDecider, AUDIT_LOG_STREAM)).resolves.toEqual(folded);
  }, 120_000);
});

async function chainLength(metrics: ServiceMetrics): Promise<number | undefined> {
  const gauge = (await metrics.registry.getMetricsAsJSON()).find((metric) => metric.name === 'countersign_audit_chain_length');
  return gauge?.values[0]?.value;
}

/** One consumer: batches of deliveries, each verified, handled in one deferred group and flushed. */
async function consume(store: SqliteEventStore, audit: AuditService, deliveries: Envelope[]): Promise<void> {
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
