import { EventTypes, type Envelope } from '@countersign/contracts';
import { checkCustody } from './custody';
import { envelope, fullChain, REQUESTER } from './testing/custody.fixtures';

const data = {
  runId: 'run-42',
  workload: REQUESTER,
  taskScope: 'deploy-staging',
  onBehalfOf: 'approver:dave',
  issuedAt: '2026-11-21T09:30:00.000Z',
  expiresAt: '2026-11-21T10:30:00.000Z',
};
const agent = {
  workload: REQUESTER,
  runId: 'run-42',
  taskScope: 'deploy-staging',
  onBehalfOf: 'approver:dave',
  runExpiresAt: data.expiresAt,
};
const run = (signer = REQUESTER, overrides: Record<string, unknown> = {}) =>
  envelope('20000000-0000-4000-8000-000000000001', EventTypes.RunAttested, signer, data.issuedAt, { ...data, ...overrides });

/** The full chain with a run in the submission and `agent` on the acceptance (either may be left out). */
function chainWith(submittedRun: Envelope | undefined, acceptedAgent: Record<string, unknown> | undefined): Envelope[] {
  const chain = fullChain();
  const submitted = submittedRun
    ? { ...chain.submitted, data: { ...(chain.submitted.data as object), run: submittedRun } }
    : chain.submitted;
  const accepted = acceptedAgent
    ? { ...chain.accepted, data: { ...(chain.accepted.data as object), agent: acceptedAgent } }
    : chain.accepted;
  return Object.values({ ...chain, submitted, accepted });
}

describe('checkCustody: the accepted agent is the run the requester signed for', () => {
  it('holds when the accepted agent repeats the run in the signed submission', () => {
    expect(checkCustody(chainWith(run(), agent))).toMatchObject({ ok: true });
  });

  it.each<[string, Envelope | undefined, Record<string, unknown> | undefined, string]>([
    [
      'intake invents an agent the submission never carried',
      undefined,
      agent,
      'accepted names run run-42, but the submission carries no run',
    ],
    ['intake drops the run the submission carried', run(), undefined, 'carries a run, but the accepted request names no agent'],
    ['intake names another human', run(), { ...agent, onBehalfOf: 'approver:mallory' }, 'differs from the signed run in onBehalfOf'],
    [
      'intake widens the scope and the expiry',
      run(),
      { ...agent, taskScope: 'prod', runExpiresAt: '2026-11-21T22:00:00.000Z' },
      'in taskScope, runExpiresAt',
    ],
    ['the run is signed by another workload', run('requester:build-agent'), agent, 'signed by requester:build-agent, not by the requester'],
    ['the run is not a run attestation', { ...run(), type: EventTypes.VoteCast }, agent, 'carries no valid run attestation'],
  ])('raises agent_mismatch when %s', (_case, submittedRun, acceptedAgent, message) => {
    const result = checkCustody(chainWith(submittedRun, acceptedAgent));
    expect(result).toMatchObject({ ok: false, incomplete: false });
    const violations = result.ok ? [] : result.violations;
    expect(violations).toEqual([{ code: 'agent_mismatch', message: expect.stringContaining(message) as unknown }]);
  });
});
