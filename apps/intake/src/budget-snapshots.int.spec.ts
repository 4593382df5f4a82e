import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@countersign/event-store';
import { recordingReads } from '@countersign/event-store/testing';
import { EnvelopeSigner, generateKeyPair } from '@countersign/identity';
import { budgetDecider, budgetSnapshots, budgetStreamFor, recordedAdmission, type BudgetCommand } from '@countersign/intake-domain';
import { DecisionRunner } from '@countersign/service-runtime';

const T0 = Date.parse('2026-12-06T10:00:00.000Z');
const STREAM = budgetStreamFor('requester:deploy-bot');

/** Submission n one every 50 ms: its claim, then (all but every tenth) its release. */
function commandsOf(n: number): BudgetCommand[] {
  const now = new Date(T0 + n * 50).toISOString();
  const claim: BudgetCommand = {
    type: 'ClaimBudget',
    submissionId: `sub-${n}`,
    requestId: `req-${n}`,
    joinDigest: `digest-${n}`,
    tier: 'auto',
    joins: false,
    submissionsPerMinute: 6_000,
    pendingApprovals: 1_000,
    now,
  };
  return n % 10 === 0 ? [claim] : [claim, { type: 'ReleaseBudget', requestId: `req-${n}`, now }];
}

describe("a requester's budget ledger after a restart", () => {
  let dir: string;
  let store: SqliteEventStore;
  const signer = new EnvelopeSigner('service:intake', generateKeyPair('ed25519', 'service:intake'));

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'cs-budget-'));
    store = SqliteEventStore.open(join(dir, 'intake.db'));
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('starts from its last snapshot, folds only the events after it, and decides as a whole fold does', async () => {
    const running = new DecisionRunner(store, signer);
    running.keepSnapshots(budgetDecider, budgetSnapshots);
    for (let n = 0; n < 700; n += 1)
      for (const [step, command] of commandsOf(n).entries())
        await running.run(budgetDecider, STREAM, command, { id: `cause-${n}-${step}`, now: new Date(T0 + n * 50) });
    await new Promise((resolve) => setImmediate(resolve));
    expect(await store.snapshots().load(STREAM)).toMatchObject({ revision: 999, version: budgetSnapshots.version });

    const { store: watched, readsFrom } = recordingReads(store);
    const restarted = new DecisionRunner(watched, signer);
    restarted.keepSnapshots(budgetDecider, budgetSnapshots);
    const restored = await restarted.load(budgetDecider, STREAM);
    expect(readsFrom(STREAM)).toEqual([999, 1_000]);

    const whole = await new DecisionRunner(store, signer).load(budgetDecider, STREAM);
    expect(budgetSnapshots.encode(restored)).toEqual(budgetSnapshots.encode(whole));
    for (const n of [0, 650, 699, 700]) expect(recordedAdmission(restored, `sub-${n}`)).toEqual(recordedAdmission(whole, `sub-${n}`));
    const next = commandsOf(700)[0] as BudgetCommand;
    expect(budgetDecider.decide(next, restored)).toEqual(budgetDecider.decide(next, whole));
  });
});
