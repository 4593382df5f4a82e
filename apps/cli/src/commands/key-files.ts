import { chmodSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { CliError } from '../context';

export function readJsonFile(path: string, what: string): unknown {
  if (!existsSync(path)) throw new CliError(`${what} not found at ${path}`);
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch (error) {
    throw new CliError(`cannot read the ${what} ${path}: ${(error as Error).message}`);
  }
}

/**
 * Writes beside the file and renames over it: a service re-reading trust.json (or restarting on its
 * key file) sees the old version or the new one, never half of either.
 */
export function replaceJsonFile(path: string, value: unknown, mode: 0o600 | 0o644): void {
  const next = `${path}.${process.pid}.next`;
  writeFileSync(next, `${JSON.stringify(value, null, 2)}\n`, { mode });
  chmodSync(next, mode);
  renameSync(next, path);
}

/** `90s`, `10m`, `2h`, `0`: how long an old key keeps speaking after a rotation. */
export function parseOverlap(text: string): number | undefined {
  const match = /^(\d+)(s|m|h)?$/.exec(text);
  if (!match) return undefined;
  const unit = { s: 1_000, m: 60_000, h: 3_600_000 }[(match[2] ?? 's') as 's' | 'm' | 'h'];
  return Number(match[1]) * unit;
}
