import type { TrustStore } from '@countersign/identity';
import type { DeadLetter } from '../dead-letter';
import type { Dispatch, MessagePolicy } from '../message-processor';

/** A message policy over a real trust store that records what it dead-letters, handles and logs. */
export function recordingPolicy(trust: TrustStore, extra: Partial<MessagePolicy> = {}) {
  const letters: DeadLetter[] = [];
  const handled: string[] = [];
  const logged: string[] = [];
  const dispatch: Dispatch = (envelope) => Promise.resolve(void handled.push(envelope.id)).then(() => 'handled' as const);
  const policy: MessagePolicy = {
    verify: (bytes, freshness) => trust.verifyBytes(bytes, freshness),
    deadLetter: (letter) => Promise.resolve(void letters.push(letter)),
    dispatch,
    maxDeliver: 3,
    backoffMs: [10, 20],
    logger: { log: () => undefined, warn: () => undefined, error: (line: string) => void logged.push(line) },
    ...extra,
  };
  return { policy, letters, handled, logged };
}
