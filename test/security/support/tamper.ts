import fc from 'fast-check';
import type { TrustStore } from '@countersign/identity';
import { examineEntries, parseJsonLines, type ExaminedEntry, verifyAudit } from '@countersign/cli/testing';

/** The one kind of single-byte change that leaves every checked value intact (see docs/security.md). */
export const MALLEABLE = 'undetected: another base64url spelling of the same signature bytes';

export interface Mutation {
  /** Byte offset in the exported file. */
  offset: number;
  from: number;
  to: number;
}

export interface Verdict {
  mutation: Mutation;
  detected: boolean;
  /** What the verifier said first: a chain break code, or the signature check that failed. */
  reason: string;
}

/**
 * The CLI's offline verifier (`countersign audit verify --file`) applied to an export with one byte
 * changed. Lines are examined once up front; a mutation re-examines only the line(s) it touches
 * (its own, and the next one if it hit the line break) and then runs the CLI's full verification
 * (hash chain plus every signature) over the whole file, exactly as `audit verify` does.
 */
export class TamperLab {
  private readonly lineStarts: number[] = [];
  private readonly entries: ExaminedEntry[];

  constructor(
    private readonly bytes: Buffer,
    private readonly trust: TrustStore,
    private readonly name = 'audit.jsonl',
  ) {
    for (let offset = 0, start = 0; offset < bytes.length; offset += 1) {
      if (offset === start) this.lineStarts.push(start);
      if (bytes[offset] === 0x0a) start = offset + 1;
    }
    this.entries = examineEntries(parseJsonLines(bytes.toString('utf8'), name), trust);
    if (this.entries.length !== this.lineStarts.length) throw new Error('the export must hold one non-empty record per line');
  }

  get size(): number {
    return this.bytes.length;
  }

  verifyUntouched(): ReturnType<typeof verifyAudit> {
    return verifyAudit(this.entries);
  }

  /**
   * Seeded single-byte mutations of record bytes, each to a different value than the byte had. The
   * line breaks between records are the export's format, not part of any stream message: a
   * trailing one turned into a space would change the file but not a single record.
   */
  mutations(seed: number, count: number): Mutation[] {
    const recordBytes: number[] = [];
    this.bytes.forEach((byte, offset) => byte !== 0x0a && recordBytes.push(offset));
    // noBias: spread over the whole file, not clustered at its first and last bytes.
    const arbitrary = fc.noBias(fc.record({ index: fc.nat({ max: recordBytes.length - 1 }), delta: fc.integer({ min: 1, max: 255 }) }));
    return fc.sample(arbitrary, { seed, numRuns: count }).map(({ index, delta }) => {
      const offset = recordBytes[index]!;
      const from = this.bytes[offset]!;
      return { offset, from, to: (from + delta) % 256 };
    });
  }

  judge(mutation: Mutation): Verdict {
    const line = this.lineOf(mutation.offset);
    const first = this.lineStarts[line]!;
    const last = Math.min(line + 2, this.lineStarts.length);
    const end = this.lineStarts[last] ?? this.bytes.length;
    const window = Buffer.from(this.bytes.subarray(first, end));
    window[mutation.offset - first] = mutation.to;
    const changed = examineEntries(parseJsonLines(window.toString('utf8'), this.name), this.trust);
    const report = verifyAudit([...this.entries.slice(0, line), ...changed, ...this.entries.slice(last)]);
    const reason =
      report.chainBreak?.code ??
      report.events.failures[0]?.code ??
      report.wrappers.failures[0]?.code ??
      (report.ok ? 'undetected' : 'not ok');
    if (!report.ok) return { mutation, detected: true, reason };
    return { mutation, detected: false, reason: sameSignatureBytes(this.bytes, window, first) ? MALLEABLE : reason };
  }

  /** A copy of the whole export with the mutation applied, for the CLI itself. */
  mutatedFile(mutation: Mutation): Buffer {
    const copy = Buffer.from(this.bytes);
    copy[mutation.offset] = mutation.to;
    return copy;
  }

  private lineOf(offset: number): number {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (this.lineStarts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  }
}

/** Whether the mutated line differs from the original only in how a signature's bytes are spelled. */
function sameSignatureBytes(original: Buffer, window: Buffer, first: number): boolean {
  const lineEnd = window.indexOf(0x0a);
  const end = lineEnd === -1 ? window.length : lineEnd;
  try {
    const before = JSON.parse(original.subarray(first, first + end).toString('utf8')) as unknown;
    const after = JSON.parse(window.subarray(0, end).toString('utf8')) as unknown;
    return JSON.stringify(normalised(before)) === JSON.stringify(normalised(after)) && JSON.stringify(before) !== JSON.stringify(after);
  } catch {
    return false;
  }
}

function normalised(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalised);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      key === 'signature' && typeof inner === 'string' ? Buffer.from(inner, 'base64url').toString('hex') : normalised(inner),
    ]),
  );
}
