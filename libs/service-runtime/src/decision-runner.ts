import { fold, type Decider } from '@countersign/decider';
import { WrongExpectedRevisionError, type EventStore } from '@countersign/event-store';
import type { EnvelopeSigner } from '@countersign/identity';
import { toDomainEvent, toNewEvent, type Cause, type DomainEvent } from './domain-events';

const MAX_ATTEMPTS = 8;

/**
 * Runs one command against one stream: read, fold, decide, append with the revision that was read.
 * A concurrent writer makes the append fail; we then decide again on the newer state, which is
 * what makes two consumers racing on one request safe. Deciders are idempotent, so a redelivered
 * message decides nothing new.
 */
export class DecisionRunner {
  constructor(
    private readonly store: EventStore,
    private readonly signer: EnvelopeSigner,
  ) {}

  async load<S>(decider: Pick<Decider<unknown, DomainEvent, S>, 'evolve' | 'initialState'>, stream: string): Promise<S> {
    const stored = await this.store.readStream(stream);
    return fold(decider, stored.map(toDomainEvent));
  }

  async run<C, E extends DomainEvent, S>(decider: Decider<C, E, S>, stream: string, command: C, cause: Cause): Promise<E[]> {
    for (let attempt = 1; ; attempt += 1) {
      const stored = await this.store.readStream(stream);
      const state = fold(decider, stored.map((event) => toDomainEvent(event) as E));
      const events = decider.decide(command, state);
      if (events.length === 0) return [];
      const expected = stored.length === 0 ? 'no_stream' : stored.length - 1;
      try {
        const newEvents = events.map((event, index) => toNewEvent(event, index, stream, cause, this.signer));
        await this.store.append(stream, newEvents, expected);
        return events;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }
}
