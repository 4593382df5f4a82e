import { randomUUID } from 'node:crypto';
import type { ConsumerMessages, NatsConnection, Subscription } from 'nats';
import {
  EventTypes,
  Streams,
  Subjects,
  type ActionRequest,
  type Envelope,
  type RequesterNotifiedV1,
  type AuditCheckpointV1,
  type AuditRecordV1,
} from '@countersign/contracts';
import { EnvelopeSigner, loadIdentity, loadTrustStore, type TrustStore } from '@countersign/identity';
import { connectAs, type Stack } from '@countersign/stack';

export { connectAs };

/** An upstream system: signs submissions with its own key and hears its outcomes on its own subject. */
export class RequesterClient {
  private readonly signer: EnvelopeSigner;
  private readonly trust: TrustStore;
  private readonly notifications: Envelope<RequesterNotifiedV1>[] = [];
  private subscription: Subscription | undefined;

  private constructor(
    readonly name: string,
    private readonly stack: Stack,
    private readonly nc: NatsConnection,
  ) {
    const id = `requester:${name}`;
    this.signer = new EnvelopeSigner(id, loadIdentity(stack.home, id).signing);
    this.trust = loadTrustStore(stack.home);
  }

  static async connect(stack: Stack, name: string): Promise<RequesterClient> {
    const client = new RequesterClient(name, stack, await connectAs(stack, `requester-${name}`));
    client.listen();
    await client.nc.flush();
    return client;
  }

  private listen(): void {
    this.subscription = this.nc.subscribe(Subjects.notify(this.name), {
      callback: (error, msg) => {
        if (error) return;
        const verified = this.trust.verifyBytes(msg.data);
        // Only intake may speak to requesters; anything else on this subject is ignored.
        if (verified.ok && verified.type === EventTypes.RequesterNotified)
          this.notifications.push(verified.envelope as Envelope<RequesterNotifiedV1>);
      },
    });
  }

  sign(data: unknown, overrides: Partial<Envelope> = {}): Envelope {
    const requestId = (data as { requestId?: string }).requestId ?? randomUUID();
    return {
      ...this.signer.sign({
        id: randomUUID(),
        type: EventTypes.RequestSubmitted,
        subject: requestId,
        time: new Date().toISOString(),
        data,
      }),
      ...overrides,
    };
  }

  /** Signs as if at `time`, e.g. to play a submission captured long ago. */
  signAt(data: unknown, time: Date): Envelope {
    const requestId = (data as { requestId?: string }).requestId ?? randomUUID();
    return this.signer.sign({ id: randomUUID(), type: EventTypes.RequestSubmitted, subject: requestId, time: time.toISOString(), data });
  }

  async publish(envelope: Envelope): Promise<void> {
    await this.nc.jetstream().publish(Subjects.submit(this.name), JSON.stringify(envelope), { msgID: envelope.id });
  }

  async submit(action: ActionRequest, reason = 'e2e'): Promise<{ requestId: string; envelope: Envelope }> {
    const requestId = randomUUID();
    const envelope = this.sign({ requestId, action, reason });
    await this.publish(envelope);
    return { requestId, envelope };
  }

  outcomes(match: { requestId?: string; submissionId?: string }): string[] {
    return this.notifications
      .filter((n) => (match.requestId ? n.data.requestId === match.requestId : n.data.submissionId === match.submissionId))
      .map((n) => n.data.outcome);
  }

  notificationsFor(requestId: string): Envelope<RequesterNotifiedV1>[] {
    return this.notifications.filter((n) => n.data.requestId === requestId);
  }

  async close(): Promise<void> {
    this.subscription?.unsubscribe();
    await this.nc.close();
  }
}

/** An approver bot: signs votes naming the digest it saw. */
export class ApproverClient {
  private readonly signer: EnvelopeSigner;

  private constructor(
    readonly name: string,
    private readonly nc: NatsConnection,
    stack: Stack,
  ) {
    const id = `approver:${name}`;
    this.signer = new EnvelopeSigner(id, loadIdentity(stack.home, id).signing);
  }

  static async connect(stack: Stack, name: string): Promise<ApproverClient> {
    return new ApproverClient(name, await connectAs(stack, `approver-${name}`), stack);
  }

  /** `review`: a vote on the break-glass review of the request rather than on the request. */
  async vote(requestId: string, digest: string, decision: 'approve' | 'deny', reason = 'e2e', review = false): Promise<string> {
    const envelope = this.signer.sign({
      id: randomUUID(),
      type: EventTypes.VoteCast,
      subject: requestId,
      time: new Date().toISOString(),
      data: { requestId, digest, decision, reason, ...(review ? { review: true } : {}) },
    });
    await this.nc.jetstream().publish(Subjects.vote(this.name), JSON.stringify(envelope), { msgID: envelope.id });
    return envelope.id;
  }

  close(): Promise<void> {
    return this.nc.close();
  }
}

/** A SIEM reader on its own durable consumer of the audit stream. */
export class AuditReader {
  readonly records: AuditRecordV1[] = [];
  readonly checkpoints: Envelope<AuditCheckpointV1>[] = [];
  private messages: ConsumerMessages | undefined;
  private reading: Promise<void> = Promise.resolve();

  private constructor(private readonly nc: NatsConnection) {}

  static async connect(stack: Stack, reader = 'splunk'): Promise<AuditReader> {
    const client = new AuditReader(await connectAs(stack, `siem-${reader}`));
    await client.start(reader);
    return client;
  }

  private async start(reader: string): Promise<void> {
    const consumer = await this.nc.jetstream().consumers.get(Streams.audit.name, `siem-${reader}`);
    const messages = await consumer.consume({ max_messages: 100 });
    this.messages = messages;
    this.reading = (async () => {
      for await (const msg of messages) {
        const envelope = msg.json<Envelope<AuditRecordV1>>();
        // Audit's signed Merkle checkpoints share the stream with the records they cover.
        if (envelope.type === EventTypes.AuditCheckpoint) this.checkpoints.push(envelope as unknown as Envelope<AuditCheckpointV1>);
        else this.records.push(envelope.data);
        msg.ack();
      }
    })();
  }

  eventsFor(requestId: string): Envelope[] {
    return this.records.filter((record) => record.requestId === requestId).map((record) => record.event as unknown as Envelope);
  }

  async close(): Promise<void> {
    await this.messages?.close();
    await this.reading;
    await this.nc.close();
  }
}

export async function effectsAt(stack: Stack, requestId?: string): Promise<Array<{ requestId: string; digest: string }>> {
  const response = await fetch(`${stack.demoTargetUrl}/effects${requestId ? `?requestId=${requestId}` : ''}`);
  return ((await response.json()) as { effects: Array<{ requestId: string; digest: string }> }).effects;
}

/** e2e tests wait for a known state, never a sleep: the shared poller. */
export { eventually } from '@countersign/testing';
