import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { recheckApproval } from '@countersign/approval-evidence';
import {
  actionDigest,
  actionRenderingDigest,
  EventTypes,
  type Envelope,
  type RequestAcceptedV1,
  type RequestApprovedV1,
} from '@countersign/contracts';
import { EnvelopeSigner, generateKeyPair, TrustStore, type Registry } from '@countersign/identity';
import { loadPolicyBundleOrThrow } from './bundle';
import { loadPinnedPolicyOrThrow, pinPolicy, policyPinFile } from './pin';
import { approvalFacts } from './recheck-facts';
import { acceptedWith, NOW, POLICIES_DIR, policyDir, REQUEST_ID } from './testing/bundle.fixtures';

const POLICY = join(POLICIES_DIR, 'default.policy.json');

describe('the policy pin', () => {
  it('lets a service load exactly the bundle provisioning pinned', () => {
    const home = mkdtempSync(join(tmpdir(), 'countersign-pin-'));
    const pin = pinPolicy(home, POLICY);
    expect(pin).toStrictEqual({ version: loadPolicyBundleOrThrow(POLICY).policy.version, label: 'default-2026-11', policyFile: POLICY });
    expect(loadPinnedPolicyOrThrow(POLICY, home).policy.version).toBe(pin.version);
  });

  it('stops the service when nothing was pinned, or another version was (fail closed)', () => {
    const home = mkdtempSync(join(tmpdir(), 'countersign-pin-'));
    expect(() => loadPinnedPolicyOrThrow(POLICY, home)).toThrow(/no policy pin at .*run provisioning first/);
    const cedar = `${readFileSync(join(POLICIES_DIR, 'default.cedar'), 'utf8')}\n// edited after provisioning\n`;
    const edited = join(policyDir({ 'default.cedar': cedar }), 'default.policy.json');
    pinPolicy(home, POLICY);
    expect(() => loadPinnedPolicyOrThrow(edited, home)).toThrow(/but provisioning pinned sha256:[0-9a-f]{64} \(default-2026-11\)/);
    writeFileSync(policyPinFile(home), '{"version":"md5:1"}');
    expect(() => loadPinnedPolicyOrThrow(POLICY, home)).toThrow(/is not valid/);
  });
});

describe('approvalFacts: what a checker gathers with its own trust store and registry', () => {
  const ids = [
    'approver:alice',
    'approver:bob',
    'approver:dave',
    'channel:slack',
    'service:approval',
    'requester:deploy-bot',
    'requester:other-bot',
  ];
  const pairs = new Map(ids.map((id) => [id, generateKeyPair('ed25519', id)]));
  const trust = TrustStore.parse({
    version: 1,
    environment: 'test',
    identities: ids.map((id) => ({ id, signingKeys: [{ ...pairs.get(id)!, status: 'active' }] })),
  });
  const registry: Registry = {
    environment: 'test',
    requesters: [{ name: 'deploy-bot', allowedKinds: ['http.request'], allowedEnvironments: ['production'] }],
    approvers: [
      { name: 'alice', person: 'alice' },
      { name: 'bob', person: 'bob', slack: { teamId: 'T0TEAM', userId: 'U0BOB' } },
      { name: 'dave', person: 'dave' },
    ],
    targets: [
      {
        name: 'demo-target',
        environment: 'production',
        dataSensitivity: 'internal',
        ownerTeam: 'billing',
        kinds: ['http.request'],
        address: 'http://billing-api.internal:8080',
        requesters: ['deploy-bot'],
      },
    ],
  };
  const bundle = loadPolicyBundleOrThrow(POLICY);
  const request = acceptedWith('deploy-bot', { environment: 'production', target: 'demo-target' });
  const digest = actionDigest(request.action);
  const renderingDigest = actionRenderingDigest(request.action);
  const sign = (id: string, type: string, data: object): Envelope =>
    new EnvelopeSigner(id, pairs.get(id)!).sign({ id: crypto.randomUUID(), type, subject: REQUEST_ID, time: NOW, data });
  const { kind, target, parameters } = request.action;
  const submit = (signer = 'requester:deploy-bot') =>
    sign(signer, EventTypes.RequestSubmitted, { requestId: REQUEST_ID, action: { kind, target, parameters }, reason: 'deploy' });
  const submission = submit();
  const accepted: RequestAcceptedV1 = { ...request, submissionId: submission.id, digest, reason: 'deploy', acceptedAt: NOW, submission };
  const cast = (voter: string) => sign(voter, EventTypes.VoteCast, { requestId: REQUEST_ID, digest, renderingDigest, decision: 'approve' });
  const approvedWith = (evidence: Envelope[], via: 'signed' | 'slack' = 'signed'): RequestApprovedV1 => ({
    requestId: REQUEST_ID,
    digest,
    requester: accepted.requester,
    acceptedEventId: REQUEST_ID,
    mode: 'quorum',
    approvers: evidence.map((vote) => ({
      id: vote.signer.startsWith('channel:') ? 'approver:bob' : vote.signer,
      voteId: vote.id,
      via,
      at: NOW,
    })),
    policy: { version: bundle.policy.version, label: 'default-2026-11', tier: 'production-change', rules: ['tier:production-change'] },
    window: accepted.action.window,
    approvedAt: NOW,
    evidence,
  });

  it('decides the request with the pinned policy, as approval does: two SRE people', () => {
    const { decision } = approvalFacts(bundle, accepted, approvedWith([]), trust, registry);
    expect(decision).toMatchObject({ mode: 'quorum', quorum: 2, stamp: { tier: 'production-change', version: bundle.policy.version } });
  });

  it('verifies each vote with the trust store: genuine votes re-check, a vote signed with another key does not', () => {
    const genuine = approvedWith([cast('approver:alice'), cast('approver:bob')]);
    expect(recheckApproval(accepted, genuine, approvalFacts(bundle, accepted, genuine, trust, registry))).toStrictEqual({ ok: true });
    const forgedBob = { ...cast('service:approval'), signer: 'approver:bob', keyid: pairs.get('service:approval')!.keyId };
    const forged = approvedWith([cast('approver:alice'), forgedBob]);
    const facts = approvalFacts(bundle, accepted, forged, trust, registry);
    expect(facts.votes[1]).toStrictEqual({
      ok: false,
      id: forgedBob.id,
      problem: `signer_mismatch: key ${forgedBob.keyid} does not belong to approver:bob`,
    });
    expect(recheckApproval(accepted, forged, facts)).toMatchObject({ ok: false, code: 'quorum_unproven' });
  });

  describe('the submission: verified with its own trust store, judged by submissionProblem', () => {
    const checkedWith = (carried: Envelope | undefined) => {
      const { submission: _carried, ...rest } = accepted;
      return approvalFacts(bundle, carried ? { ...rest, submission: carried } : rest, approvedWith([]), trust, registry).submission;
    };

    it('verifies the requester’s genuine submission, older than any freshness window', () => {
      expect(checkedWith(submission)).toStrictEqual({ ok: true, submission });
    });

    it('reports no submission, a forged one and a vote passed off as one', () => {
      const forged = { ...submit('service:approval'), signer: 'requester:deploy-bot', keyid: pairs.get('service:approval')!.keyId };
      const vote = cast('approver:alice');
      expect([checkedWith(undefined), checkedWith(forged), checkedWith(vote)]).toStrictEqual([
        { ok: false, problem: 'the accepted request carries no submission' },
        { ok: false, problem: `signer_mismatch: key ${forged.keyid} does not belong to requester:deploy-bot` },
        { ok: false, problem: `${EventTypes.VoteCast} is not a submission` },
      ]);
    });

    it('refuses, submission_unproven, another requester’s genuine submission', () => {
      const other = submit('requester:other-bot');
      const claimed = { ...accepted, submissionId: other.id, submission: other };
      const genuine = approvedWith([cast('approver:alice'), cast('approver:bob')]);
      expect(recheckApproval(claimed, genuine, approvalFacts(bundle, claimed, genuine, trust, registry))).toStrictEqual({
        ok: false,
        code: 'submission_unproven',
        message: `submission ${other.id} is signed by requester:other-bot, not requester:deploy-bot`,
      });
    });
  });

  describe('the registry verdict: resolveTarget, intake’s rule, against the checker’s own target registry', () => {
    const verdictOn = (action: Partial<RequestAcceptedV1['action']>, requester = accepted.requester, targets = registry.targets) => {
      const relabelled: RequestAcceptedV1 = { ...accepted, requester, action: { ...accepted.action, ...action } };
      return approvalFacts(bundle, relabelled, approvedWith([]), trust, { ...registry, targets }).registry;
    };

    it('agrees when intake filled in exactly the registry’s facts', () => {
      expect(verdictOn({})).toStrictEqual({ ok: true });
    });

    it.each([
      [
        'an environment and sensitivity relabelled to pick the low-risk tier',
        { environment: 'staging', dataSensitivity: 'public' as const },
        'environment_mismatch: the target registry says demo-target is production, not staging; ' +
          'sensitivity_mismatch: the target registry says demo-target holds internal data, not public',
      ],
      [
        'another owner team and address',
        { ownerTeam: 'payments', targetAddress: 'http://evil.example:8080' },
        'the accepted request mislabels demo-target: ownerTeam payments (registry: billing), ' +
          'targetAddress http://evil.example:8080 (registry: http://billing-api.internal:8080)',
      ],
      ['a target the registry does not know', { target: 'shadow-target' }, 'unknown_target: shadow-target is not in the target registry'],
      [
        'a kind the target does not accept',
        { kind: 'shell.command' as const, parameters: { command: 'true' } },
        'kind_not_accepted_by_target: demo-target accepts http.request, not shell.command',
      ],
    ])('refuses %s', (_case, action, problem) => {
      expect(verdictOn(action)).toStrictEqual({ ok: false, problem });
    });

    it('refuses a requester the registry does not let act on the target', () => {
      expect(verdictOn({}, 'requester:other-bot')).toStrictEqual({
        ok: false,
        problem: 'requester_not_allowed_on_target: requester other-bot may not act on demo-target',
      });
    });

    it('refuses every target when its own registry has none (fail closed)', () => {
      expect(verdictOn({}, accepted.requester, [])).toStrictEqual({
        ok: false,
        problem: 'unknown_target: demo-target is not in the target registry',
      });
    });
  });

  it('pins a relayed Slack vote on the approver its own registry maps the Slack user to', () => {
    const relayed = sign('channel:slack', EventTypes.VoteRelayed, {
      requestId: REQUEST_ID,
      digest,
      renderingDigest,
      decision: 'approve',
      approver: 'approver:bob',
      slack: { teamId: 'T0TEAM', userId: 'U0BOB', actionTs: '1732190000.123456' },
    });
    const facts = approvalFacts(bundle, accepted, approvedWith([relayed], 'slack'), trust, registry);
    expect(facts.votes).toStrictEqual([{ ok: true, vote: relayed, registryApprover: 'approver:bob' }]);
  });
});
