import type { ConsumerSpec } from '@countersign/contracts';
import type { EventStore } from '@countersign/event-store';
import type { TrustStore } from '@countersign/identity';
import type { NatsConnection } from 'nats';
import type { ReadinessCheck } from './server';

/** A round trip to the NATS server: an open but disconnected (reconnecting) connection fails it. */
export function natsCheck(nc: NatsConnection): ReadinessCheck {
  return {
    name: 'nats',
    check: async (signal) => {
      if (nc.isClosed()) throw new Error('connection closed');
      const rttMs = await abortable(nc.rtt(), signal);
      return { server: nc.getServer(), rttMs };
    },
  };
}

/** Each durable consumer answers JetStream's consumer info: the stream and consumer exist and JetStream serves. */
export function consumersCheck(
  nc: NatsConnection,
  consumers: ReadonlyArray<Pick<ConsumerSpec, 'stream' | 'durable'>>,
  started: () => boolean,
): ReadinessCheck {
  return {
    name: 'consumers',
    check: async (signal) => {
      if (!started()) throw new Error('not consuming yet');
      const js = nc.jetstream();
      const pending = await abortable(
        Promise.all(consumers.map(async (spec) => (await (await js.consumers.get(spec.stream, spec.durable)).info()).num_pending)),
        signal,
      );
      return { consumers: consumers.map((spec, index) => `${spec.durable}:${pending[index] ?? 0} pending`) };
    },
  };
}

/** A read from the service's own store (a stream that never exists costs one lookup). */
export function storeCheck(store: EventStore): ReadinessCheck {
  return {
    name: 'store',
    check: async (signal) => {
      await abortable(store.readStream('operations-readiness-probe', { maxCount: 1 }), signal);
    },
  };
}

/**
 * Its signing key is one the trust store in force lets it sign with now: not revoked, not retired
 * (a rotation that retired it without giving the process the new key leaves it unable to act).
 */
export function keysCheck(identity: string, keyId: string, trust: () => TrustStore, clock: () => Date): ReadinessCheck {
  return {
    name: 'keys',
    check: () => {
      if (!trust().signingKeyFor(identity, keyId, clock()))
        throw new Error(`signing key ${keyId} is not usable in the trust store in force`);
      return Promise.resolve({ keyId });
    },
  };
}

/** Broker and executor: audit's receipt is their gate, so an approval left without one too long means audit is unreachable. */
export function auditGateCheck(oldestWaitSeconds: () => number, maxWaitMs: number): ReadinessCheck {
  return {
    name: 'audit',
    check: () => {
      const waited = oldestWaitSeconds();
      if (waited * 1_000 > maxWaitMs) throw new Error(`an approval has waited ${Math.round(waited)} s for audit's receipt`);
      return Promise.resolve({ oldestWaitSeconds: Math.round(waited) });
    },
  };
}

function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error('timed out'));
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    void work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
