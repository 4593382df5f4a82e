import { z } from 'zod';
import type { StateCodec } from '@countersign/decider';
import type { AuditLogState } from './audit-log';
import { recentIdsFromJson, recentIdsToJson } from './recent-ids';

const Hash = z.string().regex(/^[0-9a-f]{64}$/);
const Count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

const EncodedAuditLogState = z.strictObject({
  head: z.strictObject({ sequence: Count, hash: Hash }),
  recent: z.strictObject({ sealed: z.array(z.array(z.string().max(200))), open: z.array(z.string().max(200)) }),
  tree: z.strictObject({ size: Count, hashes: z.array(Hash).max(64) }),
  lastCheckpoint: z.strictObject({ treeSize: Count, at: z.iso.datetime() }).optional(),
});

/** One hash per set bit of the tree's size (MerkleFrontier): anything else is not a frontier. */
const setBits = (size: number): number => size.toString(2).replaceAll('0', '').length;

/**
 * What folding any log gives: a frontier hash per set bit of the tree's size, a last checkpoint no
 * larger than the tree. (Not the head's sequence equal to the tree's size, though a log audit wrote
 * has it: the bench's history clones records without renumbering them, and the fold takes the log
 * as it is. Tampering is the signature's business; see StreamSnapshots.)
 */
function consistent({ tree, lastCheckpoint }: z.infer<typeof EncodedAuditLogState>): boolean {
  return tree.hashes.length === setBits(tree.size) && (lastCheckpoint?.treeSize ?? 0) <= tree.size;
}

/**
 * The audit log's state written down every 1,000 events of the log (it is bounded: head, recent
 * ids, Merkle frontier, last checkpoint), so audit's start-up folds at most that many records
 * instead of its whole history. A state this codec would not have written is refused, and the log
 * is folded whole (see StreamSnapshots in libs/service-runtime).
 */
export const auditLogSnapshots: StateCodec<AuditLogState> = {
  version: 1,
  every: 1_000,
  encode: (state) => ({ ...state, recent: recentIdsToJson(state.recent) }),
  decode(json) {
    const parsed = EncodedAuditLogState.safeParse(json);
    if (!parsed.success || !consistent(parsed.data)) return undefined;
    const recent = recentIdsFromJson(parsed.data.recent);
    if (!recent) return undefined;
    const { head, tree, lastCheckpoint } = parsed.data;
    return { head, recent, tree, ...(lastCheckpoint ? { lastCheckpoint } : {}) };
  },
};
