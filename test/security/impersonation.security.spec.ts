import { randomUUID } from 'node:crypto';
import {
  EventTypes,
  Subjects,
  type ApprovalRequestedV1,
  type CredentialIssuedV1,
  type Envelope,
  type RequestAcceptedV1,
  type RequestApprovedV1,
} from '@countersign/contracts';
import { attackEffects, AuditEvidence, inject, ACCEPTANCE_TYPES, type Injected } from './support/evidence';
import { acceptedByAudit, bytesOf, latest, signWith, tamper } from './support/forgery';
import { Connections, signerOf, signingKeyOf } from './support/parties';
import { recordAttack, tallyOf, type AttackTally, type Layer } from './report';
import { attemptPublish } from './support/bus-probe';
import { outcomeOf, startScenario, type Scenario, demoTargetIn } from '@countersign/e2e';

jest.setTimeout(180_000);

const SUITE = 'impersonation';
const deploy = (environment: string) => ({
  kind: 'http.request',
  target: demoTargetIn(environment),
  environment,
  parameters: { method: 'POST', path: '/deploy', body: { version: '2.0.0' } },
});

interface Attempt {
  row: string;
  layer: Layer;
  user: string;
  subject: string;
  envelope: Envelope;
  /** The dead-letter code every consumer must give; undefined for bus attempts. */
  code?: string;
}

describe('each identity trying to do another’s job: first on the bus, then with the bus bypassed', () => {
  let s: Scenario;
  let connections: Connections;
  let evidence: AuditEvidence;
  let pending: string;
  let executed: string;
  const busVerdicts = new Map<Attempt, string>();
  const injected = new Map<Attempt, Injected>();
  let attempts: { bus: Attempt[]; bypass: Attempt[] };
  let mark = 0;

  beforeAll(async () => {
    s = await startScenario();
    connections = new Connections(s.stack);
    evidence = new AuditEvidence(s.audit);
    executed = (await s.deployBot.submit(deploy('staging'), 'legitimate control')).requestId;
    await outcomeOf(s.deployBot, executed, 'executed');
    pending = (await s.deployBot.submit(deploy('production'), 'the target of every forgery')).requestId;
    await evidence.waitFor(() => evidence.events({ type: EventTypes.ApprovalRequested, requestId: pending }).length > 0);
    attempts = buildAttempts(s, executed, pending, evidence);
    mark = evidence.mark();
    for (const attempt of attempts.bus) {
      const nc = await connections.as(attempt.user);
      busVerdicts.set(attempt, await attemptPublish(nc, attempt.subject, bytesOf(attempt.envelope)));
    }
    for (const attempt of attempts.bypass) {
      injected.set(attempt, await inject(await connections.as(attempt.user), attempt.subject, bytesOf(attempt.envelope), attempt.row));
    }
    await evidence.waitFor(() => [...injected.values()].every((message) => evidence.refusedByAll(message)));
    await evidence.settle();
    await recordAll();
  });

  afterAll(async () => {
    await connections?.closeAll();
    await s?.close();
  });

  const stateChanges = () =>
    evidence
      .since(mark)
      .filter((event) => ACCEPTANCE_TYPES.includes(event.type) && (event.data as { requestId?: string }).requestId === pending);

  async function recordAll(): Promise<void> {
    const caused = await attackEffects(s.stack, new Set([executed]));
    const rows = new Map<string, Attempt[]>();
    for (const attempt of [...attempts.bus, ...attempts.bypass]) rows.set(attempt.row, [...(rows.get(attempt.row) ?? []), attempt]);
    let first = true;
    for (const [row, list] of rows) {
      const onBus = list[0]!.layer === 'bus';
      const tally: AttackTally = tallyOf({ suite: SUITE, attack: row, layer: list[0]!.layer }, list, {
        rejected: (attempt) =>
          onBus ? busVerdicts.get(attempt) === 'denied' : !acceptedByAudit(evidence, attempt.envelope) && stateChanges().length === 0,
        auditable: () => !onBus,
        audited: (attempt) => evidence.refusedByAll(injected.get(attempt)!),
      });
      recordAttack({ ...tally, executions: first ? caused : 0 });
      first = false;
    }
  }

  it('the bus refuses every identity that publishes on another identity’s subject', () => {
    const let_through = attempts.bus.filter((attempt) => busVerdicts.get(attempt) !== 'denied');
    expect(let_through.map((attempt) => `${attempt.user} → ${attempt.subject}`)).toEqual([]);
    expect(attempts.bus.length).toBeGreaterThanOrEqual(12);
  });

  it('with the bus bypassed, every consumer dead-letters each impersonation with the code of the layer that caught it', () => {
    const wrong = attempts.bypass.flatMap((attempt) => {
      const letters = evidence.deadLettersFor(injected.get(attempt)!);
      const consumers = new Set(letters.map((letter) => letter.consumer));
      const missing = injected.get(attempt)!.consumers.filter((consumer) => !consumers.has(consumer));
      const codes = [...new Set(letters.map((letter) => letter.code))];
      const ok = missing.length === 0 && codes.length === 1 && codes[0] === attempt.code;
      return ok ? [] : [`${attempt.row} via ${attempt.user}: codes [${codes.join(', ')}], not refused by [${missing.join(', ')}]`];
    });
    expect(wrong).toEqual([]);
  });

  it('names the identity the forged envelope claimed in every dead letter', () => {
    const unnamed = attempts.bypass.filter((attempt) =>
      evidence.deadLettersFor(injected.get(attempt)!).some((letter) => letter.claimedSigner !== attempt.envelope.signer),
    );
    expect(unnamed.map((attempt) => attempt.row)).toEqual([]);
  });

  it('changes no state: the pending request is not approved, no credential is minted, nothing executes', async () => {
    expect(stateChanges().map((event) => event.type)).toEqual([]);
    expect(attempts.bypass.filter((attempt) => acceptedByAudit(evidence, attempt.envelope)).map((attempt) => attempt.row)).toEqual([]);
    expect(await attackEffects(s.stack, new Set([executed]))).toBe(0);
  });
});

/** The attempts: real payloads for the pending request, taken from what audit saw of genuine events. */
function buildAttempts(s: Scenario, executed: string, pending: string, evidence: AuditEvidence): { bus: Attempt[]; bypass: Attempt[] } {
  const now = new Date().toISOString();
  const approvedBefore = latest<RequestApprovedV1>(evidence, EventTypes.RequestApproved, executed);
  const issuedBefore = latest<CredentialIssuedV1>(evidence, EventTypes.CredentialIssued, executed);
  const accepted = latest<RequestAcceptedV1>(evidence, EventTypes.RequestAccepted, pending);
  const opened = latest<ApprovalRequestedV1>(evidence, EventTypes.ApprovalRequested, pending);
  const { digest, requester } = accepted.data;
  const approval: RequestApprovedV1 = {
    ...approvedBefore.data,
    requestId: pending,
    digest,
    requester,
    acceptedEventId: accepted.id,
    mode: 'quorum',
    approvers: [{ id: 'approver:alice', voteId: randomUUID(), at: now }],
    policy: opened.data.policy,
    window: accepted.data.action.window,
    approvedAt: now,
  };
  const credential = { ...issuedBefore.data, requestId: pending, digest, credentialId: randomUUID(), approvalEventId: randomUUID() };
  const vote = {
    requestId: pending,
    digest,
    renderingDigest: opened.data.renderingDigest,
    decision: 'approve',
    reason: 'my own request looks fine',
  };
  const as = (identity: string, type: string, data: unknown) =>
    signerOf(s.stack, identity).sign({ id: randomUUID(), type, subject: pending, time: now, data, correlationid: pending });
  const key = (identity: string) => signingKeyOf(s.stack, identity);
  const approvedSubject = Subjects.serviceEvent('approval', EventTypes.RequestApproved);
  const issuedSubject = Subjects.serviceEvent('broker', EventTypes.CredentialIssued);
  const acceptedSubject = Subjects.serviceEvent('intake', EventTypes.RequestAccepted);

  const genuineApproval = as('service:approval', EventTypes.RequestApproved, approval);
  const a = (row: string, layer: Layer, user: string, subject: string, envelope: Envelope, code?: string): Attempt =>
    code === undefined ? { row, layer, user, subject, envelope } : { row, layer, user, subject, envelope, code };
  const serviceRow = 'bus: a service publishes another service’s event';
  const requesterRow = 'bus: a requester votes or publishes service events';
  const bus: Attempt[] = [
    ...['intake', 'broker', 'executor', 'audit'].map((user) =>
      a(serviceRow, 'bus', user, approvedSubject, as(`service:${user}`, EventTypes.RequestApproved, approval)),
    ),
    ...['approval', 'executor', 'intake'].map((user) =>
      a(serviceRow, 'bus', user, issuedSubject, as(`service:${user}`, EventTypes.CredentialIssued, credential)),
    ),
    a(serviceRow, 'bus', 'approval', Subjects.serviceEvent('executor', EventTypes.ExecutionStarted), genuineApproval),
    ...[
      Subjects.vote('alice'),
      Subjects.vote('deploy-bot'),
      approvedSubject,
      issuedSubject,
      acceptedSubject,
      Subjects.notify('payments-agent'),
    ]
      .concat(Subjects.auditRecords)
      .map((subject) => a(requesterRow, 'bus', 'requester-deploy-bot', subject, as('requester:deploy-bot', EventTypes.VoteCast, vote))),
  ];
  const wrongSigner = 'signature: valid signature by an identity that may not emit the type';
  const bypass: Attempt[] = [
    a(
      wrongSigner,
      'signature',
      'approval',
      approvedSubject,
      as('service:intake', EventTypes.RequestApproved, approval),
      'type_not_allowed',
    ),
    a(
      wrongSigner,
      'signature',
      'approval',
      approvedSubject,
      as('service:executor', EventTypes.RequestApproved, approval),
      'type_not_allowed',
    ),
    a(
      wrongSigner,
      'signature',
      'broker',
      issuedSubject,
      as('service:approval', EventTypes.CredentialIssued, credential),
      'type_not_allowed',
    ),
    a(
      wrongSigner,
      'signature',
      'approver-alice',
      Subjects.vote('alice'),
      as('requester:deploy-bot', EventTypes.VoteCast, vote),
      'type_not_allowed',
    ),
    a(
      wrongSigner,
      'signature',
      'intake',
      acceptedSubject,
      as('requester:deploy-bot', EventTypes.RequestAccepted, accepted.data),
      'type_not_allowed',
    ),
    a(
      'signature: claims service:approval, signed with intake’s key',
      'signature',
      'approval',
      approvedSubject,
      signWith(genuineApproval, key('service:intake'), { signer: 'service:approval' }),
      'signer_mismatch',
    ),
    a(
      'signature: approval’s key id, intake’s private key',
      'signature',
      'approval',
      approvedSubject,
      signWith(genuineApproval, { ...key('service:intake'), keyId: key('service:approval').keyId }),
      'bad_signature',
    ),
    a(
      'signature: genuine approval, data edited after signing',
      'signature',
      'approval',
      approvedSubject,
      tamper(genuineApproval, { data: { ...approval, approvers: [{ id: 'approver:dave', at: now }] } }),
      'bad_signature',
    ),
    a(
      'subject: genuinely signed event on another identity’s subject',
      'subject',
      'intake',
      Subjects.serviceEvent('intake', EventTypes.RequestApproved),
      genuineApproval,
      'subject_mismatch',
    ),
    a(
      'subject: genuinely signed event on another identity’s subject',
      'subject',
      'executor',
      Subjects.serviceEvent('executor', EventTypes.CredentialIssued),
      as('service:broker', EventTypes.CredentialIssued, credential),
      'subject_mismatch',
    ),
    a(
      'subject: genuinely signed event on another identity’s subject',
      'subject',
      'approver-bob',
      Subjects.vote('bob'),
      as('approver:alice', EventTypes.VoteCast, vote),
      'subject_mismatch',
    ),
  ];
  return { bus, bypass };
}
