import { MAX_ENVELOPE_BYTES } from './envelope';
import type { FieldError } from './validation';

/**
 * The limits every ingress checks before anything recursive (RFC 8785 canonicalization, zod
 * validation, the action digest, audit's hashing, rendering) touches untrusted input. Recursion over
 * a value 2,000 levels deep exhausts the stack; these bounds make that impossible by construction.
 * Documented in docs/protocol.md, "Limits".
 */
export interface InputLimits {
  /** Encoded size in bytes (UTF-8). */
  maxBytes: number;
  /** Nesting of objects and arrays; the envelope itself is level 1. */
  maxDepth: number;
  /** Characters in any one string, object keys included. */
  maxStringLength: number;
  /** Keys in any one object. */
  maxKeys: number;
  /** Items in any one array. */
  maxItems: number;
}

/**
 * Every envelope on the bus: the largest a service itself ever signs fits inside. 16 KiB above the
 * 256 KiB an outside party may send (the NATS max_payload provisioning sets), so a service event
 * wrapping an accepted submission (an audit record) is still readable everywhere.
 */
export const ENVELOPE_LIMITS: InputLimits = {
  maxBytes: MAX_ENVELOPE_BYTES + 16 * 1024,
  maxDepth: 64,
  // A dead letter carries up to 64 KiB of the refused payload in base64 (87,384 characters).
  maxStringLength: 100_000,
  maxKeys: 1_000,
  maxItems: 10_000,
};

/**
 * Envelopes signed outside the system (submissions, votes): 256 KiB and half the depth, so whatever
 * intake accepts can be wrapped by services (accepted request, audit record around the event) and
 * still fit ENVELOPE_LIMITS everywhere downstream. Legitimate events nest about 8 levels deep.
 */
export const EXTERNAL_ENVELOPE_LIMITS: InputLimits = { ...ENVELOPE_LIMITS, maxBytes: MAX_ENVELOPE_BYTES, maxDepth: 32 };

export const INPUT_LIMIT_CODES = ['too_large', 'too_deep', 'string_too_long', 'too_many_keys', 'too_many_items', 'forbidden_key'] as const;
export type InputLimitCode = (typeof INPUT_LIMIT_CODES)[number];

export interface InputLimitProblem extends FieldError {
  code: InputLimitCode;
}

/** Raised where a limit is crossed deep inside a library call (canonicalJson); callers map it. */
export class InputLimitError extends Error {
  constructor(readonly problem: InputLimitProblem) {
    super(problem.message);
    this.name = 'InputLimitError';
  }
}

/**
 * A key JSON.parse keeps as plain data but an assignment (`copy[key] = value`, as schema parsers
 * do) turns into a prototype change: refused rather than silently dropped from what was signed.
 */
export const FORBIDDEN_KEYS: readonly string[] = ['__proto__'];

/** The byte-level check, before any parsing. */
export function bytesLimitProblem(bytes: Uint8Array, limits: InputLimits = ENVELOPE_LIMITS): InputLimitProblem | undefined {
  if (bytes.byteLength <= limits.maxBytes) return undefined;
  return problem('(root)', 'too_large', `${bytes.byteLength} bytes exceed the limit of ${limits.maxBytes} bytes`);
}

interface Pending {
  value: unknown;
  depth: number;
  path: string;
}

/**
 * Walks a parsed value with an explicit stack (never recursion) and names the first limit it
 * crosses, with the path where it did. The encoded size is estimated from the walk (strings and
 * keys by length), so a value that never was bytes (an HTTP body parsed by a framework) is bounded too.
 */
export function inputLimitProblem(value: unknown, limits: InputLimits = ENVELOPE_LIMITS): InputLimitProblem | undefined {
  const stack: Pending[] = [{ value, depth: 0, path: '' }];
  let size = 0;
  while (stack.length > 0) {
    const { value: current, depth, path } = stack.pop()!;
    const here = path || '(root)';
    if (typeof current === 'string') {
      if (current.length > limits.maxStringLength) return tooLong(here, current.length, limits);
      size += current.length + 2;
    } else if (current !== null && typeof current === 'object') {
      if (depth + 1 > limits.maxDepth) return problem(here, 'too_deep', `nesting exceeds the limit of ${limits.maxDepth} levels`);
      const inner = childrenOf(current, depth + 1, path, limits);
      if ('code' in inner) return inner;
      size += inner.size;
      stack.push(...inner.children);
    } else {
      size += 8;
    }
    if (size > limits.maxBytes) return problem('(root)', 'too_large', `encoded size exceeds the limit of ${limits.maxBytes} bytes`);
  }
  return undefined;
}

function childrenOf(
  container: object,
  depth: number,
  path: string,
  limits: InputLimits,
): { children: Pending[]; size: number } | InputLimitProblem {
  const here = path || '(root)';
  if (Array.isArray(container)) {
    if (container.length > limits.maxItems) {
      return problem(here, 'too_many_items', `${container.length} items exceed the limit of ${limits.maxItems} per array`);
    }
    const children = container.map((item: unknown, index) => ({ value: item, depth, path: `${path}[${index}]` }));
    return { children, size: 2 + container.length };
  }
  // Own enumerable keys only, as JSON.parse makes them: a "__proto__" key is plain data here.
  const keys = Object.keys(container);
  if (keys.length > limits.maxKeys)
    return problem(here, 'too_many_keys', `${keys.length} keys exceed the limit of ${limits.maxKeys} per object`);
  let size = 2;
  const children: Pending[] = [];
  for (const key of keys) {
    const child = path ? `${path}.${key.slice(0, 64)}` : key.slice(0, 64);
    if (key.length > limits.maxStringLength) return tooLong(child, key.length, limits);
    if (FORBIDDEN_KEYS.includes(key)) return problem(child, 'forbidden_key', `the key ${key} is not allowed anywhere`);
    size += key.length + 4;
    children.push({ value: (container as Record<string, unknown>)[key], depth, path: child });
  }
  return { children, size };
}

function tooLong(path: string, length: number, limits: InputLimits): InputLimitProblem {
  return problem(path, 'string_too_long', `a string of ${length} characters exceeds the limit of ${limits.maxStringLength}`);
}

function problem(path: string, code: InputLimitCode, message: string): InputLimitProblem {
  return { path, code, message };
}
