import {
  EventTypes,
  stepUpGap,
  voteProofProblem,
  voterOf,
  voteSubjectOf,
  type AuditRecordV1,
  type RequestAcceptedV1,
  type RequestApprovedV1,
  type VoteEvidence,
  type VoteSubject,
} from '@countersign/contracts';
import { eventHeader, type ExaminedEntry } from './entries';
import { receiptProblems } from './receipt';

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
  const subject = subjectOf(entries, approval, problems);
  const evidence = new Map<string, VoteEvidence>();
  const links = approval.approvers.map((approver) => {
    if (!approver.voteId) return linkFor('approver', approved, approver.id, 'policy decision, signed by the approval service');
    const vote = entries.find((entry) => {
      const header = eventHeader(entry.parsed.event);
      return header.id === approver.voteId && VOTE_TYPES.includes(header.type);
    });
    if (!vote) {
      problems.push(`vote ${approver.voteId} by ${approver.id} is not in the audit log`);
      return {
        role: 'approver' as const,
        identity: approver.id,
        eventId: approver.voteId,
        eventType: approver.via === 'slack' ? EventTypes.VoteRelayed : EventTypes.VoteCast,
        signatureVerified: false,
        note: 'vote missing',
      };
    }
    const proof = voteEvidenceOf(vote);
    if (!proof) return linkFor('approver', vote);
    evidence.set(proof.id, proof);
    const problem = voteProofProblem(approver, proof, subject);
    if (problem) problems.push(problem);
    return linkFor('approver', vote, voterOf(proof), relayNote(proof));
  });
  const gap = stepUpGap(approval, (approver) => (approver.voteId ? evidence.get(approver.voteId) : undefined));
  if (gap) problems.push(gap);
  return links;
}

/**
 * A vote as the shared proof rule reads it. An unverified vote is read too, to say what it claims;
 * it is reported as not verifying anyway, so nothing it says is believed.
 */
function voteEvidenceOf(vote: RequestEntry): VoteEvidence | undefined {
  const { id, type, signer } = eventHeader(vote.parsed.event);
  const data = vote.event?.ok ? vote.event.envelope.data : vote.parsed.event.data;
  if (typeof data !== 'object' || data === null) return undefined;
  return { id, type, signer, data } as VoteEvidence;
}

/**
 * What every counted vote must name, recomputed from the verified accepted action (its rendering
 * digest cannot be had any other way). Without one, the approval's own request and digest stand in
 * and no vote can match the rendering digest, so the gap is reported rather than passed over.
 */
function subjectOf(entries: readonly RequestEntry[], approval: RequestApprovedV1, problems: string[]): VoteSubject {
  const accepted = ofType(entries, EventTypes.RequestAccepted).find((entry) => entry.event?.ok === true);
  if (accepted?.event?.ok) return voteSubjectOf((accepted.event.envelope.data as RequestAcceptedV1).action);
  problems.push('no verified accepted request, so the votes cannot be checked against the rendering approvers were shown');
  return { requestId: approval.requestId, digest: approval.digest, renderingDigest: 'unknown' };
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
  problems.push(...receiptProblems(entries));
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
