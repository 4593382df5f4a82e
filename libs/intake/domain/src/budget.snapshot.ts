import { z } from 'zod';
import type { StateCodec } from '@countersign/decider';
import { addCounted, countedEntries, emptyWindow } from './budget-window';
import type { BudgetState } from './budget.state';

const Id = z.string().min(1).max(200);
const Instant = z.iso.datetime();

const EncodedBudgetState = z.strictObject({
  recent: z.array(z.strictObject({ submissionId: Id, tier: Id, at: Instant, joinedRequestId: Id.optional() })).max(1_000_000),
  pending: z.array(z.strictObject({ requestId: Id, submissionId: Id, tier: Id, joinDigest: z.string().max(200) })).max(1_000_000),
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
    const recent = parsed.data.recent.reduce(
      (window, entry) => addCounted(window, { ...entry, atMs: Date.parse(entry.at) }),
      emptyWindow(),
    );
    return { recent, pending: parsed.data.pending };
  },
};
