import { deterministicId, EventTypes, isEventType } from '@countersign/contracts';
import type { DeadLetter } from '@countersign/messaging';
import { toDeadLetterData, traceMetadata } from '@countersign/messaging';
import { shortType } from './operations/store-metrics';
import type { ServiceRuntime } from './runtime';

export const DEAD_LETTER_STREAM = 'deadletters';
/** The local type of a dead letter an edge (not a service) keeps in its own store. */
export const LOCAL_DEAD_LETTER_TYPE = 'local.deadlettered';

/**
 * Records a terminated message in the service's own store before the transport terminates it, so
 * nothing acknowledged disappears: the relay carries the record to audit like any other event.
 * The id derives from the stream position, so recording the same message twice is an idempotent append.
 */
export function deadLetterSink(
  runtime: Pick<ServiceRuntime, 'store' | 'signer' | 'clock' | 'logger'> & Partial<Pick<ServiceRuntime, 'metrics'>>,
) {
  const count = (letter: DeadLetter) =>
    runtime.metrics?.messagesDeadLettered.inc({ type: shortType(claimedType(letter.payload)), reason: letter.code });
  return async (letter: DeadLetter): Promise<void> => {
    const now = runtime.clock().toISOString();
    const id = deterministicId(`${letter.stream}:${letter.streamSequence}`, `deadletter:${letter.consumer}`);
    const data = toDeadLetterData(letter, now);
    if (!runtime.signer.identity.startsWith('service:')) {
      // Only services may publish dead letters; an edge keeps its own, locally, for its operator.
      await runtime.store.append(
        DEAD_LETTER_STREAM,
        [{ id, type: LOCAL_DEAD_LETTER_TYPE, data, metadata: { ...traceMetadata(), time: now } }],
        'any',
      );
      count(letter);
      runtime.logger.warn(
        `dead-lettered ${letter.subject} #${letter.streamSequence} from ${letter.consumer}: ${letter.code} ${letter.message}`,
      );
      return;
    }
    const envelope = runtime.signer.sign({
      id,
      type: EventTypes.MessageDeadLettered,
      subject: `${letter.stream}:${letter.streamSequence}`,
      time: now,
      data,
    });
    const result = await runtime.store.append(
      DEAD_LETTER_STREAM,
      [{ id, type: envelope.type, data: envelope, metadata: traceMetadata() }],
      'any',
    );
    if (result.idempotent) return;
    count(letter);
    runtime.logger.warn(
      `dead-lettered ${letter.subject} #${letter.streamSequence} from ${letter.consumer}: ${letter.code} ${letter.message}`,
    );
  };
}

/**
 * The event type a dead letter claims, for the metric's label only: looked for in the first bytes
 * with a bounded pattern (never parsed: the payload may be hostile), and kept only when it is a
 * known type, so the label set stays small whatever is sent.
 */
function claimedType(payload: Uint8Array | undefined): string {
  if (!payload) return 'unknown';
  const head = Buffer.from(payload.subarray(0, 4_096)).toString('utf8');
  const type = /"type"\s*:\s*"([a-z0-9.]{1,100})"/.exec(head)?.[1];
  return type && isEventType(type) ? type : 'unknown';
}
