import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventTypes, type AuditRecordV1, type Envelope } from '@countersign/contracts';
import { frontierRoot, merkleRoot, recordLeafHash } from '@countersign/audit-chain';
import { AUDIT_LOG_STREAM, auditLogDecider, verifyChain } from '@countersign/audit-domain';
import { SqliteEventStore } from '@countersign/event-store';
import { recordingReads } from '@countersign/event-store/testing';
import { DecisionRunner, type ServiceMetrics } from '@countersign/service-runtime';
import { AuditService } from './audit.service';
import { CustodyChecks } from './custody.checks';
import { auditRuntime, consume, request, signers } from './testing/audit-requests';

/**
 * Audit's shell (AuditService, CustodyChecks) on a real SQLite store, fed whole requests of really
 * signed envelopes in delivery batches as its JetStream consumers do (appends deferred, one flush per
 * batch, each delivery verified first), from four consumers at once. It pins what a record may
 * cost in store reads (none: the log's state is the runner's own) and in failed appends (none: the
 * consumers' records take turns), and that the chain and its Merkle tree still hold; and it reports
 * the CPU per delivery (issue 14). More requests: AUDIT_CPU_REQUESTS=400.
 */

const REQUESTS = Number(process.env['AUDIT_CPU_REQUESTS'] ?? 40);
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
    const runner = new DecisionRunner(watched, signer);
    const runtime = auditRuntime(watched, runner);
    const audit = new AuditService(runtime);
    const custody = new CustodyChecks(runtime);
    await audit.onApplicationBootstrap();
    await custody.onApplicationBootstrap();
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
    const start = async () => {
      const { store: watched, readsFrom } = recordingReads(store);
      const runner = new DecisionRunner(watched, signer);
      const runtime = auditRuntime(watched, runner);
      const audit = new AuditService(runtime);
      await audit.onApplicationBootstrap();
      return { audit, logReads: () => readsFrom(AUDIT_LOG_STREAM), runner, metrics: runtime.metrics };
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
