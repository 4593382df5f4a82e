import type { VoteRelayedV1 } from '@countersign/contracts';
import { approverForSlackUser, type Registry } from '@countersign/identity';

/** The approver a relayed vote counts for, or why it counts for nobody. */
export type RelayedVoter = { ok: true; voter: string } | { ok: false; unmapped: string };

/**
 * Pins a vote the Slack edge relayed on an approver through approval's own copy of the registry:
 * exactly one approver must be mapped to the Slack team and user, and it must be the approver the
 * edge named. The edge's word alone is never taken: a confused or compromised edge could name anyone.
 */
export function relayedVoter(registry: Pick<Registry, 'approvers'>, relayed: Pick<VoteRelayedV1, 'approver' | 'slack'>): RelayedVoter {
  const { teamId, userId } = relayed.slack;
  const mapped = approverForSlackUser(registry, { teamId, userId });
  if (mapped.approver === undefined) return { ok: false, unmapped: mapped.reason };
  if (mapped.approver !== relayed.approver) {
    const who = `Slack user ${userId} of team ${teamId}`;
    return { ok: false, unmapped: `${who} is ${mapped.approver} in the registry, but the vote was relayed as ${relayed.approver}` };
  }
  return { ok: true, voter: mapped.approver };
}
