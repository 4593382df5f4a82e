import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { NatsConnection } from 'nats';
import { Streams } from '@countersign/contracts';
import { CliError, type CliContext } from '../context';
import { withConnection } from '../nats';
import { parseJsonLines, type RawAuditEntry } from './entries';

/** The operator account every read-only command uses unless told otherwise. */
export const DEFAULT_OPERATOR = 'admin';

/** Long enough for a large stream on a slow link; a stuck read must still end. */
const READ_TIMEOUT_MS = 60_000;

/**
 * Reads the whole audit stream with an ordered consumer: ephemeral, in memory, no acks, and
 * recreated by the client if a message is skipped. That is all the operator's NATS permissions
 * allow (create and pull consumers on CS_AUDIT, never delete or purge), and all a reader needs.
 */
export async function readAuditStream(nc: NatsConnection): Promise<RawAuditEntry[]> {
  const js = nc.jetstream();
  const stream = await js.streams.get(Streams.audit.name);
  const { state } = await stream.info();
  if (state.messages === 0) return [];
  // The ordered consumer cannot be deleted by the operator; let the server drop it soon after.
  const consumer = await js.consumers.get(Streams.audit.name, { inactive_threshold: 30_000 });
  const messages = await consumer.consume({ max_messages: 500, expires: 5_000 });
  const entries: RawAuditEntry[] = [];
  let complete = false;
  const timer = setTimeout(() => void messages.close(), READ_TIMEOUT_MS);
  try {
    for await (const message of messages) {
      entries.push({ origin: `${Streams.audit.name} #${message.seq}`, text: message.string() });
      // pending counts what is left after this message: 0 means we have read up to the end.
      if (message.info.pending === 0) {
        complete = true;
        break;
      }
    }
  } finally {
    clearTimeout(timer);
  }
  // A partial read would verify as a shorter, perfectly valid chain: refuse it instead.
  if (!complete) throw new CliError(`could not read all of ${Streams.audit.name} within ${READ_TIMEOUT_MS / 1000}s`);
  return entries;
}

export function readAuditFile(path: string): RawAuditEntry[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${path}: ${(error as Error).message}`);
  }
  return parseJsonLines(text, basename(path));
}

/** Records from a file when one is given, otherwise from the live stream as the operator. */
export function loadAuditEntries(ctx: CliContext, options: { file?: string; operator: string }): Promise<RawAuditEntry[]> {
  if (options.file !== undefined) return Promise.resolve(readAuditFile(options.file));
  return withConnection(ctx, { kind: 'operator', name: options.operator }, readAuditStream);
}

/**
 * One stream message per line, byte for byte, so signatures and hashes can be re-checked offline.
 * A message that spans lines (pretty-printed by some other tool) is re-serialized: JSON whitespace
 * is outside both the canonical hash and the signature, so nothing that is checked changes.
 */
export function writeAuditFile(path: string, entries: readonly RawAuditEntry[]): void {
  const lines = entries.map(({ text }) => (text.includes('\n') ? JSON.stringify(JSON.parse(text)) : text));
  writeFileSync(path, lines.map((line) => `${line}\n`).join(''));
}
