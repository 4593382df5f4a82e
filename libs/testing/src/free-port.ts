import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Where the ports come from when the kernel's ephemeral range cannot be read. */
const FALLBACK_EPHEMERAL_LOW = 32_768;
const LOWEST = 20_000;
const ATTEMPTS = 50;

/**
 * A loopback port nothing listens on, for a server a test is about to start.
 *
 * Chosen below the kernel's ephemeral range: a port the kernel hands out for `listen(0)` comes from
 * that range, and so does the local port of every outgoing connection. With suites running side by
 * side, another process's client connection could take the port between this probe and the server's
 * bind ("address already in use"); below the range only another probe can, and those are random.
 */
export async function freePort(): Promise<number> {
  const high = ephemeralLow() - 1;
  for (let attempt = 0; attempt < ATTEMPTS && high > LOWEST; attempt += 1) {
    const candidate = LOWEST + Math.floor(Math.random() * (high - LOWEST));
    if ((await listenOnce(candidate)) !== undefined) return candidate;
  }
  const port = await listenOnce(0);
  if (port === undefined) throw new Error('no free loopback port');
  return port;
}

function ephemeralLow(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    return low !== undefined && Number.isInteger(low) && low > 0 ? low : FALLBACK_EPHEMERAL_LOW;
  } catch {
    return FALLBACK_EPHEMERAL_LOW;
  }
}

/** Listens on `port` (0: any) and closes again; the port it got, or undefined when it was taken. */
function listenOnce(port: number): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(undefined));
    server.listen(port, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
    });
  });
}
