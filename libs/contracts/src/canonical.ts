import { createHash } from 'node:crypto';
import { ENVELOPE_LIMITS, InputLimitError } from './input-limits';

/**
 * Deeper than anything an ingress admits (ENVELOPE_LIMITS.maxDepth) plus the few levels services
 * add when they wrap an event (an audit record around an envelope): a defensive bound, reached only
 * if a caller skipped the ingress check, and far below where recursion would exhaust the stack.
 */
export const CANONICAL_MAX_DEPTH = ENVELOPE_LIMITS.maxDepth * 2;

/**
 * RFC 8785 JSON Canonicalization Scheme. Object keys are sorted by UTF-16 code units and numbers
 * use the ECMAScript serialization, which is exactly what JSON.stringify does for a single number.
 * Values that JSON cannot represent are refused rather than silently dropped, because a signature
 * over a lossy encoding would not cover what the reader sees. A value nested deeper than
 * CANONICAL_MAX_DEPTH raises InputLimitError (code `too_deep`), never a RangeError.
 */
export function canonicalJson(value: unknown): string {
  return canonical(value, 0);
}

function canonical(value: unknown, depth: number): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError('canonicalJson: non-finite number');
      return JSON.stringify(value);
    case 'string':
      return JSON.stringify(value);
    case 'object':
      if (depth >= CANONICAL_MAX_DEPTH) {
        const message = `canonicalJson: nesting exceeds the limit of ${CANONICAL_MAX_DEPTH} levels`;
        throw new InputLimitError({ path: '(root)', code: 'too_deep', message });
      }
      return Array.isArray(value) ? canonicalArray(value, depth + 1) : canonicalObject(value as Record<string, unknown>, depth + 1);
    default:
      throw new TypeError(`canonicalJson: cannot encode ${typeof value}`);
  }
}

// One string grown by appending (no per-level arrays, maps and joins): every signature, every
// verification and every digest canonicalizes, so this is on the hot path of each service.
function canonicalArray(items: unknown[], depth: number): string {
  let out = '[';
  for (let index = 0; index < items.length; index += 1) {
    const item = items[index];
    if (index > 0) out += ',';
    out += canonical(item === undefined ? null : item, depth);
  }
  return out + ']';
}

function canonicalObject(record: Record<string, unknown>, depth: number): string {
  const keys = Object.keys(record);
  if (!inOrder(keys)) keys.sort();
  let out = '{';
  for (const key of keys) {
    const field = record[key];
    if (field === undefined) continue;
    if (out.length > 1) out += ',';
    out += quotedKey(key) + ':' + canonical(field, depth);
  }
  return out + '}';
}

/** Objects that were canonical JSON once (a stored or relayed event's parts) often still are. */
function inOrder(keys: string[]): boolean {
  for (let index = 1; index < keys.length; index += 1) if (keys[index - 1]! > keys[index]!) return false;
  return true;
}

/**
 * The protocol's few hundred field names, quoted once. Bounded, and emptied when full: keys chosen
 * by outside parties (payload fields) could otherwise fill it first and keep the protocol's own
 * names out for the life of the process.
 */
const QUOTED_KEYS_KEPT = 4_096;
const quotedKeys = new Map<string, string>();

function quotedKey(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) {
    quoted = JSON.stringify(key);
    if (key.length <= 64) {
      if (quotedKeys.size >= QUOTED_KEYS_KEPT) quotedKeys.clear();
      quotedKeys.set(key, quoted);
    }
  }
  return quoted;
}

export function sha256Hex(input: string | Uint8Array): string {
  return createHash('sha256').update(input).digest('hex');
}
