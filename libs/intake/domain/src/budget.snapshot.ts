import { z } from 'zod';
import type { StateCodec } from '@countersign/decider';
import { countedEntries, windowOf } from './budget-window';
import type { BudgetState } from './budget.state';

const Id = z.string().min(1).max(200);
const Instant = z.iso.datetime();

/**
 * What a ledger can hold under the largest policy the schema allows (101 tiers with the fallback,
 * each at most 10,000 a minute and 1,000 pending): a larger state was not written by this codec.
 * Decoding is linear (windowOf), so even the largest stays cheap.
 */
const [MAX_RECENT, MAX_PENDING] = [1_010_000, 101_000];

const EncodedBudgetState = z.strictObject({
  recent: z.array(z.strictObject({ submissionId: Id, tier: Id, at: Instant, joinedRequestId: Id.optional() })).max(MAX_RECENT),
  pending: z.array(z.strictObject({ requestId: Id, submissionId: Id, tier: Id, joinDigest: z.string().max(200) })).max(MAX_PENDING),
});

/**
 * A requester's budget ledger written down every 1,000 events of its stream. The stream grows with
 * every submission the requester ever made (166,691 events at 10^6 in the history bench) while the
 * state is bounded (the last minute's admissions and the pending requests), so after a restart the
 * requester's first claim folds at most 1,000 events instead of its whole history. Restored only as
 * StreamSnapshots in libs/service-runtime allows (signed by intake, bound to the stream's event).
 */
export const budgetSnapshots: StateCodec<BudgetState> = {
  version: 1,
  every: 1_000,
  encode: (state) => ({
    recent: countedEntries(state.recent).map(({ atMs: _atMs, ...entry }) => entry),
    pending: state.pending,
  }),
  decode(json) {
    const parsed = EncodedBudgetState.safeParse(json);
    if (!parsed.success) return undefined;
    const recent = windowOf(parsed.data.recent.map((entry) => ({ ...entry, atMs: Date.parse(entry.at) })));
    return { recent, pending: parsed.data.pending };
  },
};
