import { EventTypes } from '@countersign/contracts';
import { eventsOnBus, typesFor } from './bus-events';
import { effectsAt, eventually } from './clients';
import { outcomeOf, startScenario, type Scenario } from './scenario';

jest.setTimeout(240_000);

const BATCH = 4;
/** A real wait with audit down: long enough for several ack waits, redeliveries and timer ticks. */
const AUDIT_DOWN_MS = 10_000;
const deploy = { kind: 'http.request', target: 'demo-staging', environment: 'staging', parameters: { method: 'POST', path: '/deploy' } };

/**
 * Audit is a gate (docs/architecture.md): with audit killed mid-flow, requests are still accepted
 * and approved, but no credential is issued and nothing runs until audit has recorded each
 * approval and signed a receipt; when audit returns, each runs exactly once.
 */
describe('audit as a gate', () => {
  let s: Scenario;

  beforeAll(async () => {
    s = await startScenario();
  });

  afterAll(async () => {
    await s?.close();
  });

  it('issues a credential only after audit’s receipt, which audit chains before the credential', async () => {
    const { requestId } = await s.deployBot.submit(deploy, 'audit is up');
    await outcomeOf(s.deployBot, requestId, 'executed', 40_000);
    await eventually(() => expect(s.audit.eventsFor(requestId).map((e) => e.type)).toContain(EventTypes.CustodyVerified), 60_000);
    const types = s.audit.eventsFor(requestId).map((event) => event.type);
    const receipt = types.indexOf(EventTypes.AuditReceipt);
    expect(receipt).toBeGreaterThan(types.indexOf(EventTypes.RequestApproved));
    expect(receipt).toBeLessThan(types.indexOf(EventTypes.CredentialIssued));
  });

  it('while audit is down, accepts and approves but issues and runs nothing; a closed window ends visibly; after audit returns, runs each once', async () => {
    const before = await Promise.all(Array.from({ length: BATCH }, () => s.deployBot.submit(deploy, 'submitted before audit dies')));
    await s.stack.stop('audit', 'SIGKILL');
    const during = await Promise.all(Array.from({ length: BATCH }, () => s.deployBot.submit(deploy, 'submitted while audit is down')));
    // Its window closes while audit is down: it must end visibly, not wait forever nor run later.
    const window = { notBefore: new Date().toISOString(), notAfter: new Date(Date.now() + AUDIT_DOWN_MS / 2).toISOString() };
    const closing = await s.deployBot.submit({ ...deploy, window }, 'window closes while audit is down');
    for (const { requestId } of [...during, closing]) await outcomeOf(s.deployBot, requestId, 'approved', 40_000);
    await new Promise((resolve) => setTimeout(resolve, AUDIT_DOWN_MS));
    expect(await outcomeOf(s.deployBot, closing.requestId, 'failed', 20_000)).toEqual(['accepted', 'approved', 'failed']);
    expect(s.deployBot.notificationsFor(closing.requestId).at(-1)?.data.detail).toMatch(/window_closed/);

    const bus = await eventsOnBus(s.stack);
    for (const { requestId } of during) {
      expect(s.deployBot.outcomes({ requestId })).toEqual(['accepted', 'approved']);
      expect(await effectsAt(s.stack, requestId)).toHaveLength(0);
      const types = typesFor(bus, requestId);
      expect(types).toContain(EventTypes.RequestApproved);
      for (const gated of [EventTypes.AuditReceipt, EventTypes.CredentialIssued, EventTypes.CredentialRefused, EventTypes.ExecutionStarted])
        expect(types).not.toContain(gated);
    }

    await s.stack.start('audit');
    const all = [...before, ...during];
    for (const { requestId } of all)
      expect(await outcomeOf(s.deployBot, requestId, 'executed', 60_000)).toEqual(['accepted', 'approved', 'executed']);
    for (const { requestId } of all) expect(await effectsAt(s.stack, requestId)).toHaveLength(1);
    await eventually(() => {
      for (const { requestId } of all) {
        const types = s.audit.eventsFor(requestId).map((event) => event.type);
        expect(types).toContain(EventTypes.CustodyVerified);
        expect(types.filter((type) => type === EventTypes.AuditReceipt)).toHaveLength(1);
        expect(types.indexOf(EventTypes.AuditReceipt)).toBeLessThan(types.indexOf(EventTypes.CredentialIssued));
      }
    }, 60_000);
    const after = await eventsOnBus(s.stack);
    for (const { requestId } of all)
      expect(typesFor(after, requestId).filter((type) => type === EventTypes.ExecutionStarted)).toHaveLength(1);
    expect(await effectsAt(s.stack, closing.requestId)).toHaveLength(0);
    expect(typesFor(after, closing.requestId)).not.toContain(EventTypes.CredentialIssued);
    expect(typesFor(after, closing.requestId)).toContain(EventTypes.AuditReceipt);
  });
});
