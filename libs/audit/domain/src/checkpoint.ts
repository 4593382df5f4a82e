import { EventTypes, deterministicId, type AuditCheckpointV1 } from '@countersign/contracts';
import { EMPTY_FRONTIER, frontierRoot, type MerkleFrontier } from '@countersign/audit-chain';
import type { DomainEvent } from './domain-event';

export type AuditCheckpointed = DomainEvent<typeof EventTypes.AuditCheckpoint, AuditCheckpointV1>;

/** When audit signs a checkpoint: after this many new records, or this long after the last one if any record came since. */
export interface CheckpointPolicy {
  everyRecords: number;
  everySeconds: number;
}

/** The Merkle side of the log: the frontier of its tree and the last checkpoint signed. */
export interface MerkleState {
  tree: MerkleFrontier;
  lastCheckpoint?: { treeSize: number; at: string };
}

export const initialMerkleState = (): MerkleState => ({ tree: EMPTY_FRONTIER });

export function checkpointOf(tree: MerkleFrontier, lastRecordHash: string, at: string): AuditCheckpointed {
  return {
    type: EventTypes.AuditCheckpoint,
    // One checkpoint per tree size: the last record's hash names the size and everything before it.
    id: deterministicId(lastRecordHash, 'audit.checkpoint'),
    data: { origin: 'countersign.audit', treeSize: tree.size, rootHash: frontierRoot(tree), lastRecordHash, checkpointAt: at },
  };
}

/** Whether enough records came since the last checkpoint to sign one now, with `adding` more records after `state`. */
export function checkpointByCount(state: MerkleState, policy: CheckpointPolicy | undefined, adding = 0): boolean {
  if (!policy || policy.everyRecords < 1) return false;
  return state.tree.size + adding - (state.lastCheckpoint?.treeSize ?? 0) >= policy.everyRecords;
}

/** Whether the interval has passed with records not yet covered by a checkpoint. */
export function checkpointByTime(state: MerkleState, policy: CheckpointPolicy, now: string): boolean {
  const covered = state.lastCheckpoint?.treeSize ?? 0;
  if (state.tree.size === 0 || state.tree.size === covered) return false;
  if (!state.lastCheckpoint) return true;
  return Date.parse(now) - Date.parse(state.lastCheckpoint.at) >= policy.everySeconds * 1000;
}
