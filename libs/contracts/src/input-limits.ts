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

/** Where a container sits, kept so a path is spelled out only for the problem that needs one. */
interface PathNode {
  owner: PathNode | undefined;
  key: string | number | undefined;
}

/** A walk's pending values as parallel arrays: no object and no path string per node on valid input. */
interface Pending {
  values: unknown[];
  depths: number[];
  owners: Array<PathNode | undefined>;
  keys: Array<string | number | undefined>;
}

/**
 * Walks a parsed value with an explicit stack (never recursion) and names the first limit it
 * crosses, with the path where it did. The encoded size is estimated from the walk (strings and
 * keys by length), so a value that never was bytes (an HTTP body parsed by a framework) is bounded too.
 * Every message on every ingress passes here, so the path is built only once a limit is crossed.
 */
export function inputLimitProblem(value: unknown, limits: InputLimits = ENVELOPE_LIMITS): InputLimitProblem | undefined {
  const pending: Pending = { values: [value], depths: [0], owners: [undefined], keys: [undefined] };
  let size = 0;
  while (pending.values.length > 0) {
    const current = pending.values.pop();
    const depth = pending.depths.pop()!;
    const owner = pending.owners.pop();
    const key = pending.keys.pop();
    if (typeof current === 'string') {
      if (current.length > limits.maxStringLength) return tooLong(pathOf(owner, key), current.length, limits);
      size += current.length + 2;
    } else if (current !== null && typeof current === 'object') {
      const node: PathNode = { owner, key };
      if (depth + 1 > limits.maxDepth) return problem(pathOf(node), 'too_deep', `nesting exceeds the limit of ${limits.maxDepth} levels`);
      const added = pushChildren(current, depth + 1, node, limits, pending);
      if (typeof added !== 'number') return added;
      size += added;
    } else {
      size += 8;
    }
    if (size > limits.maxBytes) return problem('(root)', 'too_large', `encoded size exceeds the limit of ${limits.maxBytes} bytes`);
  }
  return undefined;
}

/** Pushes a container's children (in order, so the last is walked first) and returns their share of the size. */
function pushChildren(container: object, depth: number, node: PathNode, limits: InputLimits, pending: Pending): number | InputLimitProblem {
  if (Array.isArray(container)) {
    if (container.length > limits.maxItems) {
      return problem(pathOf(node), 'too_many_items', `${container.length} items exceed the limit of ${limits.maxItems} per array`);
    }
    for (let index = 0; index < container.length; index += 1) push(pending, container[index], depth, node, index);
    return 2 + container.length;
  }
  // Own enumerable keys only, as JSON.parse makes them: a "__proto__" key is plain data here.
  const keys = Object.keys(container);
  if (keys.length > limits.maxKeys)
    return problem(pathOf(node), 'too_many_keys', `${keys.length} keys exceed the limit of ${limits.maxKeys} per object`);
  let size = 2;
  for (const key of keys) {
    if (key.length > limits.maxStringLength) return tooLong(pathOf(node, key), key.length, limits);
    if (FORBIDDEN_KEYS.includes(key)) return problem(pathOf(node, key), 'forbidden_key', `the key ${key} is not allowed anywhere`);
    size += key.length + 4;
    push(pending, (container as Record<string, unknown>)[key], depth, node, key);
  }
  return size;
}

function push(pending: Pending, value: unknown, depth: number, owner: PathNode, key: string | number): void {
  pending.values.push(value);
  pending.depths.push(depth);
  pending.owners.push(owner);
  pending.keys.push(key);
}

/** `data.action[0].name` (object keys cut to 64 characters), or `(root)`. */
function pathOf(owner: PathNode | undefined, key?: string | number): string {
  const segments: Array<string | number> = key === undefined ? [] : [key];
  for (let node = owner; node !== undefined; node = node.owner) if (node.key !== undefined) segments.push(node.key);
  let path = '';
  for (let index = segments.length - 1; index >= 0; index -= 1) {
    const segment = segments[index]!;
    if (typeof segment === 'number') path += `[${segment}]`;
    else path += path ? `.${segment.slice(0, 64)}` : segment.slice(0, 64);
  }
  return path || '(root)';
}

function tooLong(path: string, length: number, limits: InputLimits): InputLimitProblem {
  return problem(path, 'string_too_long', `a string of ${length} characters exceeds the limit of ${limits.maxStringLength}`);
}

function problem(path: string, code: InputLimitCode, message: string): InputLimitProblem {
  return { path, code, message };
}
