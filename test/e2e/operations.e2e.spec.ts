import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { SERVICE_NAMES } from '@countersign/contracts';
import { launchNatsProcess, stopNatsProcess } from '@countersign/testing';
import { eventually } from './clients';
import { operationsUrl, readiness, Scrape } from './operations';
import { approvalRequested, demoTargetIn, outcomeOf, startScenario, type Scenario } from './scenario';

jest.setTimeout(180_000);

const AUDIT_GATE_MAX_WAIT_MS = 2_000;

const deploy = (environment: string, target = demoTargetIn(environment)) => ({
  kind: 'http.request',
  target,
  environment,
  parameters: { method: 'POST', path: '/deploy' },
});

/**
 * Health, readiness and metrics (docs/operations.md) on one real stack: every process answers on
 * its own operations port, `/metrics` parses by the Prometheus text-format rules and its counters
 * move by exactly what a known flow does, and readiness follows NATS going away and coming back.
 */
describe('operations endpoints on the real stack', () => {
  let s: Scenario;
  let restartedNats: ChildProcess | undefined;

  beforeAll(async () => {
    // A short audit-gate wait, so the audit case below sees broker and executor turn not ready quickly.
    s = await startScenario({ env: { COUNTERSIGN_AUDIT_GATE_MAX_WAIT_MS: String(AUDIT_GATE_MAX_WAIT_MS) } });
  });

  afterAll(async () => {
    // Clients first: none of them may be connected while a nats-server goes away (see below).
    await s?.closeClients();
    if (restartedNats) await stopNatsProcess(restartedNats);
    await s?.close();
  });

  it('answers liveness and readiness on each process’s own port, naming what readiness checked', async () => {
    for (const name of SERVICE_NAMES) {
      const live = await fetch(`${operationsUrl(s.stack, name)}/health/live`);
      expect([name, live.status]).toEqual([name, 200]);
      const ready = await readiness(s.stack, name);
      expect([name, ready.status, ready.body.status]).toEqual([name, 200, 'ok']);
      const checks = Object.keys(ready.body.details ?? {}).sort();
      const gated = name === 'broker' || name === 'executor';
      expect([name, checks]).toEqual([name, ['consumers', 'keys', 'nats', 'store', ...(gated ? ['audit'] : [])].sort()]);
    }
    expect(s.stack.healthUrl('intake')).not.toBe(s.stack.healthUrl('audit'));
  });

  it('moves the counters by exactly what one production change, one refusal and one forged submission do', async () => {
    const names = ['intake', 'approval', 'broker', 'executor', 'audit'] as const;
    const before = Object.fromEntries(await Promise.all(names.map(async (name) => [name, await Scrape.of(s.stack, name)] as const)));

    const { requestId } = await s.paymentsAgent.submit(deploy('production'), 'metrics: production change');
    const { digest, policy } = await approvalRequested(s.audit, requestId);
    const tier = policy.tier;
    const waiting = await Scrape.of(s.stack, 'approval');
    expect(waiting.value('countersign_approvals_pending', { tier })).toBe(
      before.approval!.value('countersign_approvals_pending', { tier }) + 1,
    );
    expect(waiting.value('countersign_approvals_unvoted_min_seconds_to_expiry', { tier })).toBeGreaterThan(0);

    const refused = await s.deployBot.submit(deploy('staging', 'no-such-target'), 'metrics: refused');
    const forged = s.deployBot.sign({ requestId: refused.requestId, action: deploy('staging'), reason: 'signed' });
    await s.deployBot.publish({ ...forged, data: { ...(forged.data as object), reason: 'altered after signing' } });
    await outcomeOf(s.deployBot, refused.requestId, 'rejected');
    await s.approvers.alice.vote(requestId, digest, 'approve', 'metrics');
    await s.approvers.bob.vote(requestId, digest, 'approve', 'metrics');
    await outcomeOf(s.paymentsAgent, requestId, 'executed', 40_000);

    const delta = async (name: (typeof names)[number], metric: string, labels: Record<string, string> = {}) =>
      (await Scrape.of(s.stack, name)).value(metric, labels) - before[name]!.value(metric, labels);
    await eventually(async () => {
      expect(await delta('intake', 'countersign_messages_handled_total', { type: 'request.submitted', outcome: 'handled' })).toBe(2);
      expect(await delta('intake', 'countersign_messages_refused_total', { type: 'request.rejected' })).toBe(1);
      expect(await delta('intake', 'countersign_messages_deadlettered_total', { type: 'request.submitted' })).toBe(1);
      expect(await delta('approval', 'countersign_messages_handled_total', { type: 'vote.cast', outcome: 'handled' })).toBe(2);
      expect(await delta('approval', 'countersign_approvals_pending', { tier })).toBe(0);
      expect(await delta('broker', 'countersign_messages_handled_total', { type: 'audit.receipt', outcome: 'handled' })).toBe(1);
      expect(await delta('executor', 'countersign_executions_total', { outcome: 'succeeded' })).toBe(1);
      expect(await delta('executor', 'countersign_executions_total')).toBe(1);
      expect(await delta('executor', 'countersign_decision_duration_seconds_count', { type: 'credential.issued' })).toBe(1);
      expect(await delta('audit', 'countersign_custody_violations_total')).toBe(0);
      for (const name of names) {
        expect([name, await delta(name, 'countersign_store_append_duration_seconds_count', { outcome: 'ok' })]).not.toEqual([name, 0]);
        expect([name, (await Scrape.of(s.stack, name)).value('countersign_relay_lag_events')]).toEqual([name, 0]);
      }
    }, 30_000);
    // Audit chained every event of both requests, the dead letter and the notifications: at least these.
    expect(await delta('audit', 'countersign_audit_chain_length')).toBeGreaterThanOrEqual(10);
    const after = await Scrape.of(s.stack, 'intake');
    expect(after.has('countersign_consumer_pending_messages', { consumer: 'intake-submissions', service: 'intake' })).toBe(true);
    expect(after.family('countersign_decision_duration_seconds').type).toBe('HISTOGRAM');
    expect(after.value('countersign_ready')).toBe(1);
  });

  it('holds broker and executor not ready while audit is unreachable and an approval waits for its receipt', async () => {
    await s.stack.stop('audit', 'SIGKILL');
    const { requestId } = await s.deployBot.submit(deploy('staging'), 'metrics: audit is down');
    await outcomeOf(s.deployBot, requestId, 'approved', 40_000);
    await eventually(async () => {
      for (const name of ['broker', 'executor']) {
        const ready = await readiness(s.stack, name);
        expect([name, ready.status, ready.body.details?.['audit']?.status]).toEqual([name, 503, 'down']);
      }
    }, 20_000);
    // Audit is no gate for intake: it stays ready and keeps accepting.
    expect((await readiness(s.stack, 'intake')).status).toBe(200);
    await s.stack.start('audit');
    await outcomeOf(s.deployBot, requestId, 'executed', 60_000);
    await eventually(async () => {
      for (const name of ['broker', 'executor']) expect([name, (await readiness(s.stack, name)).status]).toEqual([name, 200]);
    }, 20_000);
  });

  it('is not ready while NATS is down, stays alive, and is ready again once NATS is back', async () => {
    // This checks the services, not the test's own clients, which are closed first: with them
    // connected through the outage, nats.js 2.29.3 could write to a socket the server had just
    // ended and raise an uncaught ERR_STREAM_WRITE_AFTER_END in this process, failing the suite in
    // about one CI run in four.
    await s.closeClients();
    await s.stack.nats.stop({ keep: true });
    await eventually(async () => {
      for (const name of SERVICE_NAMES) {
        const ready = await readiness(s.stack, name);
        expect([name, ready.status, ready.body.details?.['nats']?.status]).toEqual([name, 503, 'down']);
      }
    }, 20_000);
    expect((await fetch(`${operationsUrl(s.stack, 'intake')}/health/live`)).status).toBe(200);
    restartedNats = await launchNatsProcess(join(s.stack.nats.dir, 'nats.conf'));
    await eventually(async () => {
      for (const name of SERVICE_NAMES) expect([name, (await readiness(s.stack, name)).status]).toEqual([name, 200]);
    }, 40_000);
  });
});
