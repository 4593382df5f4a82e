import type { JetStreamManager, NatsConnection } from 'nats';
import { EventTypes, Streams, type Envelope, type RequesterNotifiedV1 } from '@countersign/contracts';
import { loadTrustStore, type TrustStore } from '@countersign/identity';
import { connectAs, type Stack } from '@countersign/stack';

/** Endings; `accepted`, `approved` and `escalated` are milestones on the way to one of these. */
export const FINAL_OUTCOMES: ReadonlySet<string> = new Set(['executed', 'failed', 'rejected', 'denied', 'expired']);

/**
 * Every outcome notification intake stored in CS_NOTIFY, read message by message as the operator
 * (read-only: no consumer, no acks). The stream, not a live subscription, is the record: a
 * requester's core subscription misses what is published while its server is down, the stream does
 * not.
 */
export class NotifyLog {
  private nextSeq = 1;
  private readonly finals = new Map<string, string>();

  private constructor(
    private readonly nc: NatsConnection,
    private readonly jsm: JetStreamManager,
    private readonly trust: TrustStore,
  ) {}

  static async open(stack: Pick<Stack, 'home' | 'natsUrl'>): Promise<NotifyLog> {
    const nc = await connectAs(stack, 'operator-admin');
    return new NotifyLog(nc, await nc.jetstreamManager(), loadTrustStore(stack.home));
  }

  /** Reads what was stored since the last call. A failure (leader election) is left for the next call. */
  async catchUp(): Promise<void> {
    try {
      const last = (await this.jsm.streams.info(Streams.notifications.name)).state.last_seq;
      for (; this.nextSeq <= last; this.nextSeq += 1) {
        const message = await this.jsm.streams.getMessage(Streams.notifications.name, { seq: this.nextSeq });
        this.record(message.data);
      }
    } catch {
      // Retried on the next call from where it stopped.
    }
  }

  private record(bytes: Uint8Array): void {
    const verified = this.trust.verifyBytes(bytes);
    // Only intake's signed notifications count; anything else on the stream is not an outcome.
    if (!verified.ok || verified.type !== EventTypes.RequesterNotified) return;
    const { data } = verified.envelope as Envelope<RequesterNotifiedV1>;
    if (!FINAL_OUTCOMES.has(data.outcome)) return;
    for (const key of [data.requestId, data.submissionId]) if (key && !this.finals.has(key)) this.finals.set(key, data.outcome);
  }

  /** The first final outcome stored for a request id or a submission (envelope) id. */
  finalOf(requestId: string, submissionId: string): string | undefined {
    return this.finals.get(requestId) ?? this.finals.get(submissionId);
  }

  close(): Promise<void> {
    return this.nc.close();
  }
}
