import { connect, type MsgHdrs, type NatsConnection, type PubAck } from 'nats';
import type { Envelope } from '@countersign/contracts';
import { loadNatsCredentials, natsUserName, type Principal } from '@countersign/identity';
import { natsAuthenticator } from '@countersign/messaging';
import { CliError, type CliContext } from './context';

/** A CLI fails fast: an operator waiting on a dead server learns it in seconds, not minutes. */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Connects as one principal's NATS user, with the inbox prefix from its credentials file: the
 * server lets each user subscribe only to its own inbox, so the default `_INBOX` would not work.
 */
export async function connectAs(ctx: CliContext, principal: Principal): Promise<NatsConnection> {
  const credentials = loadNatsCredentials(ctx.home, natsUserName(principal));
  try {
    return await connect({
      // One server, or a cluster's nodes comma-separated (as COUNTERSIGN_NATS_URL takes them).
      servers: ctx.natsUrl.split(',').map((url) => url.trim()),
      // The seed signs the server's nonce; it never leaves this machine.
      authenticator: natsAuthenticator(credentials.seed),
      // COUNTERSIGN_NATS_CA: the deployment's CA; the connection then requires TLS.
      ...(process.env.COUNTERSIGN_NATS_CA ? { tls: { caFile: process.env.COUNTERSIGN_NATS_CA } } : {}),
      inboxPrefix: credentials.inboxPrefix,
      name: `countersign-cli:${credentials.user}`,
      noAsyncTraces: true,
      timeout: CONNECT_TIMEOUT_MS,
      maxReconnectAttempts: 0,
    });
  } catch (error) {
    throw new CliError(`cannot connect to NATS at ${ctx.natsUrl} as ${credentials.user}: ${(error as Error).message}`);
  }
}

/** Runs `work` on a connection that is always closed afterwards, whatever `work` does. */
export async function withConnection<T>(ctx: CliContext, principal: Principal, work: (nc: NatsConnection) => Promise<T>): Promise<T> {
  const nc = await connectAs(ctx, principal);
  try {
    return await work(nc);
  } finally {
    await nc.close();
  }
}

/** Turns the server's refusals into messages an operator can act on. */
export function describeNatsError(error: unknown, subject: string): CliError {
  const code = (error as { code?: string }).code;
  if (code === 'PERMISSIONS_VIOLATION') return new CliError(`the server refused: not permitted to publish on ${subject}`);
  if (code === '503') return new CliError(`no JetStream stream captures ${subject}: provision the streams first`);
  return new CliError(`publishing on ${subject} failed: ${(error as Error).message}`);
}

/**
 * Publishes a signed envelope through JetStream with the event id as `Nats-Msg-Id`, so a publish
 * repeated after a lost PubAck is stored once. A new CLI run signs a new event with a new id;
 * repeating a request is recognised downstream by its request id, not here.
 */
export async function publishEnvelope(nc: NatsConnection, subject: string, envelope: Envelope, headers?: MsgHdrs): Promise<PubAck> {
  try {
    return await nc.jetstream().publish(subject, JSON.stringify(envelope), { msgID: envelope.id, ...(headers ? { headers } : {}) });
  } catch (error) {
    throw describeNatsError(error, subject);
  }
}
