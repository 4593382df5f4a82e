import { EventTypes, parseIdentityId, SERVICE_NAMES, type Envelope } from '@countersign/contracts';
import { loadTrustStore } from '@countersign/identity';
import { approvalRequested, outcomeOf, startScenario, type Scenario, demoTargetIn } from '@countersign/e2e';
import { codeCounts, recordAttack } from './report';
import { attackEffects, AuditEvidence, inject, type Injected } from './support/evidence';
import { EXPECTED_CODES, forgeVariants, MUTATIONS, type Base, type Variant } from './support/mutations';
import { addRevokedKeys, Connections, signingKeyOf } from './support/parties';

jest.setTimeout(300_000);

const SUITE = 'forged-events';
const COUNT = Number(process.env.SECURITY_FORGED_COUNT ?? 520);
const SEED = Number(process.env.SECURITY_SEED ?? Date.now() % 2_147_483_647);
/** Timers of the pending request may fire during the run; they are not caused by the forgeries. */
// Not state changes: the refusals themselves (dead letters and audit's findings about them), timers, notices.
const TIMER_TYPES: readonly string[] = [
  EventTypes.MessageDeadLettered,
  EventTypes.AuditFinding,
  EventTypes.ApprovalEscalated,
  EventTypes.RequesterNotified,
];

const deploy = (environment: string) => ({
  kind: 'http.request',
  target: demoTargetIn(environment),
  environment,
  parameters: { method: 'POST', path: '/deploy', body: { version: '3.0.0' } },
});

describe('generated forged events (fast-check) injected through permitted publishers', () => {
  let s: Scenario;
  let connections: Connections;
  let evidence: AuditEvidence;
  let executed: string;
  let pending: string;
  let variants: Variant[] = [];
  const injected = new Map<Variant, Injected>();
  let mark = 0;

  beforeAll(async () => {
    s = await startScenario();
    const revoked = addRevokedKeys(s.stack);
    await Promise.all(SERVICE_NAMES.map((name) => s.stack.restart(name)));
    connections = new Connections(s.stack);
    evidence = new AuditEvidence(s.audit);
    executed = (await s.deployBot.submit(deploy('staging'), 'genuine traffic to forge from')).requestId;
    await outcomeOf(s.deployBot, executed, 'executed');
    pending = (await s.deployBot.submit(deploy('production'), 'pending: one forged vote short of a quorum')).requestId;
    const { digest } = await approvalRequested(s.audit, pending);
    await s.approvers.alice.vote(pending, digest, 'approve', 'genuine first vote');
    await evidence.waitFor(() => evidence.events({ type: EventTypes.CredentialRevoked, requestId: executed }).length > 0);
    await evidence.waitFor(() => evidence.events({ type: EventTypes.VoteRecorded, requestId: pending }).length > 0);
    await evidence.settle();

    const bases: Base[] = [...evidence.events({ requestId: executed }), ...evidence.events({ requestId: pending })]
      .filter((envelope) => envelope.type !== EventTypes.MessageDeadLettered)
      .map((envelope) => ({ envelope, external: ['requester', 'approver'].includes(parseIdentityId(envelope.signer).kind) }));
    const identities = loadTrustStore(s.stack.home).document.identities.map((identity) => identity.id);
    const keys = new Map(identities.map((id) => [id, signingKeyOf(s.stack, id)]));
    variants = forgeVariants({ bases, keys, revoked, freshApprover: 'bob', now: Date.now() }, SEED, COUNT);
    console.log(
      `forged-events: ${variants.length} variants from ${bases.length} genuine events, seed ${SEED} (SECURITY_SEED=${SEED} reproduces)`,
    );

    mark = evidence.mark();
    for (const variant of variants) {
      const nc = await connections.as(variant.user);
      injected.set(variant, await inject(nc, variant.subject, variant.bytes, variant.mutation));
    }
    await evidence.waitFor(() => variants.every((variant) => evidence.refusedByAll(injected.get(variant)!)), 120_000);
    await evidence.settle(2_000);
    await recordTallies();
  });

  afterAll(async () => {
    await connections?.closeAll();
    await s?.close();
  });

  const caused = () => evidence.since(mark).filter((event) => !TIMER_TYPES.includes(event.type));
  const newlyAccepted = (variant: Variant) =>
    variant.envelope !== undefined &&
    caused().some((event) => event.id === variant.envelope!.id && event.signature === variant.envelope!.signature);
  const refused = (variant: Variant) => evidence.refusedByAll(injected.get(variant)!);
  const codesOf = (variant: Variant) => evidence.deadLettersFor(injected.get(variant)!).map((letter) => letter.code);

  async function recordTallies(): Promise<void> {
    const effects = await attackEffects(s.stack, new Set([executed]));
    // Effects are charged to the first kind of forgery that got through, if any did.
    const culprit = variants.find(newlyAccepted)?.mutation ?? MUTATIONS[0];
    for (const mutation of MUTATIONS) {
      const ofKind = variants.filter((variant) => variant.mutation === mutation);
      recordAttack({
        suite: SUITE,
        attack: `forged: ${mutation}`,
        layer: 'signature',
        tried: ofKind.length,
        rejected: ofKind.filter((variant) => !newlyAccepted(variant)).length,
        auditable: ofKind.length,
        audited: ofKind.filter(refused).length,
        executions: mutation === culprit ? effects : 0,
        notes: [`seed ${SEED}`, codeCounts(ofKind.flatMap(codesOf))],
      });
    }
  }

  it(`generates at least 500 variants, every kind of forgery among them`, () => {
    expect(variants.length).toBeGreaterThanOrEqual(500);
    expect(new Set(variants.map((variant) => variant.mutation))).toEqual(new Set(MUTATIONS));
  });

  it('changes no state: nothing accepted, the pending request stays one vote short, nothing executes', async () => {
    expect(caused().map((event) => `${event.type} ${event.id}`)).toEqual([]);
    expect(evidence.events({ type: EventTypes.RequestApproved, requestId: pending })).toEqual([]);
    expect(await attackEffects(s.stack, new Set([executed]))).toBe(0);
  });

  it('is dead-lettered by every consumer that received it, and so reported on the audit stream', () => {
    const missed = variants.filter((variant) => !refused(variant));
    expect(missed.map((variant) => explain(variant, injected.get(variant)!, codesOf(variant)))).toEqual([]);
  });

  it('is refused with the code of the check that caught it', () => {
    const wrong = variants.filter((variant) => {
      const expected = EXPECTED_CODES[variant.mutation];
      return expected !== 'any' && codesOf(variant).some((code) => !expected.includes(code));
    });
    expect(wrong.map((variant) => explain(variant, injected.get(variant)!, codesOf(variant)))).toEqual([]);
  });

  it('names the identity a parseable forgery claimed in its dead letters', () => {
    const unnamed = variants.filter(
      (variant) =>
        variant.envelope !== undefined &&
        evidence.deadLettersFor(injected.get(variant)!).some((letter) => letter.claimedSigner !== (variant.envelope as Envelope).signer),
    );
    expect(unnamed.map((variant) => explain(variant, injected.get(variant)!, codesOf(variant)))).toEqual([]);
  });
});

function explain(variant: Variant, message: Injected, codes: string[]): string {
  return `#${variant.index} ${variant.mutation} of ${variant.baseType} on ${variant.subject} (${message.stream}#${message.seq}): dead letters [${codes.join(', ')}] of ${message.consumers.length} consumers`;
}
