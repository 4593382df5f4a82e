import { EventTypes, SERVICE_NAMES, type ServiceName } from '@countersign/contracts';
import { effectsAt, eventually } from './clients';
import { outcomeOf, startScenario, type Scenario } from './scenario';

jest.setTimeout(180_000);

const BATCH = 6;
const deploy = { kind: 'http.request', target: 'demo-staging', environment: 'staging', parameters: { method: 'POST', path: '/deploy' } };

/**
 * Each service in turn is killed mid-flow (SIGKILL: no chance to settle anything) and started
 * again. Requests submitted before, during and after must all execute, and each exactly once.
 * The executor is stopped with SIGTERM instead: a SIGKILL between its claim and the result leaves
 * a request in doubt by design, which the in-doubt test below covers.
 */
describe('restarting any one service mid-flow', () => {
  let s: Scenario;

  beforeAll(async () => {
    s = await startScenario();
  });

  afterAll(async () => {
    await s?.close();
  });

  it.each(SERVICE_NAMES.map((name) => [name]))(
    'loses nothing and executes nothing twice when %s restarts',
    async (service: ServiceName) => {
      const before = await Promise.all(Array.from({ length: BATCH }, () => s.deployBot.submit(deploy, `before ${service} restart`)));
      await s.stack.stop(service, service === 'executor' ? 'SIGTERM' : 'SIGKILL');
      const during = await Promise.all(Array.from({ length: BATCH }, () => s.deployBot.submit(deploy, `while ${service} is down`)));
      await s.stack.start(service);
      const after = await Promise.all(Array.from({ length: BATCH }, () => s.deployBot.submit(deploy, `after ${service} restart`)));
      const all = [...before, ...during, ...after];
      for (const { requestId } of all) {
        expect(await outcomeOf(s.deployBot, requestId, 'executed', 40_000)).toEqual(['accepted', 'approved', 'executed']);
      }
      for (const { requestId } of all) expect(await effectsAt(s.stack, requestId)).toHaveLength(1);
      await eventually(() => {
        for (const { requestId } of all)
          expect(s.audit.eventsFor(requestId).map((event) => event.type)).toContain(EventTypes.CustodyVerified);
      }, 40_000);
    },
  );
});

describe('an executor crash between claim and result', () => {
  let s: Scenario;

  beforeAll(async () => {
    s = await startScenario();
  });

  afterAll(async () => {
    await s?.close();
  });

  it('leaves the request in doubt, tells the requester, and never runs it again', async () => {
    const slow = { ...deploy, parameters: { method: 'POST', path: '/deploy?respondAfterMs=4000' } };
    const { requestId } = await s.deployBot.submit(slow, 'slow target');
    await eventually(async () => expect(await effectsAt(s.stack, requestId)).toHaveLength(1));
    await s.stack.stop('executor', 'SIGKILL');
    await s.stack.start('executor');
    const heard = await outcomeOf(s.deployBot, requestId, 'failed');
    expect(heard).toEqual(['accepted', 'approved', 'failed']);
    expect(s.deployBot.notificationsFor(requestId).at(-1)?.data.detail).toMatch(/in doubt/);
    await eventually(() => expect(s.audit.eventsFor(requestId).map((event) => event.type)).toContain(EventTypes.ExecutionInDoubt));
    // The credential is revoked once the request is in doubt, and the action did not run again.
    await eventually(() => expect(s.audit.eventsFor(requestId).map((event) => event.type)).toContain(EventTypes.CredentialRevoked));
    expect(await effectsAt(s.stack, requestId)).toHaveLength(1);
  });
});
