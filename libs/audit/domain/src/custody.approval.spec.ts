import { EventTypes, deterministicId, type Envelope } from '@countersign/contracts';
import { DeciderSpecification } from '@countersign/decider/testing';
import { checkCustody } from './custody';
import { mayProveUnproven, unprovenApproval } from './custody.approval';
import { custodyDecider, type CustodyEvent } from './custody.decider';
import { APPROVER, IDS, REQUEST_ID, envelope, fullChain } from './testing/custody.fixtures';

const spec = DeciderSpecification(custodyDecider);
const NOW = '2026-11-21T10:02:00.000Z';
const REFUSAL_ID = '10000000-0000-4000-8000-000000000009';
const chain = fullChain();
/** What audit holds when the broker refused: no credential, no execution will ever follow. */
const upToApproval = (approved: Envelope = chain.approved) => [chain.submitted, chain.accepted, chain.vote, approved];
const approvedWith = (data: Record<string, unknown>): Envelope => ({
  ...chain.approved,
  data: { ...(chain.approved.data as Record<string, unknown>), ...data },
});
const refusal = (code: string, message: string, signer = 'service:broker') =>
  envelope(REFUSAL_ID, EventTypes.CredentialRefused, signer, chain.approved.time, {
    requestId: REQUEST_ID,
    approvalEventId: IDS.approved,
    code,
    message,
    refusedAt: chain.approved.time,
  });
const check = (events: Envelope[]) => ({ type: 'CheckCustody', requestId: REQUEST_ID, events, now: NOW }) as const;
const violated = (...messages: string[]): CustodyEvent => ({
  type: EventTypes.AuditViolation,
  id: deterministicId(REQUEST_ID, 'audit.violation'),
  data: { requestId: REQUEST_ID, violations: messages.map((message) => ({ code: 'approval_unproven', message })), detectedAt: NOW },
});

describe('audit flags an approval whose evidence does not hold, without waiting for an execution', () => {
  it('flags a quorum approval that carries none of its approvers’ signed votes', () => {
    spec
      .given([])
      .when(check(upToApproval(approvedWith({ evidence: undefined }))))
      .then([violated(`approval ${IDS.approved} counts ${APPROVER} without carrying their signed vote`)]);
  });

  it('flags an approval carrying a vote that differs from the one audit recorded', () => {
    const forged = { ...chain.vote, signature: 'B'.repeat(86) };
    spec
      .given([])
      .when(check(upToApproval(approvedWith({ evidence: [forged] }))))
      .then([violated(`approval ${IDS.approved} carries a vote ${IDS.vote} that differs from the one recorded`)]);
  });

  it('flags an approval the broker refused on re-check against the pinned policy', () => {
    const refused = refusal(
      'policy_mismatch',
      'the pinned policy routes this request to tier production-change (quorum), not low-risk (auto)',
    );
    spec
      .given([])
      .when(check([...upToApproval(), refused]))
      .then([
        violated(
          `service:broker refused approval ${IDS.approved}: policy_mismatch: the pinned policy routes this request to tier production-change (quorum), not low-risk (auto)`,
        ),
      ]);
  });

  it('flags an approval the broker refused because its own target registry contradicts intake’s facts', () => {
    const problem = 'environment_mismatch: the target registry says demo-target is production, not staging';
    spec
      .given([])
      .when(check([...upToApproval(), refusal('registry_mismatch', problem)]))
      .then([violated(`service:broker refused approval ${IDS.approved}: registry_mismatch: ${problem}`)]);
  });

  it('leaves other refusals (a closed window) and other signers’ claims to the ordinary custody check', () => {
    expect(unprovenApproval([...upToApproval(), refusal('window_closed', 'closed')])).toStrictEqual([]);
    expect(unprovenApproval([...upToApproval(), refusal('quorum_unproven', 'x', 'service:approval')])).toStrictEqual([]);
    expect(checkCustody(upToApproval())).toMatchObject({ ok: false, incomplete: true });
  });

  it('tells the shell which events may prove it', () => {
    expect([chain.approved, refusal('quorum_unproven', 'x'), chain.vote].map(mayProveUnproven)).toStrictEqual([true, true, false]);
  });
});
