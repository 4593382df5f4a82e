import { approvalProofViolations, checkCustody, type Vote } from '@countersign/audit-domain';
import {
  EventTypes,
  voterOf,
  type AuditRecordV1,
  type Envelope,
  type RequestAcceptedV1,
  type RequestApprovedV1,
  type VoteEvidence,
} from '@countersign/contracts';
import { eventHeader, type ExaminedEntry } from './entries';
import { receiptPositionProblems } from './receipt';

type RequestEntry = ExaminedEntry & { parsed: AuditRecordV1 };
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
const FINISHED: readonly string[] = [EventTypes.ExecutionSucceeded, EventTypes.ExecutionFailed];

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
 * evidence. These links are for the reader; whether they prove anything is audit's custody rule.
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
      const eventType = approver.via === 'slack' ? EventTypes.VoteRelayed : EventTypes.VoteCast;
      return {
        role: 'approver' as const,
        identity: approver.id,
        eventId: approver.voteId,
        eventType,
        signatureVerified: false,
        note: 'vote missing',
      };
    }
    const proof = voteEvidenceOf(vote);
    return proof ? linkFor('approver', vote, voterOf(proof), relayNote(proof)) : linkFor('approver', vote);
  });
}

/**
 * A vote as it reads. An unverified vote is read too, to say what it claims; it is reported as
 * not verifying anyway, and audit's custody rule never sees it, so nothing it says is believed.
 */
function voteEvidenceOf(vote: RequestEntry): VoteEvidence | undefined {
  const { id, type, signer } = eventHeader(vote.parsed.event);
  const data = vote.event?.ok ? vote.event.envelope.data : vote.parsed.event.data;
  if (typeof data !== 'object' || data === null) return undefined;
  return { id, type, signer, data } as VoteEvidence;
}

const verifiedEnvelopes = (entries: readonly RequestEntry[]): Envelope[] =>
  entries.flatMap((entry) => (entry.event?.ok ? [entry.event.envelope] : []));

/**
 * Audit's own custody rule (checkCustody), so the offline verifier and the service cannot disagree.
 * A chain still in progress is judged on what it holds: the approval's proof now, the rest when
 * the execution has finished.
 */
function custodyProblems(entries: readonly RequestEntry[]): string[] {
  const envelopes = verifiedEnvelopes(entries);
  const verdict = checkCustody(envelopes);
  if (verdict.ok) return [];
  const finished = envelopes.some((event) => FINISHED.includes(event.type));
  if (!verdict.incomplete || finished) return verdict.violations.map((violation) => violation.message);
  const last = (type: string) => envelopes.filter((event) => event.type === type).at(-1);
  const approved = last(EventTypes.RequestApproved) as Envelope<RequestApprovedV1> | undefined;
  if (!approved) return [];
  // What every counted vote must name is recomputed from the accepted action (its rendering too).
  const accepted = last(EventTypes.RequestAccepted) as Envelope<RequestAcceptedV1> | undefined;
  if (!accepted) return ['no verified accepted request, so the votes cannot be checked against the rendering approvers were shown'];
  const counted = new Set(approved.data.approvers.map((approver) => approver.voteId));
  const votes = envelopes.filter((event) => VOTE_TYPES.includes(event.type) && counted.has(event.id)) as Vote[];
  return approvalProofViolations({ accepted, approved, votes }).map((violation) => violation.message);
}

function relayNote(vote: VoteEvidence): string | undefined {
  if (vote.type !== EventTypes.VoteRelayed) return undefined;
  const { signer } = vote;
  if (!signer.startsWith('channel:')) return `relayed by ${signer}, not a channel`;
  return `voted via ${signer.slice('channel:'.length)}, relayed by ${signer}, Slack user ${vote.data.slack.userId}`;
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
  problems.push(...custodyProblems(entries), ...receiptPositionProblems(entries));
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
