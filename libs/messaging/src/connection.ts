import { Logger } from '@nestjs/common';
import { createPrivateKey, sign } from 'node:crypto';
import { Events, connect, type Authenticator, type NatsConnection, type Status } from 'nats';
import { nkeyOf } from '@countersign/identity';
import { natsServers } from './nats-servers';

export interface NatsConnectionSettings {
  /** One server, or every node of a cluster (an array or a comma-separated list) to fail over between. */
  url: string | string[];
  user: string;
  /** The user's NKEY seed (`SU...`): it signs the server's nonce; the server holds only the public key. */
  seed: string;
  /** The CA that signed the servers' certificates: the connection then requires TLS (COUNTERSIGN_NATS_CA). */
  caFile?: string;
  /** Shown by the server in connection lists and logs. */
  name: string;
  /** Defaults to `_INBOX_<user>`, the only inbox a service user may subscribe to. */
  inboxPrefix?: string;
  /** Pause between reconnect attempts; reconnection itself never gives up. */
  reconnectTimeWaitMs?: number;
  logger?: Pick<Logger, 'log' | 'warn' | 'error'>;
}

const SUBJECT_TOKEN = /^[A-Za-z0-9_-]+$/;

/**
 * The per-user inbox prefix. With the default `_INBOX`, every user would need to subscribe to
 * `_INBOX.>` and could read every other user's replies (PubAcks, consumer pulls).
 */
export function inboxPrefixFor(user: string): string {
  if (!SUBJECT_TOKEN.test(user)) throw new Error(`NATS user ${user} cannot be used as a subject token`);
  return `_INBOX_${user}`;
}

const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32Decode(text: string): Buffer {
  const out: number[] = [];
  let value = 0;
  let bits = 0;
  for (const char of text) {
    const index = BASE32.indexOf(char);
    if (index < 0) throw new Error('an NKEY seed is base32');
    value = ((value << 5) | index) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/**
 * NKEY authentication: the one way every Countersign client proves who it is to NATS. The seed
 * (2 prefix bytes, the 32-byte Ed25519 seed, a CRC) becomes a native key once, before connecting,
 * and signs the server's nonce natively: the JavaScript signer of nats.js took 2.5 s cold on a
 * loaded machine, long enough for the server to drop the connection mid-handshake.
 */
export function natsAuthenticator(seed: string): Authenticator {
  const raw = base32Decode(seed).subarray(2, 34);
  const key = createPrivateKey({ key: Buffer.concat([ED25519_PKCS8_PREFIX, raw]), format: 'der', type: 'pkcs8' });
  const nkey = nkeyOf(seed);
  return (nonce?: string) => ({ nkey, sig: sign(null, Buffer.from(nonce ?? '', 'utf8'), key).toString('base64') });
}

/** TLS with the deployment's CA when one is configured; nothing otherwise (the local loopback stack). */
export function natsTls(caFile: string | undefined): { tls?: { caFile: string } } {
  return caFile ? { tls: { caFile } } : {};
}

/**
 * Connects with the settings every Countersign process needs: per-user inbox, no async stack
 * traces (they halve JetStream publish throughput) and unbounded reconnects, because the relay and
 * the consumers ride out a server restart rather than crash.
 */
export async function connectNats(settings: NatsConnectionSettings): Promise<NatsConnection> {
  const logger = settings.logger ?? new Logger(`nats:${settings.name}`);
  const nc = await connect({
    servers: natsServers(settings.url),
    authenticator: natsAuthenticator(settings.seed),
    ...natsTls(settings.caFile),
    name: settings.name,
    inboxPrefix: settings.inboxPrefix ?? inboxPrefixFor(settings.user),
    noAsyncTraces: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: settings.reconnectTimeWaitMs ?? 1_000,
  });
  watchStatus(nc, logger);
  return nc;
}

/**
 * A plain publish the server refuses does not throw: the permission violation only shows up on the
 * status stream, so it must be logged here or it is invisible.
 */
function watchStatus(nc: NatsConnection, logger: Pick<Logger, 'log' | 'warn' | 'error'>): void {
  const watch = async () => {
    for await (const status of nc.status()) {
      const denied = status.permissionContext;
      const where = denied ? ` (${denied.operation} ${denied.subject})` : '';
      if (status.type === Events.Error) logger.error(`nats error: ${detail(status)}${where}`);
      else if (status.type === Events.Disconnect) logger.warn(`nats disconnected from ${detail(status)}`);
      else if (status.type === Events.Reconnect) logger.log(`nats reconnected to ${detail(status)}`);
    }
  };
  watch().catch((error: unknown) => logger.error(`nats status watch ended: ${String(error)}`));
}

const detail = (status: Status): string => (typeof status.data === 'object' ? JSON.stringify(status.data) : String(status.data));
