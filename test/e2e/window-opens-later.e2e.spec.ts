import { EventTypes, type CredentialIssuedV1, type Envelope, type MessageDeadLetteredV1 } from '@countersign/contracts';
import { eventsOnBus, typesFor } from './bus-events';
import { effectsAt, eventually } from './clients';
import { outcomeOf, startScenario, type Scenario } from './scenario';

jest.setTimeout(240_000);

/** How far ahead the approved window opens: longer than two handler attempts with their backoff. */
const OPENS_IN_MS = 8_000;
const deploy = { kind: 'http.request', target: 'demo-staging', parameters: { method: 'POST', path: '/deploy' } };

/**
 * An approval for a window that opens later is honoured, not retried into a dead letter: the broker
 * parks it and decides it again when the window opens (docs/architecture.md, "Parked approvals").
 * Two handler failures would dead-letter a message here (COUNTERSIGN_MAX_DELIVER=2), so an approval
 * the broker still failed on until the window opened would end `failed`.
 */
describe('an approved window that opens later', () => {
  let s: Scenario;

  beforeAll(async () => {
    s = await startScenario({ env: { COUNTERSIGN_MAX_DELIVER: '2' } });
  });

  afterAll(async () => {
    await s?.close();
  });

  it('is approved at once, gets no credential before it opens, then executes exactly once, with no dead letter', async () => {
    const opens = Date.now() + OPENS_IN_MS;
    const window = { notBefore: new Date(opens).toISOString(), notAfter: new Date(opens + 120_000).toISOString() };
    const { requestId } = await s.deployBot.submit({ ...deploy, window }, 'a change for a window that opens later');
    await outcomeOf(s.deployBot, requestId, 'approved', 20_000);

    // Watched on the bus until just before the window opens: nothing issued, nothing run.
    let looked = 0;
    while (Date.now() < opens - 500) {
      expect(typesFor(await eventsOnBus(s.stack), requestId)).not.toContain(EventTypes.CredentialIssued);
      expect(await effectsAt(s.stack, requestId)).toHaveLength(0);
      looked += 1;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(looked).toBeGreaterThan(0);

    expect(await outcomeOf(s.deployBot, requestId, 'executed', 60_000)).toEqual(['accepted', 'approved', 'executed']);
    const bus = await eventsOnBus(s.stack);
    const issued = bus.find(
      (event) => event.type === EventTypes.CredentialIssued && (event.data as CredentialIssuedV1).requestId === requestId,
    );
    expect(Date.parse((issued as Envelope<CredentialIssuedV1>).data.issuedAt)).toBeGreaterThanOrEqual(opens);
    expect(typesFor(bus, requestId).filter((type) => type === EventTypes.ExecutionStarted)).toHaveLength(1);
    expect(typesFor(bus, requestId)).not.toContain(EventTypes.CredentialRefused);
    expect(await effectsAt(s.stack, requestId)).toHaveLength(1);

    // Audit has everything about the request once custody is verified; no message was dead-lettered.
    await eventually(() => expect(s.audit.eventsFor(requestId).map((e) => e.type)).toContain(EventTypes.CustodyVerified), 60_000);
    const deadLetters = s.audit.records
      .map((record) => record.event as unknown as Envelope<MessageDeadLetteredV1>)
      .filter((event) => event.type === EventTypes.MessageDeadLettered);
    expect(deadLetters.map((letter) => `${letter.data.consumer}: ${letter.data.code}: ${letter.data.message}`)).toEqual([]);
  });
});
