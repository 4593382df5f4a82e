import { z } from 'zod';
import { EnvelopeSchema, RequestId, type Envelope } from '@countersign/contracts';
import { requestIdOf } from '@countersign/audit-domain';

/** How many decided requests are remembered so their late events are not indexed again. */
export const RETIRED_MEMORY = 50_000;

/** What audit's custody checks hold: open requests only (see CustodyChecks). */
export interface CustodyIndex {
  /** Every recorded envelope of each open request, by event id. */
  readonly evidence: Map<string, Map<string, Envelope>>;
  /** Requests whose check is due, and until when missing evidence is waited for. */
  readonly checkBy: Map<string, number>;
  /** The last RETIRED_MEMORY decided or forgotten requests, oldest first. */
  readonly retired: Set<string>;
}

export const emptyCustodyIndex = (): CustodyIndex => ({ evidence: new Map(), checkBy: new Map(), retired: new Set() });

const EncodedCustodyIndex = z.strictObject({
  evidence: z.array(z.tuple([RequestId, z.array(EnvelopeSchema).min(1)])),
  checkBy: z.array(z.tuple([RequestId, z.number().finite()])),
  retired: z.array(RequestId).max(RETIRED_MEMORY),
});

export function encodeCustodyIndex({ evidence, checkBy, retired }: CustodyIndex): z.input<typeof EncodedCustodyIndex> {
  return {
    evidence: [...evidence].map(([requestId, events]) => [requestId, [...events.values()]]),
    checkBy: [...checkBy],
    retired: [...retired],
  };
}

/**
 * The index `encodeCustodyIndex` wrote, or undefined for anything it could not have written: every
 * envelope filed under its own request, a check only for a request with evidence, no request both
 * open and retired.
 */
export function decodeCustodyIndex(json: unknown): CustodyIndex | undefined {
  const parsed = EncodedCustodyIndex.safeParse(json);
  if (!parsed.success) return undefined;
  const index = emptyCustodyIndex();
  for (const id of parsed.data.retired) index.retired.add(id);
  for (const [requestId, envelopes] of parsed.data.evidence) {
    if (index.evidence.has(requestId) || index.retired.has(requestId)) return undefined;
    if (envelopes.some((envelope) => requestIdOf(envelope) !== requestId)) return undefined;
    index.evidence.set(requestId, new Map(envelopes.map((envelope) => [envelope.id, envelope])));
  }
  for (const [requestId, deadline] of parsed.data.checkBy) {
    if (!index.evidence.has(requestId)) return undefined;
    index.checkBy.set(requestId, deadline);
  }
  return index;
}
