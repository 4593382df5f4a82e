import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { errorMessage, parseIdentityId, type CanonicalAction, type RequestAcceptedV1 } from '@countersign/contracts';
import type { Authorization, CedarAction, Policy, Route, Verdict } from '@countersign/policy';
import { describe, SCHEMA_ID, type CompiledCedar } from './cedar.compile';

/** What Cedar is told about one request, besides the policy's own groups. */
export interface RequestFacts {
  accepted: Pick<RequestAcceptedV1, 'requestId' | 'requester' | 'action'>;
  /** The person the registry says answers for the requester, if any. */
  requesterOwner: string | undefined;
  /** Approver identity -> person, from the registry; unlisted approvers are their own person. */
  personOf: Readonly<Record<string, string>>;
  route: Pick<Route, 'tier' | 'breakGlass' | 'overdue'>;
}

type Uid = { type: string; id: string };

/**
 * Asks Cedar everything the approval needs about one request: may the requester ask, may the
 * policy approve alone, and may each approver the policy names vote. Anything that goes wrong
 * (an entity Cedar refuses, an amount out of Cedar's decimal range, a policy that errors) is a
 * deny: fail closed.
 */
export function authorize(compiled: CompiledCedar, policy: Pick<Policy, 'label' | 'approvers'>, facts: RequestFacts): Authorization {
  const requester: Uid = { type: 'Requester', id: parseIdentityId(facts.accepted.requester).name };
  const resource: Uid = { type: 'Request', id: facts.accepted.requestId };
  const policyPrincipal: Uid = { type: 'Policy', id: `${policy.label}@${facts.route.tier}` };
  const approvers = [...new Set(Object.values(policy.approvers).flat())];
  const entities = [
    { uid: requester, attrs: facts.requesterOwner === undefined ? {} : { owner: facts.requesterOwner }, parents: [] },
    { uid: resource, attrs: requestAttributes(facts.accepted.action, requester), parents: [] },
    { uid: policyPrincipal, attrs: { label: policy.label, tier: facts.route.tier }, parents: [] },
    ...Object.keys(policy.approvers).map((group) => ({ uid: { type: 'Group', id: group }, attrs: {}, parents: [] })),
    ...approvers.map((id) => approverEntity(id, policy.approvers, facts.personOf)),
  ];
  const context = { tier: facts.route.tier, breakGlass: facts.route.breakGlass, reviewOverdue: facts.route.overdue };
  const ask = (principal: Uid, action: CedarAction): Verdict =>
    evaluate({
      principal,
      action: { type: 'Action', id: action },
      resource,
      context,
      entities,
      preparsedPolicySetId: compiled.setId,
      preparsedSchemaName: SCHEMA_ID,
      validateRequest: true,
    });
  return {
    request: ask(requester, 'Request'),
    autoApprove: ask(policyPrincipal, 'AutoApprove'),
    approve: lazyVerdicts(approvers, (id) => ask({ type: 'Approver', id: parseIdentityId(id).name }, 'Approve')),
  };
}

/**
 * One verdict per approver, each asked of Cedar the first time it is read (then remembered): an
 * auto-approved request, most of the traffic, reads none, and every Cedar call costs about a
 * millisecond. Enumerable getters, so the object compares and serializes as a plain one.
 */
function lazyVerdicts(ids: readonly string[], ask: (id: string) => Verdict): Readonly<Record<string, Verdict>> {
  const asked = new Map<string, Verdict>();
  const verdicts: Record<string, Verdict> = {};
  for (const id of ids) {
    Object.defineProperty(verdicts, id, {
      enumerable: true,
      get: () => {
        if (!asked.has(id)) asked.set(id, ask(id));
        return asked.get(id)!;
      },
    });
  }
  return verdicts;
}

function requestAttributes(action: CanonicalAction, requester: Uid): Record<string, cedar.CedarValueJson> {
  return {
    kind: action.kind,
    target: action.target,
    environment: action.environment,
    requester: { __entity: requester },
    ...(action.amount
      ? { amount: { __extn: { fn: 'decimal', arg: cedarDecimal(action.amount.value) } }, currency: action.amount.currency }
      : {}),
    ...(action.dataSensitivity ? { dataSensitivity: action.dataSensitivity } : {}),
  };
}

/** Cedar's decimal literal needs a fractional part: `10000` is written `10000.0`. */
export function cedarDecimal(value: string): string {
  return value.includes('.') ? value : `${value}.0`;
}

function approverEntity(id: string, groups: Readonly<Record<string, readonly string[]>>, personOf: Readonly<Record<string, string>>) {
  const name = parseIdentityId(id).name;
  const parents = Object.entries(groups)
    .filter(([, members]) => members.includes(id))
    .map(([group]) => ({ type: 'Group', id: group }));
  return { uid: { type: 'Approver', id: name }, attrs: { person: personOf[id] ?? name }, parents };
}

function evaluate(call: cedar.StatefulAuthorizationCall): Verdict {
  try {
    const answer = cedar.statefulIsAuthorized(call);
    if (answer.type === 'failure') return { allowed: false, policies: [], errors: answer.errors.map(describe) };
    const { decision, diagnostics } = answer.response;
    const errors = diagnostics.errors.map(({ policyId, error }) => `${policyId}: ${describe(error)}`);
    // A policy that errors is skipped by Cedar, which could turn a forbid into an allow: refuse instead.
    return { allowed: decision === 'allow' && errors.length === 0, policies: diagnostics.reason, ...(errors.length > 0 ? { errors } : {}) };
  } catch (error) {
    return { allowed: false, policies: [], errors: [errorMessage(error)] };
  }
}
