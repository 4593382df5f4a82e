import { SERVICE_IDS } from '@countersign/contracts';
import { actorOf, ms, requestResource, userOf, type Rendering, type SignedEvent } from './assemble';
import { Classes, type SeverityId } from './ocsf';

/**
 * One mapping per Countersign event type: the OCSF class and activity it renders as, and why, is in
 * docs/siem.md ("OCSF mapping"). Each mapping reads only the signed event; assemble() adds the
 * metadata and the provenance that ties the rendering to the audit chain.
 */
export type Mapping = (event: SignedEvent) => Rendering;

const text = (data: Record<string, unknown>, key: string): string | undefined => (typeof data[key] === 'string' ? data[key] : undefined);
const requestOf = (event: SignedEvent) => text(event.data, 'requestId');
/** The credential is always minted for the executor (the broker seals it to the executor's key). */

/** A call on Countersign's API by the signer (a submission, a vote) or by a service on its behalf. */
function api(event: SignedEvent, operation: string, actor = event.signer): Record<string, unknown> {
  return {
    actor: actorOf(actor),
    api: { operation, ...(requestOf(event) ? { request: { uid: requestOf(event) } } : {}) },
    // No network address is signed into events; the signing identity is the source we can vouch for.
    src_endpoint: { name: event.signer },
    resources: requestResource(requestOf(event)),
  };
}

/** A state change of the approval request that a service decided (no API caller). */
function entity(event: SignedEvent, state: string): Record<string, unknown> {
  const requestId = requestOf(event);
  return {
    actor: actorOf(event.signer),
    entity: { uid: requestId ?? event.id, type: 'approval_request', name: `request ${requestId ?? event.id}`, data: { state } },
  };
}

function failure(event: SignedEvent): { id: 2; code: string; detail?: string } {
  const code = text(event.data, 'code') ?? 'failed';
  const message = text(event.data, 'message');
  return { id: 2, code, ...(message ? { detail: message } : {}) };
}

const apiActivity = (activity: 1 | 2 | 3 | 99, operation: string, extra: Partial<Rendering> = {}): Mapping => {
  return (event) => ({
    cls: Classes.apiActivity,
    activity,
    severity: 1,
    message: `${event.signer}: ${operation} ${requestOf(event) ?? ''}`.trim(),
    fields: api(event, operation),
    ...extra,
  });
};

const requestUpdate =
  (state: string, status: (event: SignedEvent) => Rendering['status'] = () => ({ id: 1 }), severity: SeverityId = 1): Mapping =>
  (event) => ({
    cls: Classes.entityManagement,
    activity: 3,
    severity,
    status: status(event),
    message: `request ${requestOf(event) ?? ''} ${state}`,
    fields: entity(event, state),
  });

function vote(outcome: 'cast' | 'recorded' | 'rejected'): Mapping {
  return (event) => {
    const voter = text(event.data, 'voter') ?? text(event.data, 'approver') ?? event.signer;
    const decision = text(event.data, 'decision');
    const rejected = outcome === 'rejected';
    return {
      cls: Classes.apiActivity,
      activity: 3,
      severity: rejected ? 2 : 1,
      ...(outcome === 'cast' ? {} : { status: rejected ? failure(event) : { id: 1 } }),
      // The vote's value stays out of status_id, so a "deny" vote is not mistaken for a failure.
      message: `vote ${outcome}${decision ? ` (${decision})` : ''} by ${voter} on request ${requestOf(event) ?? ''}`,
      fields: { ...api(event, 'vote', voter) },
    };
  };
}

/** Privileges a Countersign credential grants: executing exactly one approved request. */
const privilegesOf = (event: SignedEvent) => [`countersign:execute:${requestOf(event) ?? 'unknown'}`];

const credentialIssued: Mapping = (event) => ({
  cls: Classes.authorizeSession,
  activity: 1,
  severity: 1,
  status: { id: 1 },
  message: `credential ${text(event.data, 'credentialId')} issued to ${text(event.data, 'executor') ?? SERVICE_IDS.executor} for request ${requestOf(event)}`,
  fields: {
    actor: actorOf(event.signer),
    user: userOf(text(event.data, 'executor') ?? SERVICE_IDS.executor),
    privileges: privilegesOf(event),
    session: {
      uid: text(event.data, 'credentialId'),
      issuer: event.signer,
      created_time: ms(text(event.data, 'issuedAt') ?? event.time),
      expiration_time: ms(text(event.data, 'expiresAt') ?? event.time),
    },
  },
});

const credentialRefused: Mapping = (event) => ({
  cls: Classes.authorizeSession,
  activity: 1,
  severity: 3,
  status: failure(event),
  message: `credential refused for request ${requestOf(event)}: ${text(event.data, 'code')}`,
  fields: { actor: actorOf(event.signer), user: userOf(SERVICE_IDS.executor), privileges: privilegesOf(event) },
});

const credentialRevoked: Mapping = (event) => ({
  cls: Classes.userAccessManagement,
  activity: 2,
  severity: 1,
  status: { id: 1 },
  message: `credential ${text(event.data, 'credentialId')} revoked (${text(event.data, 'reason')})`,
  fields: { actor: actorOf(event.signer), user: userOf(SERVICE_IDS.executor), privileges: privilegesOf(event) },
});

/** The system-side grant (a PostgreSQL role, an SSH certificate) is gone: the same revocation, on the target. */
const grantRevoked: Mapping = (event) => {
  const grant = event.data.grant as { kind?: unknown; handle?: unknown } | undefined;
  return {
    ...credentialRevoked(event),
    message: `${String(grant?.kind)} grant ${String(grant?.handle)} on ${text(event.data, 'target')} revoked (${text(event.data, 'reason')})`,
  };
};

function execution(phase: 'started' | 'succeeded' | 'failed' | 'indoubt' | 'refused'): Mapping {
  return (event) => {
    const result = event.data.result as { status?: unknown } | undefined;
    const status: Rendering['status'] =
      phase === 'succeeded'
        ? { id: 1 }
        : phase === 'started'
          ? { id: 99, label: 'Started' }
          : phase === 'indoubt'
            ? { id: 99, label: 'In Doubt', detail: text(event.data, 'reason') ?? 'no recorded result' }
            : phase === 'failed'
              ? failureOf(event.data.error)
              : failure(event);
    return {
      cls: Classes.apiActivity,
      activity: 99,
      activityLabel: 'Execute',
      severity: phase === 'indoubt' || phase === 'refused' ? 3 : phase === 'failed' ? 2 : 1,
      status,
      message: `execution ${phase} for request ${requestOf(event)}`,
      fields: {
        ...api(event, 'execute'),
        ...(typeof result?.status === 'number' ? { http_response: { code: result.status } } : {}),
      },
    };
  };
}

function failureOf(error: unknown): { id: 2; code: string; detail?: string } {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return { id: 2, code: typeof code === 'string' ? code : 'failed', ...(typeof message === 'string' ? { detail: message } : {}) };
}

/** A finding an analyst must look at; `uid` groups the records of one finding (create, update, close). */
function finding(
  title: string,
  uid: (event: SignedEvent) => string,
  severity: SeverityId,
  activity: 1 | 2 | 3 = 1,
  types?: (event: SignedEvent) => string[],
): Mapping {
  return (event) => ({
    cls: Classes.detectionFinding,
    activity,
    severity,
    findingStatus: activity === 3 ? 4 : activity === 2 ? 2 : 1,
    message: `${title}${requestOf(event) ? ` (request ${requestOf(event)})` : ''}`,
    fields: {
      finding_info: {
        uid: uid(event),
        title,
        created_time: ms(event.time),
        ...(types ? { types: types(event) } : {}),
      },
      resources: requestResource(requestOf(event)),
    },
  });
}

const violationCodes = (event: SignedEvent): string[] =>
  Array.isArray(event.data.violations) ? (event.data.violations as Array<{ code?: unknown }>).map((v) => String(v.code)) : [];
const FINDING_TITLES: Readonly<Record<string, string>> = {
  vote_refused: 'Vote refused by approval',
  replay: 'Replayed or stale message refused',
  dead_letter: 'Message dead-lettered',
};
const FINDING_SEVERITIES: Readonly<Record<string, SeverityId>> = { low: 2, medium: 3, high: 4 };

/** Audit's own finding (not a custody violation): its kind is the title, its severity OCSF's. */
const auditFinding: Mapping = (event) => {
  const kind = text(event.data, 'kind') ?? 'unknown';
  const severity = FINDING_SEVERITIES[text(event.data, 'severity') ?? ''] ?? 3;
  const types = (e: SignedEvent) => [kind, text(e.data, 'code') ?? 'unknown'];
  return finding(FINDING_TITLES[kind] ?? `Audit finding ${kind}`, (e) => `countersign-finding-${e.id}`, severity, 1, types)(event);
};

const reviewUid = (event: SignedEvent) => `countersign-review-${requestOf(event) ?? event.id}`;

export const MAPPINGS: Readonly<Record<string, Mapping>> = {
  'countersign.request.submitted.v1': apiActivity(1, 'submit_request'),
  'countersign.vote.cast.v1': vote('cast'),
  'countersign.vote.relayed.v1': vote('cast'),
  'countersign.request.accepted.v1': requestUpdate('accepted'),
  'countersign.request.rejected.v1': requestUpdate('rejected', (event) => ({ id: 2, code: 'rejected', detail: errorsOf(event) }), 2),
  'countersign.requester.notified.v1': apiActivity(99, 'notify_requester', { activityLabel: 'Notify', status: { id: 1 } }),
  'countersign.approval.requested.v1': requestUpdate('awaiting_approval'),
  'countersign.vote.recorded.v1': vote('recorded'),
  'countersign.vote.rejected.v1': vote('rejected'),
  'countersign.request.approved.v1': requestUpdate('approved'),
  'countersign.request.denied.v1': requestUpdate('denied'),
  'countersign.request.expired.v1': requestUpdate('expired'),
  'countersign.approval.escalated.v1': requestUpdate('escalated'),
  'countersign.review.required.v1': finding('Break-glass approval awaits review', reviewUid, 4, 1),
  'countersign.review.escalated.v1': finding('Break-glass review escalated', reviewUid, 4, 2),
  'countersign.review.overdue.v1': finding('Break-glass review overdue', reviewUid, 4, 2),
  'countersign.review.completed.v1': finding('Break-glass review completed', reviewUid, 1, 3),
  'countersign.credential.issued.v1': credentialIssued,
  'countersign.credential.refused.v1': credentialRefused,
  'countersign.credential.revoked.v1': credentialRevoked,
  'countersign.grant.revoked.v1': grantRevoked,
  'countersign.execution.started.v1': execution('started'),
  'countersign.execution.succeeded.v1': execution('succeeded'),
  'countersign.execution.failed.v1': execution('failed'),
  'countersign.execution.indoubt.v1': execution('indoubt'),
  'countersign.execution.refused.v1': execution('refused'),
  'countersign.audit.violation.v1': finding('Chain of custody violated', (e) => `countersign-violation-${e.id}`, 5, 1, violationCodes),
  'countersign.audit.finding.v1': auditFinding,
  'countersign.custody.verified.v1': apiActivity(2, 'verify_custody', { status: { id: 1 } }),
  'countersign.audit.receipt.v1': apiActivity(2, 'record_approval', { status: { id: 1 } }),
  'countersign.message.deadlettered.v1': finding(
    'Message dead-lettered',
    (e) => `countersign-deadletter-${e.id}`,
    3,
    1,
    (e) => [text(e.data, 'code') ?? 'unknown'],
  ),
};

function errorsOf(event: SignedEvent): string {
  const errors = Array.isArray(event.data.errors) ? (event.data.errors as Array<{ path?: unknown; code?: unknown }>) : [];
  return errors.map((error) => `${String(error.path)}: ${String(error.code)}`).join('; ') || 'rejected';
}

/**
 * A type this version does not know (a newer finding type, say) still reaches the SIEM: as a
 * Detection Finding when its name says it is one (severity from its data when it has a valid one),
 * otherwise as API Activity "Other" labelled with the type.
 */
export function fallbackMapping(event: SignedEvent): Rendering {
  if (/\.(finding|violation|alert)\./.test(event.type)) {
    const declared = Number(event.data.severityId ?? event.data.severity_id);
    const severity = ([1, 2, 3, 4, 5] as const).find((id) => id === declared) ?? 3;
    return finding(event.type, (e) => `countersign-finding-${e.id}`, severity, 1)(event);
  }
  return apiActivity(99, event.type, { activityLabel: event.type })(event);
}
