import { EVENT_TYPES, EventTypes } from '@countersign/contracts';
import type { EventStore, StoredEvent } from '@countersign/event-store';
import { ServiceMetrics } from './metrics';
import { instrumentStore, PROJECTED_TYPES, StoreMetricsProjection } from './store-metrics';

const T0 = Date.parse('2026-01-01T10:00:00.000Z');
let position = 0;

/** A stored envelope as the projection sees it (signature checks are the transport's, not its). */
function stored(type: string, data: Record<string, unknown>, signer = 'service:approval', time = new Date(T0).toISOString()): StoredEvent {
  position += 1;
  const envelope = { specversion: '1.0', id: `e${position}`, type, signer, signature: 'sig', time, data };
  return { id: envelope.id, stream: 's', revision: 0, position, type, data: envelope, metadata: {}, recordedAt: time };
}

async function values(metrics: ServiceMetrics, name: string): Promise<Array<{ labels: object; value: number }>> {
  const found = (await metrics.registry.getMetricsAsJSON()).find((metric) => metric.name === name);
  // Without the default `service` label, which every series carries.
  return (found?.values ?? []).map(({ labels: { service: _service, ...labels }, value }) => ({ labels, value }));
}

describe('StoreMetricsProjection', () => {
  let now = T0;
  const metrics = () => new ServiceMetrics('approval', false);
  const projection = (m: ServiceMetrics, identity = 'service:approval') =>
    new StoreMetricsProjection(
      {} as EventStore,
      identity,
      m,
      () => new Date(now),
      () => undefined,
    );

  it('counts approvals waiting by tier, their age, and the soonest expiry among the unvoted', async () => {
    const m = metrics();
    const p = projection(m);
    const requested = (requestId: string, tier: string, expiresInMs: number) =>
      stored(EventTypes.ApprovalRequested, { requestId, policy: { tier }, expiresAt: new Date(T0 + expiresInMs).toISOString() });
    p.apply(requested('r1', 'production-change', 3_600_000));
    p.apply(requested('r2', 'production-change', 600_000));
    p.apply(requested('r3', 'payments', 900_000));
    p.apply(stored(EventTypes.VoteRecorded, { requestId: 'r2' }));
    p.apply(stored(EventTypes.RequestApproved, { requestId: 'r3' }));
    now = T0 + 60_000;
    p.refresh();
    expect(await values(m, 'countersign_approvals_pending')).toEqual([
      { labels: { tier: 'production-change' }, value: 2 },
      { labels: { tier: 'payments' }, value: 0 },
    ]);
    expect(await values(m, 'countersign_approvals_pending_oldest_age_seconds')).toContainEqual({
      labels: { tier: 'production-change' },
      value: 60,
    });
    // r2 has a vote, so the soonest unvoted expiry is r1's: an hour after T0, seen a minute later.
    expect(await values(m, 'countersign_approvals_unvoted_min_seconds_to_expiry')).toEqual([
      { labels: { tier: 'production-change' }, value: 3_540 },
    ]);
  });

  it('counts refusals by type and reason, executions by outcome, live credentials and violations; only its own envelopes', async () => {
    const m = metrics();
    const p = projection(m, 'service:broker');
    now = T0;
    p.apply(stored(EventTypes.CredentialRefused, { requestId: 'r', code: 'window_closed' }, 'service:broker'));
    p.apply(stored(EventTypes.CredentialIssued, { credentialId: 'c1', expiresAt: new Date(T0 + 60_000).toISOString() }, 'service:broker'));
    p.apply(stored(EventTypes.CredentialIssued, { credentialId: 'c2', expiresAt: new Date(T0 + 60_000).toISOString() }, 'service:broker'));
    p.apply(stored(EventTypes.CredentialIssued, { credentialId: 'c3', expiresAt: new Date(T0 + 1_000).toISOString() }, 'service:broker'));
    p.apply(stored(EventTypes.CredentialRevoked, { credentialId: 'c2' }, 'service:broker'));
    // Another identity's envelope kept here as evidence is not this service's outcome.
    p.apply(stored(EventTypes.ExecutionSucceeded, { requestId: 'r' }, 'service:executor'));
    p.apply(stored(EventTypes.ExecutionSucceeded, { requestId: 'r' }, 'service:broker'));
    p.apply(stored(EventTypes.AuditViolation, { requestId: 'r' }, 'service:broker'));
    now = T0 + 2_000;
    p.refresh();
    expect(await values(m, 'countersign_messages_refused_total')).toEqual([
      { labels: { type: 'credential.refused', reason: 'window_closed' }, value: 1 },
    ]);
    expect(await values(m, 'countersign_credentials_live')).toEqual([{ labels: {}, value: 1 }]);
    expect(await values(m, 'countersign_executions_total')).toEqual([{ labels: { outcome: 'succeeded' }, value: 1 }]);
    expect(await values(m, 'countersign_custody_violations_total')).toEqual([{ labels: {}, value: 1 }]);
  });

  it('counts nothing from a type outside the list it reads (the store skips those)', async () => {
    const m = metrics();
    const p = projection(m, 'service:broker');
    const seen = async () => JSON.stringify(await m.registry.getMetricsAsJSON());
    const anything = {
      requestId: 'r',
      credentialId: 'c',
      expiresAt: new Date(T0 + 60_000).toISOString(),
      code: 'x',
      policy: { tier: 't' },
    };
    // A pending approval without votes and a live credential, so that a vote, a closing outcome
    // or a revocation read by mistake would change a gauge.
    p.apply(stored(EventTypes.ApprovalRequested, anything, 'service:broker'));
    p.apply(stored(EventTypes.CredentialIssued, anything, 'service:broker'));
    p.refresh();
    const before = await seen();
    for (const type of Object.keys(EVENT_TYPES).filter((type) => !PROJECTED_TYPES.includes(type)))
      p.apply(stored(type, anything, 'service:broker'));
    p.refresh();
    expect(await seen()).toBe(before);
    // The same data under a listed type does count: the check above can tell.
    p.apply(stored(EventTypes.CredentialRevoked, anything, 'service:broker'));
    p.refresh();
    expect(await seen()).not.toBe(before);
  });
});

describe('instrumentStore', () => {
  it('times appends by outcome and passes everything else through', async () => {
    const m = new ServiceMetrics('intake', false);
    const calls: string[] = [];
    const store = {
      append: () => Promise.resolve({ nextExpectedRevision: 0, position: 1, idempotent: false }),
      readStream: function (this: unknown, stream: string) {
        calls.push(`${stream}:${this === store ? 'bound' : 'unbound'}`);
        return Promise.resolve([]);
      },
    } as unknown as EventStore;
    const timed = instrumentStore(store, m);
    await timed.append('s', [], 'any');
    await timed.readStream('x');
    expect(calls).toEqual(['x:bound']);
    const appends = (await m.registry.getMetricsAsJSON()).find((metric) => metric.name === 'countersign_store_append_duration_seconds');
    const count = appends?.values.find((value) => String((value as { metricName?: string }).metricName).endsWith('_count'));
    expect(count).toMatchObject({ labels: { outcome: 'ok' }, value: 1 });
  });

  it('reads the store at start and then at each scrape, from where it left off, in pages', async () => {
    const events = Array.from({ length: 2_500 }, () => stored(EventTypes.ExecutionSucceeded, { requestId: 'r' }, 'service:executor'));
    const reads: number[] = [];
    const store = {
      readAll: (from: number, maxCount: number) => {
        reads.push(from);
        return Promise.resolve(events.filter((event) => event.position > from).slice(0, maxCount));
      },
    } as unknown as EventStore;
    const m = new ServiceMetrics('executor', false);
    const p = new StoreMetricsProjection(
      store,
      'service:executor',
      m,
      () => new Date(T0),
      () => undefined,
    );
    p.start();
    await p.catchUp();
    expect(reads).toHaveLength(3);
    events.push(stored(EventTypes.ExecutionFailed, { requestId: 'r' }, 'service:executor'));
    // Not followed live: nothing is read until a scrape.
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(reads).toHaveLength(3);
    await m.render();
    expect(reads.at(-1)).toBe(events.at(-2)!.position);
    expect(await values(m, 'countersign_executions_total')).toEqual(
      expect.arrayContaining([
        { labels: { outcome: 'succeeded' }, value: 2_500 },
        { labels: { outcome: 'failed' }, value: 1 },
      ]),
    );
    await p.stop();
  });
});
