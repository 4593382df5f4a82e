import { randomUUID } from 'node:crypto';
import type { NatsConnection } from 'nats';
import { EventTypes, Subjects, type Envelope, type RequesterNotifiedV1 } from '@countersign/contracts';
import { EnvelopeSigner, loadIdentity, loadTrustStore, type TrustStore } from '@countersign/identity';
import { connectAs, type Stack } from '@countersign/stack';

/** The outcomes that end a request (docs/protocol.md, requester notifications). */
export const FINAL_OUTCOMES = ['executed', 'failed', 'rejected', 'denied', 'expired'] as const;

export const LOW_RISK_ACTION = {
  kind: 'http.request',
  target: 'demo-staging',
  environment: 'staging',
  parameters: { method: 'POST', path: '/deploy' },
};

/**
 * One requester of the chaos run: publishes submissions over JetStream (a PubAck is what makes one
 * "acknowledged"), and hears every notification intake sends it on its own subject.
 */
export class ChaosRequester {
  private readonly signer: EnvelopeSigner;
  private readonly trust: TrustStore;
  /** requestId (or submission id, for requests without a usable id) -> notifications heard. */
  private readonly heard = new Map<string, RequesterNotifiedV1[]>();

  private constructor(
    readonly name: string,
    private readonly nc: NatsConnection,
    home: string,
  ) {
    this.signer = new EnvelopeSigner(`requester:${name}`, loadIdentity(home, `requester:${name}`).signing);
    this.trust = loadTrustStore(home);
    nc.subscribe(Subjects.notify(name), {
      callback: (error, msg) => {
        if (error) return;
        const verified = this.trust.verifyBytes(msg.data);
        if (!verified.ok || verified.type !== EventTypes.RequesterNotified) return;
        const data = (verified.envelope as Envelope<RequesterNotifiedV1>).data;
        const key = data.requestId ?? data.submissionId ?? '';
        this.heard.set(key, [...(this.heard.get(key) ?? []), data]);
      },
    });
  }

  static async connect(stack: Stack, name: string): Promise<ChaosRequester> {
    const requester = new ChaosRequester(name, await connectAs(stack, `requester-${name}`), stack.home);
    await requester.nc.flush();
    return requester;
  }

  signed(data: unknown): Envelope {
    const requestId = (data as { requestId?: string }).requestId ?? randomUUID();
    return this.signer.sign({
      id: randomUUID(),
      type: EventTypes.RequestSubmitted,
      subject: requestId,
      time: new Date().toISOString(),
      data,
    });
  }

  /** Resolves once JetStream acknowledged the submission; retries a publish that timed out. */
  async publish(bytes: Uint8Array, msgID: string): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await this.nc.jetstream().publish(Subjects.submit(this.name), bytes, { msgID, timeout: 10_000 });
        return;
      } catch (error) {
        if (attempt >= 5) throw error;
      }
    }
  }

  async submitLowRisk(reason: string): Promise<string> {
    const requestId = randomUUID();
    const envelope = this.signed({ requestId, action: LOW_RISK_ACTION, reason });
    await this.publish(Buffer.from(JSON.stringify(envelope)), envelope.id);
    return requestId;
  }

  outcomesOf(key: string): RequesterNotifiedV1[] {
    return this.heard.get(key) ?? [];
  }

  /** The final outcome heard for `key`, if any (the first one, should there be several). */
  finalOf(key: string): RequesterNotifiedV1 | undefined {
    return this.outcomesOf(key).find((notice) => (FINAL_OUTCOMES as readonly string[]).includes(notice.outcome));
  }

  close(): Promise<void> {
    return this.nc.close();
  }
}
