import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventTypes, type Envelope, type RequesterNotifiedV1 } from '@countersign/contracts';
import { SqliteEventStore, type EventStore } from '@countersign/event-store';
import type { EnvelopeSigner, Registry } from '@countersign/identity';
import { toDeadLetterData } from '@countersign/messaging';
import { testIdentities } from '@countersign/messaging/testing';
import { DecisionRunner, type ServiceRuntime } from '@countersign/service-runtime';
import { BudgetGate } from './budget-gate';
import { IntakeService } from './intake.service';

const { signers, trust } = testIdentities(['requester:deploy-bot', 'service:intake', 'service:approval']);
const [bot, intakeSigner, approval] = [signers['requester:deploy-bot']!, signers['service:intake']!, signers['service:approval']!];
const registry = {
  environment: 'test',
  requesters: [{ name: 'deploy-bot', allowedKinds: ['http.request'], allowedEnvironments: ['staging'] }],
  approvers: [],
  targets: [
    {
      name: 'demo-staging',
      environment: 'staging',
      dataSensitivity: 'internal',
      ownerTeam: 'platform',
      kinds: ['http.request'],
      address: 'http://127.0.0.1:4380',
      requesters: ['deploy-bot'],
    },
  ],
} as unknown as Registry;

/** A dead letter as `by`'s transport records it (issue 10), carrying `payload` as it was on the bus. */
function deadLetter(by: EnvelopeSigner, code: string, payload: Uint8Array): Envelope {
  const data = toDeadLetterData(
    {
      code,
      message: 'handler failed 5 times',
      subject: 'cs.evt.x',
      stream: 'CS_EVENTS',
      streamSequence: 9,
      deliveries: 7,
      consumer: 'c',
      payload,
    },
    new Date().toISOString(),
  );
  return by.sign({ id: randomUUID(), type: EventTypes.MessageDeadLettered, subject: 'CS_EVENTS:9', time: new Date().toISOString(), data });
}

const bytes = (envelope: unknown) => Buffer.from(JSON.stringify(envelope));

/**
 * Intake's shell on a real SQLite store: the dead letters that would strand a request end it, told
 * to the requester; forged payloads and harmless codes change nothing.
 */
describe('intake on dead letters (real store, real signatures)', () => {
  let dir: string;
  let store: EventStore;
  let intake: IntakeService;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'intake-deadletters-'));
    store = SqliteEventStore.open(join(dir, 'intake.sqlite'));
    const runtime = {
      store,
      trust,
      registry,
      clock: () => new Date(),
      runner: new DecisionRunner(store, intakeSigner),
      config: { policyFile: join(__dirname, '..', '..', '..', 'deploy', 'policies', 'default.policy.json') },
      logger: { log: () => undefined },
    } as unknown as ServiceRuntime;
    intake = new IntakeService(runtime, new BudgetGate(runtime));
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const submission = (data: unknown) =>
    bot.sign({ id: randomUUID(), type: EventTypes.RequestSubmitted, subject: 'x', time: new Date().toISOString(), data });
  const validSubmission = (requestId: string) =>
    submission({
      requestId,
      action: { kind: 'http.request', target: 'demo-staging', environment: 'staging', parameters: {} },
      reason: 'r',
    });

  async function notices(requestId: string): Promise<RequesterNotifiedV1[]> {
    const events = await store.readStream(`request-${requestId}`);
    return events
      .map((event) => event.data as Envelope<RequesterNotifiedV1>)
      .filter((envelope) => envelope.type === EventTypes.RequesterNotified)
      .map((envelope) => envelope.data);
  }

  async function acceptedEnvelope(requestId: string): Promise<Envelope> {
    await intake.submit(validSubmission(requestId), 'deploy-bot');
    const events = await store.readStream(`request-${requestId}`);
    return events.map((event) => event.data as Envelope).find((envelope) => envelope.type === EventTypes.RequestAccepted)!;
  }

  it('reports an accepted request failed (in doubt) when approval gave up on its accepted event', async () => {
    const requestId = randomUUID();
    const accepted = await acceptedEnvelope(requestId);
    await intake.deadLettered(deadLetter(approval, 'max_deliveries', bytes(accepted)) as never);
    await intake.deadLettered(deadLetter(approval, 'max_deliveries', bytes(accepted)) as never); // a redelivery

    const told = await notices(requestId);
    expect(told.map((notice) => notice.outcome)).toEqual(['accepted', 'failed']);
    expect(told[1]!.detail).toBe(
      'in doubt, needs a human: service:approval could not process countersign.request.accepted.v1 (max_deliveries)',
    );
  });

  it('changes nothing for a forged payload or a replayed copy', async () => {
    const requestId = randomUUID();
    const accepted = await acceptedEnvelope(requestId);
    const forged = { ...accepted, signature: `${accepted.signature.slice(0, -4)}AAAA` };
    await intake.deadLettered(deadLetter(approval, 'max_deliveries', bytes(forged)) as never);
    await intake.deadLettered(deadLetter(approval, 'replayed_event', bytes(accepted)) as never);

    expect((await notices(requestId)).map((notice) => notice.outcome)).toEqual(['accepted']);
  });

  it('answers a submission intake itself gave up on with a rejection its requester hears', async () => {
    const requestId = randomUUID();
    await intake.deadLettered(deadLetter(intakeSigner, 'max_deliveries', bytes(validSubmission(requestId))) as never);

    const told = await notices(requestId);
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({
      outcome: 'rejected',
      requester: 'requester:deploy-bot',
      errors: [{ path: '', code: 'unprocessable' }],
    });
  });
});
