import { randomUUID } from 'node:crypto';
import type { ConsumerMessages, NatsConnection, Subscription } from 'nats';
import {
  actionRenderingDigest,
  EventTypes,
  Streams,
  Subjects,
  type ActionRequest,
  type ApprovalRequestedV1,
  type Envelope,
  type RequestAcceptedV1,
  type RequesterNotifiedV1,
  type AuditCheckpointV1,
  type AuditRecordV1,
} from '@countersign/contracts';
import { EnvelopeSigner, loadIdentity, loadTrustStore, type TrustStore } from '@countersign/identity';
import { connectAs, type Stack } from '@countersign/stack';
import { eventually } from '@countersign/testing';

/** e2e tests wait for a known state, never a sleep: the shared poller. */
export { eventually };

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

const RESOLUTIONS: readonly string[] = [EventTypes.RequestApproved, EventTypes.RequestDenied, EventTypes.RequestExpired];

/**
 * An approver bot: signs votes naming the digest it was given and the rendering digest of the text
 * approval showed for the request, which it reads, as a person reads the card, from the audit stream.
 */
export class ApproverClient {
  private readonly signer: EnvelopeSigner;

  private constructor(
    readonly name: string,
    private readonly nc: NatsConnection,
    stack: Stack,
    private readonly audit: AuditReader | undefined,
  ) {
    const id = `approver:${name}`;
    this.signer = new EnvelopeSigner(id, loadIdentity(stack.home, id).signing);
  }

  /** `audit`: where the bot reads what it is shown; without it, every vote must name its rendering digest. */
  static async connect(stack: Stack, name: string, audit?: AuditReader): Promise<ApproverClient> {
    return new ApproverClient(name, await connectAs(stack, `approver-${name}`), stack, audit);
  }

  /**
   * `review`: a vote on the break-glass review of the request rather than on the request.
   * `renderingDigest`: name this one instead of the one approval showed (the attack in rendering.security).
   */
  async vote(
    requestId: string,
    digest: string,
    decision: 'approve' | 'deny',
    reason = 'e2e',
    review = false,
    renderingDigest?: string,
  ): Promise<string> {
    const rendering = renderingDigest ?? (await this.shown(requestId));
    const envelope = this.signer.sign({
      id: randomUUID(),
      type: EventTypes.VoteCast,
      subject: requestId,
      time: new Date().toISOString(),
      data: { requestId, digest, renderingDigest: rendering, decision, reason, ...(review ? { review: true } : {}) },
    });
    await this.nc.jetstream().publish(Subjects.vote(this.name), JSON.stringify(envelope), { msgID: envelope.id });
    return envelope.id;
  }

  /**
   * The rendering digest of what approval shows for the request: from its approval.requested, or,
   * for a request nobody was asked about (auto-approved, or refused by the policy), the accepted action rendered here. A
   * request never accepted has no rendering; the vote then names zeros and is refused for that.
   */
  private async shown(requestId: string): Promise<string> {
    if (!this.audit) throw new Error(`approver ${this.name} reads no audit stream: name the rendering digest`);
    const audit = this.audit;
    const found = await eventually(() => {
      const events = audit.eventsFor(requestId);
      const requested = events.find((event) => event.type === EventTypes.ApprovalRequested) as Envelope<ApprovalRequestedV1> | undefined;
      if (requested) return requested.data.renderingDigest;
      const accepted = events.find((event) => event.type === EventTypes.RequestAccepted) as Envelope<RequestAcceptedV1> | undefined;
      if (accepted && events.some((event) => RESOLUTIONS.includes(event.type))) return actionRenderingDigest(accepted.data.action);
      throw new Error(`approval has shown nothing for ${requestId} yet`);
    }, 10_000).catch(() => undefined);
    return found ?? '0'.repeat(64);
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
