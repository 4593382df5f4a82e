import type { NatsConnection } from 'nats';

export type Verdict = 'allowed' | 'denied';
export type Probe =
  { action: 'publish'; via: 'jetstream' | 'request'; subject: string; payload?: string } | { action: 'subscribe'; subject: string };

const PERMISSIONS_VIOLATION = 'PERMISSIONS_VIOLATION';
const isViolation = (error: unknown) => (error as { code?: unknown } | null)?.code === PERMISSIONS_VIOLATION;

/**
 * Publishes on a stream subject with an impossible expected-last-sequence: if the server lets the
 * message through, JetStream refuses to store it (wrong last sequence), so an allowed probe proves
 * the permission without leaving a message behind. Only a permission violation counts as denied.
 */
async function publishToStream(nc: NatsConnection, subject: string): Promise<Verdict> {
  try {
    await nc.jetstream().publish(subject, new TextEncoder().encode('{"probe":true}'), {
      expect: { lastSequence: Number.MAX_SAFE_INTEGER },
      timeout: 5_000,
    });
    return 'allowed';
  } catch (error) {
    return isViolation(error) ? 'denied' : 'allowed';
  }
}

/** A request on an API or inbox subject: any answer, "no responders" or timeout means the server let it out. */
async function request(nc: NatsConnection, subject: string, payload = ''): Promise<Verdict> {
  try {
    await nc.request(subject, new TextEncoder().encode(payload), { timeout: 2_000 });
    return 'allowed';
  } catch (error) {
    return isViolation(error) ? 'denied' : 'allowed';
  }
}

/** The server answers a forbidden SUB with -ERR before the PONG of the following flush. */
async function subscribe(nc: NatsConnection, subject: string): Promise<Verdict> {
  let verdict: Verdict = 'allowed';
  const subscription = nc.subscribe(subject, {
    callback: (error) => {
      if (isViolation(error)) verdict = 'denied';
    },
  });
  await nc.flush();
  if (!subscription.isClosed()) subscription.unsubscribe();
  return verdict;
}

/** Publishes a real attack message: if the bus lets it through, it is stored and the services must cope. */
export async function attemptPublish(nc: NatsConnection, subject: string, payload: Uint8Array): Promise<Verdict> {
  try {
    await nc.jetstream().publish(subject, payload, { timeout: 5_000 });
    return 'allowed';
  } catch (error) {
    return isViolation(error) ? 'denied' : 'allowed';
  }
}

export function runProbe(nc: NatsConnection, probe: Probe): Promise<Verdict> {
  if (probe.action === 'subscribe') return subscribe(nc, probe.subject);
  return probe.via === 'jetstream' ? publishToStream(nc, probe.subject) : request(nc, probe.subject, probe.payload);
}

/** Runs probes a few at a time on one connection: enough to be quick, few enough not to flood it. */
export async function runProbes<T extends { probe: Probe }>(nc: NatsConnection, cells: readonly T[], width = 16): Promise<Map<T, Verdict>> {
  const verdicts = new Map<T, Verdict>();
  for (let start = 0; start < cells.length; start += width) {
    const batch = cells.slice(start, start + width);
    const results = await Promise.all(batch.map((cell) => runProbe(nc, cell.probe)));
    batch.forEach((cell, index) => verdicts.set(cell, results[index]!));
  }
  return verdicts;
}
