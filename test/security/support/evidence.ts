import { randomUUID } from 'node:crypto';
import type { NatsConnection } from 'nats';
import { EventTypes, type AuditRecordV1, type Envelope, type MessageDeadLetteredV1 } from '@countersign/contracts';
import type { Stack } from '@countersign/stack';
import { effectsAt, type AuditReader } from '@countersign/e2e';
import { consumersOf } from './subjects';

/** One attack message on the bus, and where JetStream stored it: dead letters name that position. */
export interface Injected {
  label: string;
  subject: string;
  stream: string;
  seq: number;
  /** The durable consumers that will receive it, each of which must refuse it. */
  consumers: string[];
}

/** Publishes through a connection that IS allowed on the subject: the bus is bypassed on purpose. */
export async function inject(nc: NatsConnection, subject: string, payload: Uint8Array | string, label: string): Promise<Injected> {
  // A fresh msgID each time: JetStream's own deduplication must not be what stops a replay.
  const ack = await nc.jetstream().publish(subject, payload, { msgID: randomUUID() });
  return { label, subject, stream: ack.stream, seq: ack.seq, consumers: consumersOf(subject) };
}

export type DeadLetterView = MessageDeadLetteredV1 & { recordedBy: string };

const positionKey = (stream: string, seq: number) => `${stream}#${seq}`;

/**
 * Everything the attacks are judged by, read from the real audit stream through a SIEM reader's
 * durable consumer (AuditReader in test/e2e/clients.ts): never from the services' own stores.
 */
export class AuditEvidence {
  private indexed = 0;
  private readonly byPosition = new Map<string, DeadLetterView[]>();

  constructor(readonly reader: AuditReader) {}

  get records(): readonly AuditRecordV1[] {
    return this.reader.records;
  }

  private index(): void {
    const records = this.reader.records;
    for (; this.indexed < records.length; this.indexed += 1) {
      const event = records[this.indexed]!.event as unknown as Envelope<MessageDeadLetteredV1>;
      if (event.type !== EventTypes.MessageDeadLettered) continue;
      const key = positionKey(event.data.stream, event.data.streamSequence);
      this.byPosition.set(key, [...(this.byPosition.get(key) ?? []), { ...event.data, recordedBy: event.signer }]);
    }
  }

  deadLettersFor(injected: Pick<Injected, 'stream' | 'seq'>): DeadLetterView[] {
    this.index();
    return this.byPosition.get(positionKey(injected.stream, injected.seq)) ?? [];
  }

  /** Every consumer that received the message dead-lettered it (and so reported it to audit). */
  refusedByAll(injected: Injected): boolean {
    const refusedBy = new Set(this.deadLettersFor(injected).map((letter) => letter.consumer));
    return injected.consumers.length > 0 && injected.consumers.every((consumer) => refusedBy.has(consumer));
  }

  events(filter: { type?: string; requestId?: string } = {}): Envelope[] {
    return this.reader.records
      .filter((record) => filter.requestId === undefined || record.requestId === filter.requestId)
      .map((record) => record.event as unknown as Envelope)
      .filter((event) => filter.type === undefined || event.type === filter.type);
  }

  /** A bookmark: records from here on are what the attacks caused. */
  mark(): number {
    return this.reader.records.length;
  }

  since(mark: number): Envelope[] {
    return this.reader.records.slice(mark).map((record) => record.event as unknown as Envelope);
  }

  /**
   * Waits until `check` holds, or until the audit stream has been silent for `stallMs` (nothing more
   * is coming), or `maxMs`. Returns whether it holds; never throws, so the tally is still recorded.
   */
  async waitFor(check: () => boolean, maxMs = 60_000, stallMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + maxMs;
    let count = this.reader.records.length;
    let lastChange = Date.now();
    while (!check()) {
      if (this.reader.records.length !== count) {
        count = this.reader.records.length;
        lastChange = Date.now();
      }
      if (Date.now() > deadline || Date.now() - lastChange > stallMs) return check();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return true;
  }

  /** Waits until no new audit record arrived for `quietMs`: whatever an attack caused has landed. */
  async settle(quietMs = 1_500, maxMs = 30_000): Promise<void> {
    const deadline = Date.now() + maxMs;
    let count = -1;
    let stableSince = Date.now();
    while (Date.now() < deadline) {
      if (this.reader.records.length !== count) {
        count = this.reader.records.length;
        stableSince = Date.now();
      } else if (Date.now() - stableSince >= quietMs) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * Effects at the demo target not explained by the test's own legitimate requests: any effect of
 * another request, and any second effect of a legitimate one.
 */
export async function attackEffects(stack: Stack, legitimate: ReadonlySet<string>): Promise<number> {
  const effects = await effectsAt(stack);
  const perRequest = new Map<string, number>();
  for (const effect of effects) perRequest.set(effect.requestId, (perRequest.get(effect.requestId) ?? 0) + 1);
  let caused = 0;
  for (const [requestId, count] of perRequest) caused += legitimate.has(requestId) ? count - 1 : count;
  return caused;
}

/** Event types that only appear when something was accepted; never a consequence of a refusal. */
export const ACCEPTANCE_TYPES: readonly string[] = [
  EventTypes.RequestAccepted,
  EventTypes.ApprovalRequested,
  EventTypes.VoteRecorded,
  EventTypes.RequestApproved,
  EventTypes.CredentialIssued,
  EventTypes.ExecutionStarted,
  EventTypes.ExecutionSucceeded,
  EventTypes.ExecutionFailed,
  EventTypes.ExecutionInDoubt,
];
