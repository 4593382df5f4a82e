import { RECHECK_CODES } from '@countersign/approval-evidence';
import {
  EventTypes,
  serviceId,
  type CredentialRefusedV1,
  type Envelope,
  type ExecutionRefusedV1,
  type RequestApprovedV1,
} from '@countersign/contracts';
import type { CustodyViolation } from './custody.collect';

const VOTE_TYPES: readonly string[] = [EventTypes.VoteCast, EventTypes.VoteRelayed];
const RECHECK: readonly string[] = RECHECK_CODES;

const unproven = (message: string): CustodyViolation => ({ code: 'approval_unproven', message: message.slice(0, 500) });

/**
 * An approval whose evidence does not hold, found without waiting for an execution that should
 * never come: the broker or the executor refused it because it did not re-check against the pinned
 * policy, or a quorum approval counts an approver whose signed vote it does not carry, or carries a
 * vote that differs from the one audit recorded under that id. Audit has no policy of its own; the
 * refusals name the policy's (or the target registry's) verdict, and the evidence it can judge alone it judges itself.
 */
export function unprovenApproval(events: readonly Envelope[]): CustodyViolation[] {
  const recorded = new Map(events.filter((event) => VOTE_TYPES.includes(event.type)).map((vote) => [vote.id, vote]));
  const approvals = events.filter((event) => event.type === EventTypes.RequestApproved) as Envelope<RequestApprovedV1>[];
  return [
    ...new Map(
      [...refusals(events), ...approvals.flatMap((approval) => evidenceGaps(approval, recorded))].map((v) => [v.message, v]),
    ).values(),
  ];
}

function refusals(events: readonly Envelope[]): CustodyViolation[] {
  return events.flatMap((event) => {
    const refusedBy =
      (event.type === EventTypes.CredentialRefused && event.signer === serviceId('broker')) ||
      (event.type === EventTypes.ExecutionRefused && event.signer === serviceId('executor'));
    const data = event.data as CredentialRefusedV1 | ExecutionRefusedV1;
    if (!refusedBy || !RECHECK.includes(data.code)) return [];
    const approval = 'approvalEventId' in data ? ` approval ${data.approvalEventId}` : ' the approval';
    return [unproven(`${event.signer} refused${approval}: ${data.code}: ${data.message}`)];
  });
}

function evidenceGaps(approval: Envelope<RequestApprovedV1>, recorded: ReadonlyMap<string, Envelope>): CustodyViolation[] {
  if (approval.data.mode !== 'quorum') return [];
  const evidence = approval.data.evidence ?? [];
  const missing = approval.data.approvers
    .filter((approver) => !evidence.some((vote) => vote.id === approver.voteId))
    .map((approver) => unproven(`approval ${approval.id} counts ${approver.id} without carrying their signed vote`));
  const altered = evidence
    .filter((vote) => recorded.has(vote.id) && recorded.get(vote.id)?.signature !== vote.signature)
    .map((vote) => unproven(`approval ${approval.id} carries a vote ${vote.id} that differs from the one recorded`));
  return [...missing, ...altered];
}

/** Whether this event may prove an approval unproven now, so the shell checks at once instead of waiting for an execution. */
export function mayProveUnproven(event: Pick<Envelope, 'type'>): boolean {
  return ([EventTypes.RequestApproved, EventTypes.CredentialRefused, EventTypes.ExecutionRefused] as string[]).includes(event.type);
}
