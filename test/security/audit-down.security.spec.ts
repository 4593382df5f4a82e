import { randomUUID } from 'node:crypto';
import {
  EventTypes,
  Subjects,
  approvalEvidenceHash,
  subjectFor,
  type AuditReceiptV1,
  type CredentialRefusedV1,
  type Envelope,
  type RequestApprovedV1,
} from '@countersign/contracts';
import { eventsOnBus, typesFor, effectsAt, outcomeOf, startScenario, type Scenario } from '@countersign/e2e';
import { recordAttack } from './report';
import { attackEffects, AuditEvidence, inject, type Injected } from './support/evidence';
import { bytesOf, signWith } from './support/forgery';
import { Connections, signerOf, signingKeyOf } from './support/parties';

jest.setTimeout(300_000);

const SUITE = 'audit-down';
const BATCH = 3;
/** A real wait with audit down: several ack waits, redeliveries and timer ticks. */
const AUDIT_DOWN_MS = 10_000;
const deploy = (version: string) => ({
  kind: 'http.request',
  target: 'demo-staging',
  environment: 'staging',
  parameters: { method: 'POST', path: '/deploy', body: { version } },
});
const GATED: readonly string[] = [EventTypes.CredentialIssued, EventTypes.ExecutionStarted, EventTypes.ExecutionSucceeded];

/**
 * Audit is a gate (issue 11 §3): while audit is down nothing may be issued or run, and a receipt
 * that audit did not sign for exactly this approval opens nothing. Each attack happens while audit
 * is down; audit is then started again and must have recorded every attempt.
 */
describe('audit down: the gate holds', () => {
  let s: Scenario;
  let connections: Connections;
  let evidence: AuditEvidence;
  const legitimate = new Set<string>();
  let waiting: string[] = [];
  let effectsWhileDown = 0;
  let cleanWhileDown: string[] = [];
  let forgedByService: Injected[] = [];
  let foreign: Envelope<AuditReceiptV1>;
  let contradicting: Envelope<AuditReceiptV1>;
  let sacrificed: { requestId: string; approvalId: string };

  /** Audit's receipt for an approval as audit would sign it, with `data` replacing fields. */
  const receiptFor = (approved: Envelope<RequestApprovedV1>, data: Partial<AuditReceiptV1> = {}): Envelope<AuditReceiptV1> =>
    signerOf(s.stack, 'service:audit').sign<AuditReceiptV1>({
      id: randomUUID(),
      type: EventTypes.AuditReceipt,
      subject: approved.data.requestId,
      time: new Date().toISOString(),
      correlationid: approved.data.requestId,
      data: {
        requestId: approved.data.requestId,
        approvedEventId: approved.id,
        digest: approved.data.digest,
        evidenceHash: approvalEvidenceHash(approved),
        sequence: 1,
        recordHash: 'c'.repeat(64),
        recordedAt: new Date().toISOString(),
        ...data,
      },
    });

  beforeAll(async () => {
    s = await startScenario();
    connections = new Connections(s.stack);
    evidence = new AuditEvidence(s.audit);
    await s.stack.stop('audit', 'SIGKILL');

    const submitted = await Promise.all(Array.from({ length: BATCH + 1 }, (_, i) => s.deployBot.submit(deploy(`${i}`), 'audit down')));
    for (const { requestId } of submitted) await outcomeOf(s.deployBot, requestId, 'approved', 40_000);
    const bus = await eventsOnBus(s.stack);
    const approvalOf = (requestId: string) =>
      bus.find(
        (e) => e.type === EventTypes.RequestApproved && (e.data as { requestId: string }).requestId === requestId,
      ) as Envelope<RequestApprovedV1>;
    waiting = submitted.slice(0, BATCH).map(({ requestId }) => requestId);
    waiting.forEach((requestId) => legitimate.add(requestId));
    const target = approvalOf(waiting[0]!);
    const victim = approvalOf(submitted[BATCH]!.requestId);
    sacrificed = { requestId: victim.data.requestId, approvalId: victim.id };

    // A receipt signed by another service: as approval (its own subject), and claiming to be audit with broker's key.
    const byApproval = signerOf(s.stack, 'service:approval').sign<AuditReceiptV1>(receiptFor(target));
    const asAudit = signWith(receiptFor(target), signingKeyOf(s.stack, 'service:broker'));
    forgedByService = [
      await inject(await connections.as('approval'), subjectFor(byApproval), bytesOf(byApproval), 'receipt signed by approval'),
      await inject(await connections.as('audit'), subjectFor(asAudit), bytesOf(asAudit), 'receipt claiming audit, broker key'),
    ];
    // With audit's own key and NATS user (stolen): a receipt for another approval, and one contradicting the approval.
    foreign = receiptFor(target, { approvedEventId: randomUUID() });
    contradicting = receiptFor(victim, { digest: 'f'.repeat(64) });
    for (const receipt of [foreign, contradicting])
      await inject(await connections.as('audit'), Subjects.serviceEvent('audit', receipt.type), bytesOf(receipt), 'audit-signed receipt');

    await new Promise((resolve) => setTimeout(resolve, AUDIT_DOWN_MS));
    const whileDown = await eventsOnBus(s.stack);
    cleanWhileDown = [...waiting, sacrificed.requestId].filter((id) => !typesFor(whileDown, id).some((type) => GATED.includes(type)));
    effectsWhileDown = (await Promise.all([...waiting, sacrificed.requestId].map((id) => effectsAt(s.stack, id)))).flat().length;

    await s.stack.start('audit');
    for (const requestId of waiting) await outcomeOf(s.deployBot, requestId, 'executed', 60_000);
    await outcomeOf(s.deployBot, sacrificed.requestId, 'failed', 60_000);
    await evidence.waitFor(
      () => forgedByService.every((entry) => evidence.refusedByAll(entry)) && waiting.every((id) => custodyOf(id) !== undefined),
      90_000,
    );
    await evidence.settle(2_000);
  });

  afterAll(async () => {
    await connections?.closeAll();
    await s?.close();
  });

  const recordedTypes = (requestId: string) => evidence.events({ requestId }).map((event) => event.type);
  const custodyOf = (requestId: string) =>
    recordedTypes(requestId).find((type) => type === EventTypes.CustodyVerified || type === EventTypes.AuditViolation);
  /** Audit recorded the approval and signed its receipt before any credential was recorded. */
  const receiptFirst = (requestId: string) => {
    const types = recordedTypes(requestId);
    const receipt = types.indexOf(EventTypes.AuditReceipt);
    return receipt > types.indexOf(EventTypes.RequestApproved) && receipt < types.indexOf(EventTypes.CredentialIssued);
  };

  it('execution while audit is down: nothing is issued or run until audit recorded each approval', async () => {
    const audited = waiting.filter(receiptFirst);
    recordAttack({
      suite: SUITE,
      attack: 'audit down: execution while audit is down',
      layer: 'domain',
      tried: waiting.length,
      rejected: waiting.filter((requestId) => cleanWhileDown.includes(requestId)).length,
      auditable: waiting.length,
      audited: audited.length,
      executions: effectsWhileDown + (await attackEffects(s.stack, legitimate)),
      notes: [`${AUDIT_DOWN_MS / 1000} s down; each then ran once, its receipt chained before its credential`],
    });
    expect(effectsWhileDown).toBe(0);
    expect(cleanWhileDown).toHaveLength(waiting.length + 1);
    expect(audited).toEqual(waiting);
    for (const requestId of waiting) expect(await effectsAt(s.stack, requestId)).toHaveLength(1);
  });

  it('forged audit receipt signed by another service’s key: dead-lettered by every consumer, audited', async () => {
    const refused = forgedByService.filter((entry) => evidence.refusedByAll(entry));
    const codes = forgedByService.flatMap((entry) => evidence.deadLettersFor(entry).map((letter) => letter.code));
    recordAttack({
      suite: SUITE,
      attack: 'audit down: receipt signed by another service’s key',
      layer: 'signature',
      tried: forgedByService.length,
      rejected: refused.length,
      auditable: forgedByService.length,
      audited: refused.length,
      executions: await attackEffects(s.stack, legitimate),
      notes: [[...new Set(codes)].join(', ')],
    });
    expect(refused).toHaveLength(forgedByService.length);
    expect(new Set(codes)).toEqual(new Set(['type_not_allowed', 'signer_mismatch']));
  });

  it('audit-signed receipt for another approval opens nothing; audit records it and flags the request', async () => {
    const target = waiting[0]!;
    const recorded = evidence.events({ type: EventTypes.AuditReceipt, requestId: target }).some((event) => event.id === foreign.id);
    const flagged = recordedTypes(target).includes(EventTypes.AuditViolation);
    recordAttack({
      suite: SUITE,
      attack: 'audit down: audit-signed receipt for another approval',
      layer: 'domain',
      tried: 1,
      rejected: cleanWhileDown.includes(target) ? 1 : 0,
      auditable: 1,
      audited: recorded && flagged ? 1 : 0,
      executions: await attackEffects(s.stack, legitimate),
      notes: ['the request waited for its own receipt; custody flags the foreign one'],
    });
    expect(cleanWhileDown).toContain(target);
    expect(recorded).toBe(true);
    expect(flagged).toBe(true);
  });

  it('audit-signed receipt contradicting the approval: credential refused for good, recorded, never run', async () => {
    const refusal = evidence
      .events({ type: EventTypes.CredentialRefused, requestId: sacrificed.requestId })
      .map((event) => event.data as CredentialRefusedV1)
      .find((data) => data.approvalEventId === sacrificed.approvalId);
    const effects = await effectsAt(s.stack, sacrificed.requestId);
    recordAttack({
      suite: SUITE,
      attack: 'audit down: audit-signed receipt contradicting the approval',
      layer: 'domain',
      tried: 1,
      rejected: refusal?.code === 'audit_receipt_invalid' && effects.length === 0 ? 1 : 0,
      auditable: 1,
      audited: refusal ? 1 : 0,
      executions: effects.length,
      notes: [refusal?.message ?? 'no refusal recorded'],
    });
    expect(refusal).toMatchObject({ code: 'audit_receipt_invalid' });
    expect(effects).toHaveLength(0);
    expect(s.deployBot.outcomes({ requestId: sacrificed.requestId })).toEqual(['accepted', 'approved', 'failed']);
  });
});
