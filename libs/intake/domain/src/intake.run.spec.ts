import { EventTypes, RequestAcceptedV1, type AgentContext, type FieldError, type RunAttestedV1 } from '@countersign/contracts';
import { fixtureEnvelope } from '@countersign/contracts/testing';
import { DeciderSpecification } from '@countersign/decider/testing';
import type { CheckedRun, HandleSubmission, RequesterRegistration } from './intake.commands';
import {
  acceptedEvents,
  canonicalAction,
  handleSubmission,
  NOW,
  rejectedEvents,
  REQUESTER,
  SUBMISSION_ID,
  submissionEnvelope,
  submissionPayload,
} from './testing/intake.fixtures';
import { intakeDecider } from './index';

const spec = DeciderSpecification(intakeDecider);
const action = submissionPayload().action;
const RUN_ID = 'run-2026-11-21-0042';

/** deploy-bot as an agent workload: one scope that fits the fixture action, and three that each miss one part. */
const workload: RequesterRegistration = {
  registered: true,
  allowedKinds: ['http.request', 'payment.transfer'],
  allowedEnvironments: ['dev', 'staging'],
  workload: {
    agent: 'claude-code',
    environment: 'staging',
    taskScopes: [
      { name: 'refresh-billing', kinds: ['http.request'], targets: ['billing-api'], environments: ['staging'] },
      { name: 'payments', kinds: ['payment.transfer'], targets: ['billing-api'], environments: ['staging'] },
      { name: 'prod-db-only', kinds: ['http.request'], targets: ['prod-db'], environments: ['staging'] },
      { name: 'dev-only', kinds: ['http.request'], targets: ['billing-api'], environments: ['dev'] },
    ],
  },
};

const attestation = (overrides: Partial<RunAttestedV1> = {}): RunAttestedV1 => ({
  runId: RUN_ID,
  workload: REQUESTER,
  taskScope: 'refresh-billing',
  onBehalfOf: 'approver:dave',
  issuedAt: '2026-11-21T09:30:00.000Z',
  expiresAt: '2026-11-21T10:30:00.000Z',
  ...overrides,
});

/** What the shell hands over after the trust store verified the run: its signer and its data. */
const verified = (data = attestation(), signer = REQUESTER): CheckedRun => ({ ok: true, signer, attestation: data });

const runEnvelope = (data = attestation(), signer = REQUESTER) =>
  fixtureEnvelope({ id: '9c1d2e3f-4a5b-4c6d-8e7f-0a1b2c3d4e5f', type: EventTypes.RunAttested, signer, time: data.issuedAt, data });

/** A workload's submission of the fixture action carrying a run (the envelope as signed). */
function submission(run: CheckedRun | undefined, overrides: Partial<HandleSubmission> = {}, payloadAction = action): HandleSubmission {
  const payload = submissionPayload({ action: payloadAction, run: runEnvelope() });
  return handleSubmission({ registration: workload, payload, ...(run ? { run } : {}), ...overrides });
}

const agent: AgentContext = {
  workload: REQUESTER,
  runId: RUN_ID,
  taskScope: 'refresh-billing',
  onBehalfOf: 'approver:dave',
  runExpiresAt: '2026-11-21T10:30:00.000Z',
};

const refused = (command: HandleSubmission, errors: FieldError[]) =>
  rejectedEvents(errors, { submission: submissionEnvelope(SUBMISSION_ID, command.payload) });

describe('intake decider: verification before approval (agent workloads and their runs)', () => {
  it('accepts a workload submission whose run verifies and fits, and puts the agent context on the wire', () => {
    const command = submission(verified());
    const [accepted, notified] = acceptedEvents(SUBMISSION_ID, canonicalAction(), command.payload);
    spec
      .given([])
      .when(command)
      .then([{ ...accepted, data: { ...accepted.data, agent } }, notified]);
  });

  it('emits an accepted request with an agent that satisfies the wire contract', () => {
    const [accepted] = intakeDecider.decide(submission(verified()), intakeDecider.initialState());
    expect(RequestAcceptedV1.safeParse(accepted?.data).success).toBe(true);
  });

  it('accepts a run until the instant before it expires', () => {
    const command = submission(verified(attestation({ expiresAt: '2026-11-21T10:00:00.001Z' })));
    const [accepted] = intakeDecider.decide(command, intakeDecider.initialState());
    expect(accepted?.type).toBe(EventTypes.RequestAccepted);
  });

  it('refuses a workload submission without a run (run_required), whatever else it asks', () => {
    const command = handleSubmission({ registration: workload });
    const message = 'requester:deploy-bot is an agent workload: every submission needs a run attestation';
    spec
      .given([])
      .when(command)
      .then(refused(command, [{ path: 'run', code: 'run_required', message }]));
  });

  it('refuses a run the trust store did not verify (run_invalid)', () => {
    const command = submission({ ok: false, problem: 'bad_signature: signature does not verify' });
    const message = 'the run attestation does not verify: bad_signature: signature does not verify';
    spec
      .given([])
      .when(command)
      .then(refused(command, [{ path: 'run', code: 'run_invalid', message }]));
  });

  it('fails closed on a run the shell did not verify at all (run_invalid)', () => {
    const command = submission(undefined);
    const message = 'the run attestation does not verify: it was not verified';
    spec
      .given([])
      .when(command)
      .then(refused(command, [{ path: 'run', code: 'run_invalid', message }]));
  });

  it("refuses a run that expired by intake's clock, at the very instant of expiry (run_expired)", () => {
    const command = submission(verified(attestation({ expiresAt: NOW })));
    const message = `run ${RUN_ID} expired at ${NOW}`;
    spec
      .given([])
      .when(command)
      .then(refused(command, [{ path: 'run.data.expiresAt', code: 'run_expired', message }]));
  });

  it("refuses another workload's run, signed with that workload's key (run_foreign)", () => {
    const other = 'requester:payments-agent';
    const command = submission(verified(attestation({ workload: other }), other));
    const message = `the run attestation is signed by ${other} for ${other}, not by ${REQUESTER} for itself`;
    spec
      .given([])
      .when(command)
      .then(refused(command, [{ path: 'run', code: 'run_foreign', message }]));
  });

  it('refuses a run the workload signed for another workload (run_foreign)', () => {
    const other = 'requester:payments-agent';
    const command = submission(verified(attestation({ workload: other })));
    const message = `the run attestation is signed by ${REQUESTER} for ${other}, not by ${REQUESTER} for itself`;
    spec
      .given([])
      .when(command)
      .then(refused(command, [{ path: 'run', code: 'run_foreign', message }]));
  });

  it('refuses a run issued in the future beyond the clock skew (run_invalid)', () => {
    const command = submission(verified(attestation({ issuedAt: '2026-11-21T10:05:00.001Z', expiresAt: '2026-11-21T11:00:00.000Z' })));
    const message = `run ${RUN_ID} says it was issued at 2026-11-21T10:05:00.001Z, after ${NOW}`;
    spec
      .given([])
      .when(command)
      .then(refused(command, [{ path: 'run.data.issuedAt', code: 'run_invalid', message }]));
  });

  it('refuses a run naming a task scope the workload is not registered for (run_out_of_scope)', () => {
    const command = submission(verified(attestation({ taskScope: 'rotate-secrets' })));
    const message = "task scope rotate-secrets is not one of requester:deploy-bot's registered scopes";
    spec
      .given([])
      .when(command)
      .then(refused(command, [{ path: 'run.data.taskScope', code: 'run_out_of_scope', message }]));
  });

  it.each([
    ['a kind', 'payments', 'action.kind', 'kind http.request'],
    ['a target', 'prod-db-only', 'action.target', 'target billing-api'],
    ["an environment (the registry's)", 'dev-only', 'action.environment', 'environment staging'],
  ])(
    'refuses an action with %s outside the run scope, even one the requester may ask for (run_out_of_scope)',
    (_what, scope, path, part) => {
      const command = submission(verified(attestation({ taskScope: scope })));
      const message = `${part} is outside task scope ${scope}`;
      spec
        .given([])
        .when(command)
        .then(refused(command, [{ path, code: 'run_out_of_scope', message }]));
    },
  );

  it('refuses a run presented by a requester that is no workload (run_invalid)', () => {
    const payload = submissionPayload({ run: runEnvelope() });
    const command = handleSubmission({ payload, run: verified() });
    const message = 'requester:deploy-bot is not a registered agent workload, so it has no runs';
    spec
      .given([])
      .when(command)
      .then(refused(command, [{ path: 'run', code: 'run_invalid', message }]));
  });

  it('leaves an ordinary requester without a run as it was: no agent on the wire', () => {
    spec.given([]).when(handleSubmission()).then(acceptedEvents());
  });
});
