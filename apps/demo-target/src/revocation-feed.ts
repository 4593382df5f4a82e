import { EventTypes, SERVICE_IDS, subjectFor, type ConsumerSpec, type CredentialRevokedV1, type Envelope } from '@countersign/contracts';
import { DEFAULT_MAX_SKEW_MS, type TrustStore } from '@countersign/identity';
import type { Consumer, ConsumerMessages, JsMsg, NatsConnection } from 'nats';
import type { Revocation } from './effect-log';

export interface RevocationFeedOptions {
  nc: NatsConnection;
  /** The target's own durable consumer of `cs.evt.broker.credential.revoked.v1` (provisioned beforehand). */
  consumer: Pick<ConsumerSpec, 'stream' | 'durable'>;
  trust: TrustStore;
  revoke: (revocation: Revocation) => 'recorded' | 'known';
  log?: (line: string) => void;
}

const CATCH_UP_BATCH = 100;
const RETRY_DELAY_MS = 1_000;

/**
 * Follows the broker's credential revocations over the bus, the only channel events travel on.
 * Each one is believed only after the trust store verified it as signed by service:broker, on the
 * broker's own subject; anything else is logged and terminated. `start()` first drains what was
 * published while the target was down, so it resolves only when no missed revocation is pending.
 */
export class RevocationFeed {
  private messages: ConsumerMessages | undefined;
  private running: Promise<void> = Promise.resolve();
  private readonly log: (line: string) => void;

  constructor(private readonly options: RevocationFeedOptions) {
    this.log = options.log ?? (() => undefined);
  }

  /** Resolves with how many missed messages it caught up on before going live. */
  async start(): Promise<{ caughtUp: number }> {
    const { stream, durable } = this.options.consumer;
    const consumer = await this.options.nc.jetstream().consumers.get(stream, durable);
    const caughtUp = await this.catchUp(consumer);
    this.messages = await consumer.consume({ max_messages: CATCH_UP_BATCH });
    const messages = this.messages;
    this.running = (async () => {
      for await (const msg of messages) this.handle(msg);
    })().catch((error: unknown) => this.log(`revocation feed stopped: ${String(error)}`));
    return { caughtUp };
  }

  async stop(): Promise<void> {
    await this.messages?.close();
    await this.running;
  }

  /**
   * Until nothing is pending (or the server hands out nothing more). Messages a crashed earlier run
   * had received but not acked come back after ack_wait, through the live loop.
   */
  private async catchUp(consumer: Consumer): Promise<number> {
    let total = 0;
    for (let info = await consumer.info(); info.num_pending > 0; info = await consumer.info()) {
      let received = 0;
      // Asking for no more than is pending lets the fetch return at once instead of at its expiry.
      const batch = await consumer.fetch({ max_messages: Math.min(CATCH_UP_BATCH, info.num_pending), expires: RETRY_DELAY_MS });
      for await (const msg of batch) {
        received += 1;
        this.handle(msg);
      }
      if (received === 0) break;
      total += received;
    }
    return total;
  }

  private handle(msg: JsMsg): void {
    const revocation = this.authentic(msg);
    if (!revocation) return msg.term();
    try {
      const outcome = this.options.revoke(revocation);
      if (outcome === 'recorded')
        this.log(`credential ${revocation.jti} of request ${revocation.requestId} revoked (${revocation.reason})`);
      msg.ack();
    } catch (error) {
      this.log(`could not record revocation ${revocation.eventId}, retrying: ${String(error)}`);
      msg.nak(RETRY_DELAY_MS);
    }
  }

  private authentic(msg: JsMsg): Revocation | undefined {
    // JetStream's stored time witnesses when the broker published it (a broker key retired since still counts).
    const verification = this.options.trust.verifyBytes(msg.data, {
      now: new Date(msg.info.timestampNanos / 1_000_000),
      maxSkewMs: DEFAULT_MAX_SKEW_MS,
    });
    if (!verification.ok) {
      this.log(
        `refused message ${msg.info.streamSequence} on ${msg.subject}: ${verification.code} (claimed ${verification.claimedSigner ?? 'nobody'})`,
      );
      return undefined;
    }
    const envelope = verification.envelope as Envelope<CredentialRevokedV1>;
    if (
      verification.type !== EventTypes.CredentialRevoked ||
      envelope.signer !== SERVICE_IDS.broker ||
      subjectFor(envelope) !== msg.subject
    ) {
      this.log(`refused message ${msg.info.streamSequence}: ${envelope.type} from ${envelope.signer} on ${msg.subject} is no revocation`);
      return undefined;
    }
    const { credentialId, requestId, reason, revokedAt } = envelope.data;
    return { jti: credentialId, requestId, reason, revokedAt, eventId: envelope.id };
  }
}
