import { EventTypes, type AuditRecordV1, type RequestApprovedV1, type VoteCastV1, type VoteRelayedV1 } from '@countersign/contracts';
import { eventHeader, type ExaminedEntry } from './entries';

type RequestEntry = ExaminedEntry & { parsed: AuditRecordV1 };
type Approver = RequestApprovedV1['approvers'][number];
export type CustodyRole = 'requester' | 'approver' | 'broker' | 'executor';

export interface CustodyLink {
  role: CustodyRole;
  identity: string;
  eventId: string;
  eventType: string;
  signatureVerified: boolean;
  note?: string;
}

export interface CustodyReport {
  requestId: string;
  links: CustodyLink[];
  missing: CustodyRole[];
  distinct: boolean;
  digests: string[];
  executed: boolean;
  problems: string[];
  ok: boolean;
}

/** Events whose data carries the action digest; all of them must name the same one. */
const DIGEST_BEARING: readonly string[] = [
  EventTypes.RequestAccepted,
  EventTypes.RequestApproved,
  EventTypes.CredentialIssued,
  EventTypes.ExecutionStarted,
  EventTypes.ExecutionSucceeded,
  EventTypes.ExecutionFailed,
];

/** The events that can prove an approver's vote: signed by the approver, or relayed by a channel. */
const VOTE_TYPES: readonly string[] = [EventTypes.VoteCast, EventTypes.VoteRelayed];

const ofType = (entries: readonly RequestEntry[], type: string) => entries.filter((entry) => eventHeader(entry.parsed.event).type === type);

function linkFor(role: CustodyRole, entry: RequestEntry, identity?: string, note?: string): CustodyLink {
  const header = eventHeader(entry.parsed.event);
  return {
    role,
    identity: identity ?? header.signer,
    eventId: header.id,
    eventType: header.type,
    signatureVerified: entry.event?.ok === true,
    ...(note ? { note } : {}),
  };
}

/**
 * Approvers come from the approval event, which only counts if its signature verifies. A human
 * approver is shown by the vote they signed, or by the vote a channel (the Slack edge) relayed for
 * them; a policy approval has no vote, so the approval event (signed by service:approval) is its
 * evidence.
 */
function approverLinks(entries: readonly RequestEntry[], problems: string[]): CustodyLink[] {
  const approved = ofType(entries, EventTypes.RequestApproved).at(-1);
  if (!approved) return [];
  if (!approved.event?.ok) {
    problems.push('the approval event does not verify, so its approvers cannot be believed');
    return [];
  }
  const approval = approved.event.envelope.data as RequestApprovedV1;
  return approval.approvers.map((approver) => {
    if (!approver.voteId) return linkFor('approver', approved, approver.id, 'policy decision, signed by the approval service');
    const vote = entries.find((entry) => {
      const header = eventHeader(entry.parsed.event);
      return header.id === approver.voteId && VOTE_TYPES.includes(header.type);
    });
    if (!vote) {
      problems.push(`vote ${approver.voteId} by ${approver.id} is not in the audit log`);
      return {
        role: 'approver',
        identity: approver.id,
        eventId: approver.voteId,
        eventType: approver.via === 'slack' ? EventTypes.VoteRelayed : EventTypes.VoteCast,
        signatureVerified: false,
        note: 'vote missing',
      };
    }
    // A vote's data is only read once its signature verifies; an unverified vote is reported as such.
    const data = vote.event?.ok ? (vote.event.envelope.data as VoteCastV1 | VoteRelayedV1) : undefined;
    if (data) problems.push(...voteContentProblems(approval, eventHeader(vote.parsed.event).id, data));
    return eventHeader(vote.parsed.event).type === EventTypes.VoteRelayed
      ? relayedVoteLink(vote, data as VoteRelayedV1 | undefined, approval, approver, problems)
      : signedVoteLink(vote, approver, problems);
  });
}

/** A vote proves an approval only if it approved this request's action, whoever signed it. */
function voteContentProblems(approval: RequestApprovedV1, voteId: string, vote: VoteCastV1 | VoteRelayedV1): string[] {
  return [
    ...(vote.requestId === approval.requestId ? [] : [`vote ${voteId} is about request ${vote.requestId}, not ${approval.requestId}`]),
    ...(vote.digest === approval.digest ? [] : [`vote ${voteId} names digest ${vote.digest}, not the approved ${approval.digest}`]),
    ...(vote.decision === 'approve' ? [] : [`vote ${voteId} was a ${vote.decision}, not an approval`]),
  ];
}

/** A vote signed with the approver's own key: the signer is the approver. */
function signedVoteLink(vote: RequestEntry, approver: Approver, problems: string[]): CustodyLink {
  const { id, signer } = eventHeader(vote.parsed.event);
  if (signer !== approver.id) problems.push(`approval names ${approver.id} but vote ${id} was signed by ${signer}`);
  if (approver.via !== undefined && approver.via !== 'signed')
    problems.push(`the approval says ${approver.id} voted via ${approver.via}, but vote ${id} was signed by ${signer}`);
  return linkFor('approver', vote);
}

/**
 * A vote a channel relayed proves that the channel (signed by it) said the approver it names clicked;
 * the link is the approver's, with the channel and the Slack user in the note. On a step-up tier
 * that is not enough: only a vote signed with the approver's own key counts there.
 */
function relayedVoteLink(
  vote: RequestEntry,
  data: VoteRelayedV1 | undefined,
  approval: RequestApprovedV1,
  approver: Approver,
  problems: string[],
): CustodyLink {
  const { id, signer } = eventHeader(vote.parsed.event);
  const channel = signer.startsWith('channel:') ? signer.slice('channel:'.length) : undefined;
  if (channel === undefined) problems.push(`vote ${id} for ${approver.id} was relayed by ${signer}, which is not a channel`);
  if (data && data.approver !== approver.id)
    problems.push(`approval names ${approver.id} but vote ${id} was relayed by ${signer} for ${data.approver}`);
  if (approver.via === 'signed') problems.push(`the approval says ${approver.id} signed vote ${id}, but ${signer} relayed it`);
  if (approval.stepUp === true)
    problems.push(
      `step-up tier ${approval.policy.tier} approved by a Slack click: vote ${id} by ${approver.id} was relayed by ${signer}, not signed with the approver's own key`,
    );
  const who = data ? `, Slack user ${data.slack.userId}` : '';
  const note = channel === undefined ? `relayed by ${signer}, not a channel` : `voted via ${channel}, relayed by ${signer}${who}`;
  return linkFor('approver', vote, approver.id, note);
}

function digestsOf(entries: readonly RequestEntry[]): string[] {
  const digests = entries.flatMap((entry) => {
    if (!entry.event?.ok || !DIGEST_BEARING.includes(entry.event.type)) return [];
    const digest = (entry.event.envelope.data as { digest?: unknown }).digest;
    return typeof digest === 'string' ? [digest] : [];
  });
  return [...new Set(digests)];
}

/**
 * The proof the product promises: who requested, who approved, who issued the credential and who
 * executed, each shown by an event whose signature verifies offline, and no identity in two roles.
 */
export function chainOfCustody(requestId: string, entries: readonly RequestEntry[]): CustodyReport {
  const problems: string[] = [];
  const first = (type: string) => ofType(entries, type)[0];
  const submitted = first(EventTypes.RequestSubmitted);
  const issued = first(EventTypes.CredentialIssued);
  const started = first(EventTypes.ExecutionStarted);
  const links = [
    ...(submitted ? [linkFor('requester', submitted)] : []),
    ...approverLinks(entries, problems),
    ...(issued ? [linkFor('broker', issued)] : []),
    ...(started ? [linkFor('executor', started)] : []),
  ];
  const roles: CustodyRole[] = ['requester', 'approver', 'broker', 'executor'];
  const missing = roles.filter((role) => !links.some((link) => link.role === role));
  const identities = links.map((link) => link.identity);
  const distinct = new Set(identities).size === identities.length;
  const digests = digestsOf(entries);
  const executed = started !== undefined;
  if (!distinct) problems.push(`an identity holds more than one role: ${identities.join(', ')}`);
  if (digests.length > 1) problems.push(`events name different action digests: ${digests.join(', ')}`);
  if (executed && missing.length > 0) problems.push(`executed without a recorded ${missing.join(', ')}`);
  for (const link of links.filter((candidate) => !candidate.signatureVerified))
    problems.push(`the ${link.role} event ${link.eventId} does not verify`);
  return { requestId, links, missing, distinct, digests, executed, problems: [...new Set(problems)], ok: problems.length === 0 };
}

export function formatCustody(report: CustodyReport): string[] {
  const verdict = report.ok ? (report.executed ? 'OK' : 'OK so far (not executed)') : 'VIOLATION';
  const width = Math.max(0, ...report.links.map((link) => link.identity.length));
  return [
    `chain of custody for request ${report.requestId}: ${verdict}`,
    ...report.links.map(
      (link) =>
        `  ${link.role.padEnd(9)} ${link.identity.padEnd(width)}  event ${link.eventId}  signature ${link.signatureVerified ? 'verified' : 'NOT VERIFIED'}${link.note ? `  (${link.note})` : ''}`,
    ),
    ...(report.missing.length > 0 ? [`  not yet recorded: ${report.missing.join(', ')}`] : []),
    `  identities distinct: ${report.distinct ? 'yes' : 'NO'}`,
    `  action digest: ${report.digests.length === 0 ? '-' : report.digests.join(' ≠ ')}`,
    ...report.problems.map((problem) => `  problem: ${problem}`),
  ];
}
