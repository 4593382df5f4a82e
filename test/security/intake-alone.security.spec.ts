import { randomUUID } from 'node:crypto';
import {
  EventTypes,
  type AuditViolationV1,
  type CredentialRefusedV1,
  type Envelope,
  type RequestAcceptedV1,
  type RequestApprovedV1,
  type RequestSubmittedV1,
} from '@countersign/contracts';
import { effectsAt, approvalRequested, outcomeOf } from '@countersign/e2e';
import { recordAttack } from './report';
import { compromisedScenario, type CompromisedScenario } from './support/compromised';
import { attackEffects } from './support/evidence';
import { latest } from './support/forgery';

jest.setTimeout(240_000);

const SUITE = 'intake-alone';
const LAYER = 'domain';

/**
 * Waits until the broker refused the forged request and audit flagged it, records the attack's row
 * (rejected when refused with `code` and nothing was issued or run), and returns what happened.
 */
async function judged(suite: CompromisedScenario, requestId: string, legitimate: ReadonlySet<string>, attack: string, code: string) {
  const { s, evidence } = suite;
  const refusalOf = () => evidence.events({ type: EventTypes.CredentialRefused, requestId }).at(0)?.data as CredentialRefusedV1 | undefined;
  const violationOf = () => evidence.events({ type: EventTypes.AuditViolation, requestId }).at(0)?.data as AuditViolationV1 | undefined;
  await evidence.waitFor(() => refusalOf() !== undefined && violationOf() !== undefined, 60_000, 15_000);
  await evidence.settle();

  const approval = evidence.events({ type: EventTypes.RequestApproved, requestId }).at(0) as Envelope<RequestApprovedV1> | undefined;
  const refusal = refusalOf();
  const issued = evidence.events({ type: EventTypes.CredentialIssued, requestId }).length;
  const effects = (await effectsAt(s.stack, requestId)).length;
  const audited = violationOf()?.violations.some((v) => v.code === 'approval_unproven') === true;
  recordAttack({
    suite: SUITE,
    attack,
    layer: LAYER,
    tried: 1,
    rejected: refusal?.code === code && issued === 0 && effects === 0 ? 1 : 0,
    auditable: 1,
    audited: audited ? 1 : 0,
    executions: await attackEffects(s.stack, legitimate),
    notes: [
      `approval: ${approval ? `${approval.data.mode} ${approval.data.policy.tier}` : 'none'}`,
      `${refusal?.code ?? 'no refusal'}: ${refusal?.message ?? ''}`.slice(0, 240),
    ],
  });
  return { approval, refusal, issued, effects, audited };
}

/**
 * The intake service compromised: its own signing key and its own NATS user publish a
 * `request.accepted` for a production request relabelled as staging, internal data, with the digest
 * computed over the mislabelled action so it is self-consistent. Approval, which trusts intake's
 * facts, may auto-approve it; the broker resolves the target against its own registry, refuses
 * (`registry_mismatch`), nothing runs, and audit flags the refusal.
 */
describe('intake acting alone: a production request relabelled as staging', () => {
  const suite = compromisedScenario();
  const legitimate = new Set<string>();

  it('is auto-approved on the mislabel, but refused by the broker: nothing issued or run, audit violation', async () => {
    const { s, attacker, evidence } = suite;
    // An honest production request first, for the registry's own facts about demo-target.
    const honest = await s.deployBot.submit(
      { kind: 'http.request', target: 'demo-target', parameters: { method: 'POST', path: '/deploy', body: { version: 'honest' } } },
      'production, as registered',
    );
    await approvalRequested(s.audit, honest.requestId);
    const registered = latest<RequestAcceptedV1>(evidence, EventTypes.RequestAccepted, honest.requestId).data.action;
    expect(registered).toMatchObject({ environment: 'production', dataSensitivity: 'confidential' });

    const requestId = randomUUID();
    const relabelled = { ...registered, requestId, environment: 'staging', dataSensitivity: 'internal' as const };
    const accepted = await attacker.accept(relabelled, 'requester:deploy-bot', 'intake says this is staging');

    const { approval, refusal, issued, effects, audited } = await judged(
      suite,
      requestId,
      legitimate,
      'intake alone: accepted a production demo-target request relabelled staging/internal (digest over the mislabel)',
      'registry_mismatch',
    );

    // Approval trusted intake's facts: the policy's low-risk tier approved the mislabelled request.
    expect(approval?.data).toMatchObject({ mode: 'auto', digest: accepted.data.digest, policy: { tier: 'low-risk' } });
    expect(refusal).toMatchObject({ code: 'registry_mismatch', approvalEventId: approval?.id });
    expect(refusal?.message).toContain('environment_mismatch: the target registry says demo-target is production, not staging');
    expect(refusal?.message).toContain('sensitivity_mismatch: the target registry says demo-target holds confidential data, not internal');
    expect({ issued, effects }).toStrictEqual({ issued: 0, effects: 0 });
    expect(evidence.events({ type: EventTypes.ExecutionStarted, requestId })).toEqual([]);
    expect(audited).toBe(true);
  });

  it('still runs an honest staging request on the target registered as staging', async () => {
    const { s, evidence } = suite;
    const { requestId } = await s.deployBot.submit(
      { kind: 'http.request', target: 'demo-staging', parameters: { method: 'POST', path: '/deploy', body: { version: 'staging' } } },
      'staging, as registered',
    );
    legitimate.add(requestId);
    await outcomeOf(s.deployBot, requestId, 'executed', 60_000);
    expect(await effectsAt(s.stack, requestId)).toHaveLength(1);
    expect(evidence.events({ type: EventTypes.CredentialRefused, requestId })).toEqual([]);
  });
});

/**
 * The intake service compromised again, now inventing the request itself: an auto-tier staging
 * request (demo-staging, the registry's own facts, so registry_mismatch cannot catch it) in
 * deploy-bot's name, (a) with no submission behind it, (b) with a submission signed by another
 * requester, (c) with deploy-bot's genuine submission of another path. Approval auto-approves it on
 * the policy; the broker verifies the carried submission with its own trust store and refuses
 * (`submission_unproven`): nothing issued or run, and audit flags the refusal.
 */
describe('intake acting alone: a request nobody submitted', () => {
  const suite = compromisedScenario();
  const legitimate = new Set<string>();
  let registered: RequestAcceptedV1['action'] | undefined;

  beforeAll(async () => {
    const { s, evidence } = suite;
    // An honest staging request first: it runs, and gives the registry's facts about demo-staging.
    const { requestId } = await s.deployBot.submit(
      { kind: 'http.request', target: 'demo-staging', parameters: { method: 'POST', path: '/deploy', body: { version: 'honest' } } },
      'staging, as registered',
    );
    legitimate.add(requestId);
    await outcomeOf(s.deployBot, requestId, 'executed', 60_000);
    registered = latest<RequestAcceptedV1>(evidence, EventTypes.RequestAccepted, requestId).data.action;
  });

  type Action = RequestAcceptedV1['action'];
  const stated = ({ kind, target, parameters }: Action): RequestSubmittedV1['action'] => ({ kind, target, parameters });
  const attacks: [string, (requestId: string, action: Action) => Envelope<RequestSubmittedV1> | undefined, string][] = [
    ['no submission', () => undefined, 'the submission does not verify: the accepted request carries no submission'],
    [
      'a submission signed by another requester (payments-agent)',
      (requestId, action) => suite.attacker.submissionBy('requester:payments-agent', requestId, stated(action), 'not deploy-bot'),
      'is signed by requester:payments-agent, not requester:deploy-bot',
    ],
    [
      'deploy-bot’s genuine submission of another path',
      (requestId, action) => {
        const other = { ...stated(action), parameters: { method: 'POST', path: '/other' } };
        return suite.attacker.submissionBy('requester:deploy-bot', requestId, other, 'a harmless path');
      },
      'asks for another action (parameters differ)',
    ],
  ];

  it.each(attacks)(
    'is auto-approved but refused with %s: nothing issued or run, audit violation',
    async (what, submissionFor, expected) => {
      const { attacker, evidence } = suite;
      const requestId = randomUUID();
      const action = { ...registered!, requestId, parameters: { method: 'POST', path: '/deploy', body: { version: 'invented' } } };
      const accepted = await attacker.accept(action, 'requester:deploy-bot', 'intake invented this', submissionFor(requestId, action));

      const attack = `intake alone: accepted an auto-tier demo-staging request in deploy-bot's name with ${what}`;
      const { approval, refusal, issued, effects, audited } = await judged(suite, requestId, legitimate, attack, 'submission_unproven');

      expect(approval?.data).toMatchObject({ mode: 'auto', digest: accepted.data.digest });
      expect(refusal).toMatchObject({ code: 'submission_unproven', approvalEventId: approval?.id });
      expect(refusal?.message).toContain(expected);
      expect({ issued, effects }).toStrictEqual({ issued: 0, effects: 0 });
      expect(evidence.events({ type: EventTypes.ExecutionStarted, requestId })).toEqual([]);
      expect(audited).toBe(true);
    },
  );
});
