import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import { errorMessage, parseIdentityId, type CanonicalAction, type RequestAcceptedV1 } from '@countersign/contracts';
import type { Authorization, CedarAction, Policy, Route, Verdict } from '@countersign/policy';
import { describe, type CompiledCedar } from './cedar.compile';
import { VerdictMemo } from './verdict-memo';

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
type Entity = { uid: Uid; attrs: Record<string, cedar.CedarValueJson>; parents: Uid[] };

/**
 * Asks Cedar everything the approval needs about one request: may the requester ask, may the
 * policy approve alone, and may each approver the policy names vote. Anything that goes wrong
 * (an entity Cedar refuses, an amount out of Cedar's decimal range, a policy that errors) is a
 * deny: fail closed. Each answer is asked the first time it is read: an auto-approved request
 * reads two, a request routed to people reads no AutoApprove, and a Cedar call is the cost.
 */
export function authorize(compiled: CompiledCedar, policy: Pick<Policy, 'label' | 'approvers'>, facts: RequestFacts): Authorization {
  const { requester, resource, policyPrincipal, approvers } = entitiesFor(policy, facts);
  const everyone = [requester, resource, policyPrincipal, ...approvers.values()];
  const context = { tier: facts.route.tier, breakGlass: facts.route.breakGlass, reviewOverdue: facts.route.overdue };
  const ask = (principal: Entity, action: CedarAction): Verdict => {
    // What the question can reach: its principal, the request and, through `resource.requester`,
    // the requester. Groups are never sent: they carry no data, membership is the approver's parents.
    const entities = compiled.namesEntities ? everyone : [...new Set([principal, resource, requester])];
    const call = { principal: principal.uid, action: { type: 'Action', id: action }, resource: resource.uid, context, entities };
    const evaluated = () => evaluate({ ...call, preparsedPolicySetId: compiled.setId });
    if (compiled.namesEntities) return evaluated();
    // The request's id left out (VerdictMemo says why that is sound); everything else is the key.
    const key = JSON.stringify([call.principal, action, context, entities.map((entity) => (entity === resource ? entity.attrs : entity))]);
    return memoOf(compiled).answer(key, evaluated);
  };
  return lazily<Authorization>({
    request: () => ask(requester, 'Request'),
    autoApprove: () => ask(policyPrincipal, 'AutoApprove'),
    approve: () => lazily(Object.fromEntries([...approvers].map(([id, approver]) => [id, () => ask(approver, 'Approve')]))),
  });
}

/** One memo per compiled policy set: answers are never carried over to another set, even under the same id. */
const memos = new WeakMap<CompiledCedar, VerdictMemo>();

function memoOf(compiled: CompiledCedar): VerdictMemo {
  let memo = memos.get(compiled);
  if (memo === undefined) memos.set(compiled, (memo = new VerdictMemo()));
  return memo;
}

/** The entities Cedar is told about: built once per request, each question sends those it can reach. */
function entitiesFor(policy: Pick<Policy, 'label' | 'approvers'>, facts: RequestFacts) {
  const requester: Entity = {
    uid: { type: 'Requester', id: parseIdentityId(facts.accepted.requester).name },
    attrs: facts.requesterOwner === undefined ? {} : { owner: facts.requesterOwner },
    parents: [],
  };
  const resource: Entity = {
    uid: { type: 'Request', id: facts.accepted.requestId },
    attrs: requestAttributes(facts.accepted.action, requester.uid),
    parents: [],
  };
  const policyPrincipal: Entity = {
    uid: { type: 'Policy', id: `${policy.label}@${facts.route.tier}` },
    attrs: { label: policy.label, tier: facts.route.tier },
    parents: [],
  };
  const ids = [...new Set(Object.values(policy.approvers).flat())];
  const approvers = new Map(ids.map((id) => [id, approverEntity(id, policy.approvers, facts.personOf)]));
  return { requester, resource, policyPrincipal, approvers };
}

/**
 * An object whose every property is computed the first time it is read, then remembered: a Cedar
 * call costs a few hundred microseconds and most answers are never read. Enumerable getters, so the
 * object compares and serializes as a plain one.
 */
function lazily<T extends object>(computes: { [K in keyof T]: () => T[K] }): T {
  const object = {} as T;
  for (const key of Object.keys(computes) as (keyof T & string)[]) {
    let value: { of: T[typeof key] } | undefined;
    Object.defineProperty(object, key, {
      enumerable: true,
      get: () => (value ??= { of: computes[key]() }).of,
    });
  }
  return object;
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

function approverEntity(
  id: string,
  groups: Readonly<Record<string, readonly string[]>>,
  personOf: Readonly<Record<string, string>>,
): Entity {
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
    // Sorted: Cedar's reasons come from a hash set, in an order that differs from call to call.
    const policies = [...diagnostics.reason].sort();
    return { allowed: decision === 'allow' && errors.length === 0, policies, ...(errors.length > 0 ? { errors } : {}) };
  } catch (error) {
    return { allowed: false, policies: [], errors: [errorMessage(error)] };
  }
}
