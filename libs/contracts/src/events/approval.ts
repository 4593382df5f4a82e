import { z } from 'zod';
import { CanonicalAction } from '../action';
import { RENDERING_INLINE_MAX_BYTES } from '../action-rendering';
import { Digest, EventId, Reason, RequestId, Timestamp, TimeWindow } from '../common';
import { EnvelopeSchema } from '../envelope';
import { IdentityId } from '../identity-id';
import { AgentContext } from '../run-attestation';

/** Which policy decided, so every decision can be traced to reviewed policy text. */
export const PolicyStamp = z.strictObject({
  version: z.string().regex(/^sha256:[0-9a-f]{64}$/),
  label: z.string().min(1).max(64),
  tier: z.string().min(1).max(64),
  rules: z.array(z.string().max(128)).min(1),
});
export type PolicyStamp = z.infer<typeof PolicyStamp>;

/**
 * How a vote reached approval. `signed`: an envelope signed by the approver's own key (CLI, approver
 * bot). `slack`: a click relayed and signed by the Slack channel, which proves Slack said so, not
 * who the human is; step-up tiers do not count it as an approval.
 */
export const VoteChannel = z.enum(['signed', 'slack']);
export type VoteChannel = z.infer<typeof VoteChannel>;

export const ApprovalRequestedV1 = z.strictObject({
  requestId: RequestId,
  digest: Digest,
  requester: IdentityId,
  /** What is to be approved, as accepted: approvers (and the Slack card) recompute the digest from it. */
  action: CanonicalAction,
  /**
   * What the approver is shown: `renderAction(action)`, the same text on every surface (Slack, the
   * CLI, the MCP gateway). Printable ASCII; absent only when longer than RENDERING_INLINE_MAX_BYTES,
   * when a surface renders `action` itself and must arrive at `renderingDigest`.
   */
  rendering: z.string().max(RENDERING_INLINE_MAX_BYTES).optional(),
  /** SHA-256 of the rendering; a vote names it next to the action digest, and approval refuses any other. */
  renderingDigest: Digest,
  policy: PolicyStamp,
  quorum: z.number().int().min(1).max(10),
  eligibleGroups: z.array(z.string()).min(1),
  /** The tier needs approvals signed with the approver's own key; a relayed Slack click is not enough. */
  stepUp: z.literal(true).optional(),
  expiresAt: Timestamp,
  /** For an agent workload's request: the accepted request's agent context, for approvers to see. */
  agent: AgentContext.optional(),
});
export type ApprovalRequestedV1 = z.infer<typeof ApprovalRequestedV1>;

export const VoteRecordedV1 = z.strictObject({
  requestId: RequestId,
  voteId: EventId,
  voter: IdentityId,
  via: VoteChannel,
  decision: z.enum(['approve', 'deny']),
  reason: Reason.optional(),
  approvals: z.number().int().min(0),
  quorum: z.number().int().min(1),
});
export type VoteRecordedV1 = z.infer<typeof VoteRecordedV1>;

export const VOTE_REJECTION_CODES = [
  'unknown_request',
  'self_approval',
  'digest_mismatch',
  'not_eligible',
  'duplicate_vote',
  'already_resolved',
  /** An approval relayed from Slack on a step-up tier: it must be signed with the approver's own key. */
  'step_up_required',
  /** A relayed vote whose channel user the registry maps to no approver, or to another one. */
  'unmapped_voter',
  /** The vote names a rendering digest other than that of the text approval showed for the request. */
  'rendering_mismatch',
  /** An approval relayed by a channel for a rendering too long for it to show in full: use the CLI. */
  'rendering_too_long',
] as const;

export const VoteRejectedV1 = z.strictObject({
  requestId: RequestId,
  voteId: EventId,
  /** The approver; for an unmapped channel user, the channel that relayed the vote. */
  voter: IdentityId,
  via: VoteChannel,
  code: z.enum(VOTE_REJECTION_CODES),
  message: z.string().max(500),
});
export type VoteRejectedV1 = z.infer<typeof VoteRejectedV1>;

export const Approver = z.strictObject({
  id: IdentityId,
  voteId: EventId.optional(),
  /** Absent for the policy's own auto-approval. */
  via: VoteChannel.optional(),
  reason: Reason.optional(),
  at: Timestamp,
});

export const RequestApprovedV1 = z.strictObject({
  requestId: RequestId,
  digest: Digest,
  requester: IdentityId,
  acceptedEventId: EventId,
  mode: z.enum(['auto', 'quorum']),
  approvers: z.array(Approver).min(1),
  policy: PolicyStamp,
  /** The tier required step-up: the broker refuses the credential if any approver came via Slack. */
  stepUp: z.literal(true).optional(),
  window: TimeWindow,
  approvedAt: Timestamp,
  /**
   * Quorum approvals: the signed vote envelopes (`vote.cast`, or `vote.relayed` by a channel) that
   * made the quorum, exactly as approval received them. The broker and the executor verify each
   * against their own trust store and re-check the quorum against the pinned policy themselves, so
   * approval's word alone never issues a credential. Absent for auto approvals.
   */
  evidence: z.array(EnvelopeSchema).max(10).optional(),
});
export type RequestApprovedV1 = z.infer<typeof RequestApprovedV1>;

export const RequestDeniedV1 = z.strictObject({
  requestId: RequestId,
  digest: Digest,
  requester: IdentityId,
  deniedBy: IdentityId,
  reason: Reason.optional(),
  policy: PolicyStamp,
  deniedAt: Timestamp,
});
export type RequestDeniedV1 = z.infer<typeof RequestDeniedV1>;

export const RequestExpiredV1 = z.strictObject({
  requestId: RequestId,
  digest: Digest,
  requester: IdentityId,
  policy: PolicyStamp,
  approvals: z.number().int().min(0),
  quorum: z.number().int().min(1),
  expiredAt: Timestamp,
});
export type RequestExpiredV1 = z.infer<typeof RequestExpiredV1>;

/**
 * Nobody decided within the tier's escalation time: more groups may now vote (votes already cast
 * still count) until `expiresAt`, after which the request expires. The requester is told.
 */
export const ApprovalEscalatedV1 = z.strictObject({
  requestId: RequestId,
  digest: Digest,
  requester: IdentityId,
  policy: PolicyStamp,
  quorum: z.number().int().min(1).max(10),
  approvals: z.number().int().min(0),
  /** The groups added by the escalation. */
  addedGroups: z.array(z.string()).min(1),
  /** Everyone who may vote from now on: the tier's groups and the added ones. */
  eligibleGroups: z.array(z.string()).min(1),
  expiresAt: Timestamp,
  escalatedAt: Timestamp,
});
export type ApprovalEscalatedV1 = z.infer<typeof ApprovalEscalatedV1>;
