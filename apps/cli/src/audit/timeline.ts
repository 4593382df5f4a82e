import type * as C from '@countersign/contracts';
import { EventTypes } from '@countersign/contracts';
import { eventHeader, type ExaminedEntry } from './entries';

export type Facts = Record<string, string>;

/** Typed access to data that the trust store has already validated against the type's schema. */
const as =
  <T>(describe: (data: T) => Facts) =>
  (data: unknown): Facts =>
    describe(data as T);

const ratio = (count: number, of: number) => `${count}/${of}`;

const amountOf = (action: { amount?: C.Amount | undefined }): Facts =>
  action.amount ? { amount: `${action.amount.value} ${action.amount.currency}` } : {};

/** Each part shown as given; an absent part is said to be absent, so nobody assumes one was read. */
const intentOf = (intent: C.ChangeIntent | undefined): Facts => ({
  ticket: intent?.ticket ?? '(none)',
  expectedOutcome: intent?.expectedOutcome ?? '(none)',
  rollbackPlan: intent?.rollbackPlan ?? '(none)',
});

/** An agent workload's request: which workload, in which verified run, for whom (issue 19). */
const agentOf = (agent: C.AgentContext | undefined): Facts =>
  agent
    ? {
        workload: agent.workload,
        run: `${agent.runId} (scope ${agent.taskScope}, until ${agent.runExpiresAt})`,
        onBehalfOf: agent.onBehalfOf,
      }
    : {};

/**
 * The facts an operator looks for in each event. The sealed credential is deliberately absent:
 * it is ciphertext for the executor, and printing it would only invite copying it around.
 */
const FACTS: Partial<Record<string, (data: unknown) => Facts>> = {
  // What the requester asked for; environment and sensitivity here are only its assertions.
  [EventTypes.RequestSubmitted]: as<C.RequestSubmittedV1>((d) => ({
    action: `${d.action.kind} ${d.action.target}${d.action.environment ? `@${d.action.environment}` : ''}`,
    ...amountOf(d.action),
    reason: d.reason,
  })),
  [EventTypes.VoteCast]: as<C.VoteCastV1>((d) => ({ decision: d.decision, digest: d.digest, rendering: d.renderingDigest })),
  /** Signed by the channel (the Slack edge), for the approver it mapped the Slack user to. */
  [EventTypes.VoteRelayed]: as<C.VoteRelayedV1>((d) => ({
    decision: d.decision,
    digest: d.digest,
    rendering: d.renderingDigest,
    approver: d.approver,
    via: 'slack',
    slackUser: d.slack.userId,
  })),
  // What approvers approve: the registry's facts and the change intent, all under the digest.
  [EventTypes.RequestAccepted]: as<C.RequestAcceptedV1>((d) => ({
    action: `${d.action.kind} ${d.action.target}@${d.action.environment}`,
    registry: `${d.action.dataSensitivity} data, owner ${d.action.ownerTeam}, ${d.action.targetAddress}`,
    ...amountOf(d.action),
    ...intentOf(d.action.intent),
    digest: d.digest,
    window: `${d.action.window.notBefore} → ${d.action.window.notAfter}`,
    ...agentOf(d.agent),
  })),
  [EventTypes.RequestRejected]: as<C.RequestRejectedV1>((d) => ({ errors: d.errors.map((e) => `${e.path} (${e.code})`).join(', ') })),
  [EventTypes.RequesterNotified]: as<C.RequesterNotifiedV1>((d) => ({ outcome: d.outcome, ...(d.detail ? { detail: d.detail } : {}) })),
  [EventTypes.ApprovalRequested]: as<C.ApprovalRequestedV1>((d) => ({
    policy: `${d.policy.label}@${d.policy.tier}`,
    quorum: String(d.quorum),
    groups: d.eligibleGroups.join(','),
    expires: d.expiresAt,
    rendering: d.renderingDigest,
  })),
  [EventTypes.VoteRecorded]: as<C.VoteRecordedV1>((d) => ({
    voter: d.voter,
    decision: d.decision,
    approvals: ratio(d.approvals, d.quorum),
    via: d.via,
  })),
  [EventTypes.VoteRejected]: as<C.VoteRejectedV1>((d) => ({ voter: d.voter, code: d.code, via: d.via })),
  [EventTypes.RequestApproved]: as<C.RequestApprovedV1>((d) => ({
    mode: d.mode,
    approvers: d.approvers.map((a) => a.id).join(','),
    digest: d.digest,
  })),
  [EventTypes.RequestDenied]: as<C.RequestDeniedV1>((d) => ({ deniedBy: d.deniedBy, ...(d.reason ? { reason: d.reason } : {}) })),
  [EventTypes.RequestExpired]: as<C.RequestExpiredV1>((d) => ({ approvals: ratio(d.approvals, d.quorum) })),
  [EventTypes.ApprovalEscalated]: as<C.ApprovalEscalatedV1>((d) => ({
    added: d.addedGroups.join(','),
    approvals: ratio(d.approvals, d.quorum),
    expires: d.expiresAt,
  })),
  [EventTypes.ReviewRequired]: as<C.ReviewRequiredV1>((d) => ({ groups: d.reviewGroups.join(','), due: d.dueAt })),
  [EventTypes.ReviewEscalated]: as<C.ReviewEscalatedV1>((d) => ({ added: d.addedGroups.join(','), due: d.dueAt })),
  [EventTypes.ReviewOverdue]: as<C.ReviewOverdueV1>((d) => ({ due: d.dueAt })),
  [EventTypes.ReviewCompleted]: as<C.ReviewCompletedV1>((d) => ({
    reviewer: d.reviewer,
    verdict: d.verdict,
    ...(d.late ? { late: 'yes' } : {}),
  })),
  [EventTypes.CredentialIssued]: as<C.CredentialIssuedV1>((d) => ({
    credential: d.credentialId,
    executor: d.executor,
    valid: `${d.notBefore} → ${d.expiresAt}`,
  })),
  [EventTypes.CredentialRefused]: as<C.CredentialRefusedV1>((d) => ({ code: d.code })),
  [EventTypes.CredentialRevoked]: as<C.CredentialRevokedV1>((d) => ({
    credential: d.credentialId,
    reason: d.reason,
    ...(d.grant ? { grant: `${d.grant.kind}:${d.grant.handle}` } : {}),
  })),
  [EventTypes.GrantRevoked]: as<C.GrantRevokedV1>((d) => ({ grant: `${d.grant.kind}:${d.grant.handle}`, reason: d.reason })),
  [EventTypes.ExecutionStarted]: as<C.ExecutionStartedV1>((d) => ({ credential: d.credentialId })),
  [EventTypes.ExecutionSucceeded]: as<C.ExecutionSucceededV1>((d) => ({ status: String(d.result.status), credential: d.credentialId })),
  [EventTypes.ExecutionFailed]: as<C.ExecutionFailedV1>((d) => ({ error: d.error.code, credential: d.credentialId })),
  [EventTypes.ExecutionInDoubt]: as<C.ExecutionInDoubtV1>((d) => ({ reason: d.reason })),
  [EventTypes.ExecutionRefused]: as<C.ExecutionRefusedV1>((d) => ({ code: d.code })),
  [EventTypes.CustodyVerified]: as<C.CustodyVerifiedV1>((d) => ({ custody: d.custody.map((c) => `${c.role}=${c.identity}`).join(',') })),
  [EventTypes.AuditViolation]: as<C.AuditViolationV1>((d) => ({ violations: d.violations.map((v) => v.code).join(',') })),
  [EventTypes.MessageDeadLettered]: as<C.MessageDeadLetteredV1>((d) => ({ consumer: d.consumer, code: d.code })),
};

export interface TimelineEntry {
  sequence: number;
  time: string;
  type: string;
  signer: string;
  eventId: string;
  /** `verified`, or the trust store's rejection code. */
  signature: string;
  facts: Facts;
}

/** Facts are read only from verified events: unverified data may not even have the right shape. */
export function timelineEntry(entry: ExaminedEntry & { parsed: C.AuditRecordV1 }): TimelineEntry {
  const header = eventHeader(entry.parsed.event);
  const verification = entry.event;
  const describe = FACTS[header.type];
  return {
    sequence: entry.parsed.sequence,
    time: header.time,
    type: header.type,
    signer: header.signer,
    eventId: header.id,
    signature: verification?.ok ? 'verified' : (verification?.code ?? 'unchecked'),
    facts: verification?.ok && describe ? describe(verification.envelope.data) : {},
  };
}

/** `countersign.request.approved.v1` reads better in a table as `request.approved`. */
export function shortType(type: string): string {
  return type.replace(/^countersign\./, '').replace(/\.v\d+$/, '');
}

/** Digests are printed whole: an approver copies the digest from here into `vote --digest`. */
function formatFacts(facts: Facts): string {
  return Object.entries(facts)
    .map(([key, value]) => `${key}=${value}`)
    .join('  ');
}

export function formatTimeline(requestId: string, entries: readonly TimelineEntry[]): string[] {
  const typeWidth = Math.max(0, ...entries.map((entry) => shortType(entry.type).length));
  const signerWidth = Math.max(0, ...entries.map((entry) => entry.signer.length));
  return [
    `request ${requestId}: ${entries.length} event${entries.length === 1 ? '' : 's'}`,
    ...entries.map((entry) => {
      const mark = entry.signature === 'verified' ? '✓' : `✗ ${entry.signature}`;
      return `  #${String(entry.sequence).padEnd(5)} ${entry.time}  ${shortType(entry.type).padEnd(typeWidth)}  ${entry.signer.padEnd(signerWidth)}  ${mark}  ${formatFacts(entry.facts)}`.trimEnd();
    }),
  ];
}
