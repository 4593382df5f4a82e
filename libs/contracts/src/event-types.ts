import type { z } from 'zod';
import * as approval from './events/approval';
import * as audit from './events/audit';
import * as broker from './events/broker';
import * as executor from './events/executor';
import * as intake from './events/intake';
import * as operations from './events/operations';
import * as requester from './events/requester';
import * as review from './events/review';
import { RunAttestedV1 } from './run-attestation';
import type { IdentityKind, ServiceName } from './identity-id';

/** Who may emit a type: a kind of external party, a named service, or any service. */
export type Emitter = { kind: Exclude<IdentityKind, 'service'> } | { service: ServiceName } | { anyService: true };

interface EventTypeSpec {
  schema: z.ZodType;
  emitter: Emitter;
}

const fromService = (service: ServiceName): Emitter => ({ service });

/** The one table of event types: name, payload schema and who may sign it. */
export const EVENT_TYPES = {
  'countersign.request.submitted.v1': { schema: requester.RequestSubmittedV1, emitter: { kind: 'requester' } },
  'countersign.vote.cast.v1': { schema: requester.VoteCastV1, emitter: { kind: 'approver' } },
  'countersign.vote.relayed.v1': { schema: requester.VoteRelayedV1, emitter: { kind: 'channel' } },
  // Never published: carried inside a submission (RequestSubmittedV1.run) and verified by intake.
  'countersign.run.attested.v1': { schema: RunAttestedV1, emitter: { kind: 'requester' } },
  'countersign.request.accepted.v1': { schema: intake.RequestAcceptedV1, emitter: fromService('intake') },
  'countersign.request.rejected.v1': { schema: intake.RequestRejectedV1, emitter: fromService('intake') },
  'countersign.requester.notified.v1': { schema: intake.RequesterNotifiedV1, emitter: fromService('intake') },
  'countersign.approval.requested.v1': { schema: approval.ApprovalRequestedV1, emitter: fromService('approval') },
  'countersign.vote.recorded.v1': { schema: approval.VoteRecordedV1, emitter: fromService('approval') },
  'countersign.vote.rejected.v1': { schema: approval.VoteRejectedV1, emitter: fromService('approval') },
  'countersign.request.approved.v1': { schema: approval.RequestApprovedV1, emitter: fromService('approval') },
  'countersign.request.denied.v1': { schema: approval.RequestDeniedV1, emitter: fromService('approval') },
  'countersign.request.expired.v1': { schema: approval.RequestExpiredV1, emitter: fromService('approval') },
  'countersign.approval.escalated.v1': { schema: approval.ApprovalEscalatedV1, emitter: fromService('approval') },
  'countersign.review.required.v1': { schema: review.ReviewRequiredV1, emitter: fromService('approval') },
  'countersign.review.escalated.v1': { schema: review.ReviewEscalatedV1, emitter: fromService('approval') },
  'countersign.review.overdue.v1': { schema: review.ReviewOverdueV1, emitter: fromService('approval') },
  'countersign.review.completed.v1': { schema: review.ReviewCompletedV1, emitter: fromService('approval') },
  'countersign.credential.issued.v1': { schema: broker.CredentialIssuedV1, emitter: fromService('broker') },
  'countersign.credential.refused.v1': { schema: broker.CredentialRefusedV1, emitter: fromService('broker') },
  'countersign.credential.revoked.v1': { schema: broker.CredentialRevokedV1, emitter: fromService('broker') },
  'countersign.grant.revoked.v1': { schema: broker.GrantRevokedV1, emitter: fromService('broker') },
  'countersign.execution.started.v1': { schema: executor.ExecutionStartedV1, emitter: fromService('executor') },
  'countersign.execution.succeeded.v1': { schema: executor.ExecutionSucceededV1, emitter: fromService('executor') },
  'countersign.execution.failed.v1': { schema: executor.ExecutionFailedV1, emitter: fromService('executor') },
  'countersign.execution.indoubt.v1': { schema: executor.ExecutionInDoubtV1, emitter: fromService('executor') },
  'countersign.execution.refused.v1': { schema: executor.ExecutionRefusedV1, emitter: fromService('executor') },
  'countersign.audit.record.v1': { schema: audit.AuditRecordV1, emitter: fromService('audit') },
  'countersign.audit.violation.v1': { schema: audit.AuditViolationV1, emitter: fromService('audit') },
  'countersign.custody.verified.v1': { schema: audit.CustodyVerifiedV1, emitter: fromService('audit') },
  'countersign.audit.receipt.v1': { schema: audit.AuditReceiptV1, emitter: fromService('audit') },
  'countersign.audit.checkpoint.v1': { schema: audit.AuditCheckpointV1, emitter: fromService('audit') },
  'countersign.audit.finding.v1': { schema: audit.AuditFindingV1, emitter: fromService('audit') },
  'countersign.message.deadlettered.v1': { schema: operations.MessageDeadLetteredV1, emitter: { anyService: true } },
} as const satisfies Record<string, EventTypeSpec>;

export type EventType = keyof typeof EVENT_TYPES;
export type EventData<T extends EventType> = z.output<(typeof EVENT_TYPES)[T]['schema']>;

export const EventTypes = {
  RequestSubmitted: 'countersign.request.submitted.v1',
  VoteCast: 'countersign.vote.cast.v1',
  VoteRelayed: 'countersign.vote.relayed.v1',
  RunAttested: 'countersign.run.attested.v1',
  RequestAccepted: 'countersign.request.accepted.v1',
  RequestRejected: 'countersign.request.rejected.v1',
  RequesterNotified: 'countersign.requester.notified.v1',
  ApprovalRequested: 'countersign.approval.requested.v1',
  VoteRecorded: 'countersign.vote.recorded.v1',
  VoteRejected: 'countersign.vote.rejected.v1',
  RequestApproved: 'countersign.request.approved.v1',
  RequestDenied: 'countersign.request.denied.v1',
  RequestExpired: 'countersign.request.expired.v1',
  ApprovalEscalated: 'countersign.approval.escalated.v1',
  ReviewRequired: 'countersign.review.required.v1',
  ReviewEscalated: 'countersign.review.escalated.v1',
  ReviewOverdue: 'countersign.review.overdue.v1',
  ReviewCompleted: 'countersign.review.completed.v1',
  CredentialIssued: 'countersign.credential.issued.v1',
  CredentialRefused: 'countersign.credential.refused.v1',
  CredentialRevoked: 'countersign.credential.revoked.v1',
  GrantRevoked: 'countersign.grant.revoked.v1',
  ExecutionStarted: 'countersign.execution.started.v1',
  ExecutionSucceeded: 'countersign.execution.succeeded.v1',
  ExecutionFailed: 'countersign.execution.failed.v1',
  ExecutionInDoubt: 'countersign.execution.indoubt.v1',
  ExecutionRefused: 'countersign.execution.refused.v1',
  AuditRecord: 'countersign.audit.record.v1',
  AuditViolation: 'countersign.audit.violation.v1',
  CustodyVerified: 'countersign.custody.verified.v1',
  AuditReceipt: 'countersign.audit.receipt.v1',
  AuditCheckpoint: 'countersign.audit.checkpoint.v1',
  AuditFinding: 'countersign.audit.finding.v1',
  MessageDeadLettered: 'countersign.message.deadlettered.v1',
} as const satisfies Record<string, EventType>;

/** `countersign.request.approved.v1` -> `request.approved`: a type without its namespace and version. */
export const shortEventType = (type: string): string => type.replace(/^countersign\./, '').replace(/\.v\d+$/, '');

export function isEventType(type: string): type is EventType {
  return Object.prototype.hasOwnProperty.call(EVENT_TYPES, type);
}

/** Whether an identity of this kind and name may sign events of this type. */
export function mayEmit(type: EventType, kind: IdentityKind, name: string): boolean {
  const emitter: Emitter = EVENT_TYPES[type].emitter;
  if ('anyService' in emitter) return kind === 'service';
  if ('service' in emitter) return kind === 'service' && name === emitter.service;
  return kind === emitter.kind;
}
