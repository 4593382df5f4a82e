import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventTypes, type AuditViolationV1, type Envelope } from '@countersign/contracts';
import { custodyStream } from '@countersign/audit-domain';
import { SqliteEventStore, type EventStore } from '@countersign/event-store';
import { recordingReads } from '@countersign/event-store/testing';
import { AuditService } from './audit.service';
import { CustodyChecks } from './custody.checks';
import { auditRuntime, consume, request } from './testing/audit-requests';

/**
 * Audit's custody index across a restart, on a real SQLite store: written down at the stop, the
 * next start goes on from there (it does not replay the log) and still holds the evidence of a
 * request that was open, so that request's check sees every link when it finishes after the restart.
 *
 * The requests are the record-cpu spec's (the fixture chain re-signed under fresh ids), whose
 * digests no longer match their links: each check ends in a violation. What shows the evidence was
 * kept is that the open request's findings are those of a request checked whole before the restart,
 * with no `missing_event` among them (what a check that lost the links before the restart finds).
 */

const SNAPSHOT = '$schedule-custody';
const requestIdOf = (envelopes: Envelope[]) => envelopes[0]!.subject;
const FINISHING = new Set<string>([EventTypes.ExecutionStarted, EventTypes.ExecutionSucceeded]);
/** A request's links before its execution, and its execution. */
const beforeExecution = (envelopes: Envelope[]) => envelopes.filter((envelope) => !FINISHING.has(envelope.type));
const execution = (envelopes: Envelope[]) => envelopes.filter((envelope) => FINISHING.has(envelope.type));

/** Every custody index a test started, stopped after it whatever it asserted. */
const running: CustodyChecks[] = [];

/** Audit's shell over `store`, with the positions its store-wide subscriptions start from. */
async function startAudit(store: SqliteEventStore) {
  const { store: watched, subscriptionsFrom } = recordingReads(store);
  const runtime = auditRuntime(watched);
  const warnings: string[] = [];
  runtime.logger.warn = (message: unknown) => void warnings.push(String(message));
  const audit = new AuditService(runtime);
  const custody = new CustodyChecks(runtime);
  running.push(custody);
  await audit.onApplicationBootstrap();
  await custody.onApplicationBootstrap();
  return { audit, custody, subscribedFrom: subscriptionsFrom(), warnings };
}

/** The custody decision for a request, once there is one: its type and its findings' codes. */
async function custodyOf(store: EventStore, requestId: string, timeoutMs = 15_000): Promise<{ type: string; codes: string[] }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const [decided] = await store.readStream(custodyStream(requestId));
    const violations = (decided?.data as Envelope<Partial<AuditViolationV1>> | undefined)?.data.violations ?? [];
    if (decided) return { type: decided.type, codes: violations.map((violation) => violation.code).sort() };
    if (Date.now() > until) throw new Error(`no custody decision for ${requestId}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe("audit's custody index across a restart", () => {
  let dir: string;
  let store: SqliteEventStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cs-custody-restart-'));
    store = SqliteEventStore.open(join(dir, 'audit.db'));
  });
  afterEach(async () => {
    for (const custody of running.splice(0)) await custody.onApplicationShutdown();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('goes on from the index written down at the stop, with the open request’s evidence', async () => {
    const first = await startAudit(store);
    expect(first.subscribedFrom).toEqual([-1]);
    const finished = Array.from({ length: 3 }, request);
    const open = request();
    await consume(store, first.audit, [...finished.flat(), ...beforeExecution(open)]);
    const checkedWhole = await custodyOf(store, requestIdOf(finished[0]!));
    expect(checkedWhole.codes).not.toContain('missing_event');
    for (const envelopes of finished) await expect(custodyOf(store, requestIdOf(envelopes))).resolves.toEqual(checkedWhole);
    await first.custody.onApplicationShutdown();
    const snapshot = await store.snapshots().load(SNAPSHOT);
    expect(snapshot).toBeDefined();

    const second = await startAudit(store);
    // From the snapshot's position, not from the store's start.
    expect(second.subscribedFrom).toEqual([snapshot!.revision]);
    await consume(store, second.audit, execution(open));
    // Every link of the open request but its execution was recorded before the restart; the check finds them all.
    await expect(custodyOf(store, requestIdOf(open))).resolves.toEqual(checkedWhole);
    await second.custody.onApplicationShutdown();
  }, 60_000);

  it('replays the log from its start when the snapshot is not its own, and checks the open request all the same', async () => {
    const first = await startAudit(store);
    const [control, open] = [request(), request()];
    await consume(store, first.audit, [...control, ...beforeExecution(open)]);
    const checkedWhole = await custodyOf(store, requestIdOf(control));
    await first.custody.onApplicationShutdown();
    const snapshot = (await store.snapshots().load(SNAPSHOT))!;
    // Written by someone who can write the file but holds no audit key: the same index under a signature that is not audit's.
    await store.snapshots().save({ ...snapshot, signature: snapshot.signature.replace(/^./, (c) => (c === 'A' ? 'B' : 'A')) });

    const second = await startAudit(store);
    expect(second.subscribedFrom).toEqual([-1]);
    expect(second.warnings).toEqual([
      `snapshot $schedule-custody at position ${snapshot.revision} not used (not signed with this service’s current key); replaying the store from its start`,
    ]);
    await consume(store, second.audit, execution(open));
    await expect(custodyOf(store, requestIdOf(open))).resolves.toEqual(checkedWhole);
    await second.custody.onApplicationShutdown();
  }, 60_000);
});
