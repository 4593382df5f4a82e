import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { NatsConnection } from 'nats';
import { Streams } from '@countersign/contracts';
import { CliError, type CliContext } from '../context';
import { withConnection } from '../nats';
import { parseJsonLines, type RawAuditEntry } from './entries';

/** The operator account every read-only command uses unless told otherwise. */
export const DEFAULT_OPERATOR = 'admin';

/** Messages fetched at once; each is one small request to the server. */
const READ_WINDOW = 32;

/**
 * Reads the whole audit stream message by message (stream "get" by sequence). That is all the
 * operator's NATS permissions allow: stream info and message reads, no consumers and no acks, so
 * an operator can never take or acknowledge a message meant for a service or a SIEM.
 */
export async function readAuditStream(nc: NatsConnection): Promise<RawAuditEntry[]> {
  const jsm = await nc.jetstreamManager({ checkAPI: false });
  const { state } = await jsm.streams.info(Streams.audit.name);
  if (state.messages === 0) return [];
  const sequences = Array.from({ length: state.last_seq - state.first_seq + 1 }, (_, index) => state.first_seq + index);
  const entries: RawAuditEntry[] = [];
  for (let at = 0; at < sequences.length; at += READ_WINDOW) {
    const batch = await Promise.all(
      sequences.slice(at, at + READ_WINDOW).map((seq) => jsm.streams.getMessage(Streams.audit.name, { seq })),
    );
    for (const message of batch)
      entries.push({ origin: `${Streams.audit.name} #${message.seq}`, text: new TextDecoder().decode(message.data) });
  }
  // The audit stream denies deletes, so a gap means the read was not what the server holds.
  if (entries.length !== state.messages)
    throw new CliError(`read ${entries.length} of ${state.messages} messages of ${Streams.audit.name}`);
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
