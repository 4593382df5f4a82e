import { createHash } from 'node:crypto';

/**
 * RFC 8785 JSON Canonicalization Scheme. Object keys are sorted by UTF-16 code units and numbers
 * use the ECMAScript serialization, which is exactly what JSON.stringify does for a single number.
 * Values that JSON cannot represent are refused rather than silently dropped, because a signature
 * over a lossy encoding would not cover what the reader sees.
 */
export function canonicalJson(value: unknown): string {
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
      return Array.isArray(value) ? canonicalArray(value) : canonicalObject(value as Record<string, unknown>);
    default:
      throw new TypeError(`canonicalJson: cannot encode ${typeof value}`);
  }
}

function canonicalArray(items: unknown[]): string {
  return `[${items.map((item) => canonicalJson(item === undefined ? null : item)).join(',')}]`;
}

function canonicalObject(record: Record<string, unknown>): string {
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort();
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`;
}

export function sha256Hex(input: string | Uint8Array): string {
  return createHash('sha256').update(input).digest('hex');
}
