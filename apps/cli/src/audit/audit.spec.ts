import { EventTypes, type AuditReceiptV1, type Envelope } from '@countersign/contracts';
import { chainRecords, executedRequestStory, memoryIdentities, toJsonLines, wrapRecord } from '../testing/story';
import { chainOfCustody, formatCustody } from './custody';
import { entriesForRequest, examineEntries, parseJsonLines } from './entries';
import { formatAuditReport, verifyAudit } from './report';
import { formatTimeline, shortType, timelineEntry } from './timeline';

const { trust, signerFor } = memoryIdentities([
  ...['requester:deploy-bot', 'approver:alice', 'approver:bob'],
  ...['intake', 'approval', 'broker', 'executor', 'audit'].map((s) => `service:${s}`),
]);

const examine = (lines: unknown[]) => examineEntries(parseJsonLines(toJsonLines(lines), 'records.jsonl'), trust);

describe('audit verify', () => {
  const story = executedRequestStory(signerFor);
  const records = chainRecords(story.envelopes);

  it('accepts an intact chain of bare records and verifies every embedded signature', () => {
    const report = verifyAudit(examine(records));
    expect(report).toMatchObject({ ok: true, records: 8, firstSequence: 1, lastSequence: 8, headHash: records[7]!.hash });
    expect(report.events).toEqual({ verified: 8, failures: [] });
    expect(report.wrappers.present).toBe(0);
    expect(formatAuditReport(report)[0]).toBe('audit verify: OK');
  });

  it('accepts records wrapped in envelopes signed by the audit service', () => {
    const report = verifyAudit(examine(records.map((record) => wrapRecord(signerFor('service:audit'), record))));
    expect(report.ok).toBe(true);
    expect(report.wrappers).toEqual({ present: 8, verified: 8, failures: [] });
  });

  it('names the record where one changed byte breaks the chain', () => {
    const text = toJsonLines(records).replace('release 4.2', 'release 4.3');
    const report = verifyAudit(examineEntries(parseJsonLines(text, 'records.jsonl'), trust));
    expect(report.ok).toBe(false);
    expect(report.chainBreak).toMatchObject({ origin: 'records.jsonl:1', code: 'hash_mismatch' });
    expect(formatAuditReport(report).join('\n')).toContain('BROKEN at records.jsonl:1');
  });

  it('reports a missing record as a sequence gap and an unreadable line as a break', () => {
    expect(verifyAudit(examine([records[0], records[2]])).chainBreak).toMatchObject({ origin: 'records.jsonl:2', code: 'sequence_gap' });
    const report = verifyAudit(examineEntries(parseJsonLines(`${JSON.stringify(records[0])}\n{oops\n`, 'f'), trust));
    expect(report.chainBreak).toMatchObject({ origin: 'f:2', code: 'unreadable' });
  });

  it('fails when an intact chain holds an event signed by an identity that may not emit it', () => {
    const forged = signerFor('approver:alice').sign({ ...story.envelopes[3]!, id: story.envelopes[3]!.id });
    const report = verifyAudit(examine(chainRecords([...story.envelopes.slice(0, 3), forged])));
    expect(report.chainBreak).toBeUndefined();
    expect(report.ok).toBe(false);
    expect(report.events.failures).toEqual([expect.objectContaining({ sequence: 4, eventId: forged.id, code: 'type_not_allowed' })]);
  });

  it('refuses a record wrapped by anyone but the audit service', () => {
    const report = verifyAudit(examine([wrapRecord(signerFor('service:intake'), records[0]!)]));
    expect(report.ok).toBe(false);
    expect(report.wrappers.failures[0]).toMatchObject({ code: 'type_not_allowed' });
  });
});

describe('chain of custody', () => {
  it('shows four distinct, verified identities for an executed request', () => {
    const story = executedRequestStory(signerFor);
    const custody = chainOfCustody(story.requestId, entriesForRequest(examine(chainRecords(story.envelopes)), story.requestId));
    expect(custody.links.map((link) => [link.role, link.identity, link.signatureVerified])).toEqual([
      ['requester', 'requester:deploy-bot', true],
      ['approver', 'approver:alice', true],
      ['broker', 'service:broker', true],
      ['executor', 'service:executor', true],
    ]);
    expect(custody).toMatchObject({ ok: true, distinct: true, executed: true, missing: [], digests: [story.digest] });
    expect(formatCustody(custody)[0]).toContain(': OK');
  });

  it('flags a vote signed by someone other than the approver the approval names', () => {
    const story = executedRequestStory(signerFor);
    const impostorVote = signerFor('approver:bob').sign({ ...story.envelopes[2]!, id: story.envelopes[2]!.id });
    const envelopes = story.envelopes.map((envelope, index) => (index === 2 ? impostorVote : envelope));
    const custody = chainOfCustody(story.requestId, entriesForRequest(examine(chainRecords(envelopes)), story.requestId));
    expect(custody.ok).toBe(false);
    expect(custody.problems).toContain(`vote ${impostorVote.id} was signed by approver:bob, not approver:alice`);
  });

  it('fails a credential issued without audit’s receipt for its approval in the log', () => {
    const story = executedRequestStory(signerFor);
    const [approved, receipt, issued] = story.envelopes.slice(3, 6);
    const envelopes = story.envelopes.filter((envelope) => envelope !== receipt);
    const custody = chainOfCustody(story.requestId, entriesForRequest(examine(chainRecords(envelopes)), story.requestId));
    expect(custody.problems).toEqual(['no receipt event was recorded']);
    expect(issued!.data).toMatchObject({ approvalEventId: approved!.id });
  });

  it('fails a receipt that points at another record than the approval’s', () => {
    const story = executedRequestStory(signerFor);
    const approved = story.envelopes[3]!;
    const receipt = story.envelopes[4]! as Envelope<AuditReceiptV1>;
    const moved = signerFor('service:audit').sign<AuditReceiptV1>({ ...receipt, data: { ...receipt.data, sequence: 2 } });
    const envelopes = story.envelopes.map((envelope) => (envelope === receipt ? moved : envelope));
    const custody = chainOfCustody(story.requestId, entriesForRequest(examine(chainRecords(envelopes)), story.requestId));
    expect(custody.problems).toEqual([`receipt ${moved.id} points at record 2, but approval ${approved.id} is record 4`]);
  });

  it('fails a credential issued before audit signed its receipt', () => {
    const story = executedRequestStory(signerFor);
    const receipt = story.envelopes[4]! as Envelope<AuditReceiptV1>;
    const issued = story.envelopes[5]!;
    const late = signerFor('service:audit').sign<AuditReceiptV1>({ ...receipt, time: '2026-11-21T10:30:00.000Z' });
    const envelopes = story.envelopes.map((envelope) => (envelope === receipt ? late : envelope));
    const custody = chainOfCustody(story.requestId, entriesForRequest(examine(chainRecords(envelopes)), story.requestId));
    expect(custody.problems).toEqual([
      `credential ${issued.id} was issued at ${issued.time}, before audit's receipt ${late.id} at 2026-11-21T10:30:00.000Z`,
    ]);
  });

  it('reports an unexecuted request as incomplete but not violated', () => {
    const story = executedRequestStory(signerFor);
    const custody = chainOfCustody(story.requestId, entriesForRequest(examine(chainRecords(story.envelopes.slice(0, 4))), story.requestId));
    expect(custody).toMatchObject({ ok: true, executed: false, missing: ['broker', 'executor'] });
  });
});

describe('status timeline', () => {
  const story = executedRequestStory(signerFor);
  const timeline = entriesForRequest(examine(chainRecords(story.envelopes)), story.requestId).map(timelineEntry);

  it('lists time, type, signer and key facts of each event, never the sealed credential', () => {
    expect(timeline.map((entry) => shortType(entry.type))).toEqual([
      'request.submitted',
      'request.accepted',
      'vote.cast',
      'request.approved',
      'audit.receipt',
      'credential.issued',
      'execution.started',
      'execution.succeeded',
    ]);
    expect(timeline[3]).toMatchObject({
      signer: 'service:approval',
      signature: 'verified',
      facts: { mode: 'quorum', approvers: 'approver:alice', digest: story.digest },
    });
    expect(timeline[5]!.facts).toHaveProperty('credential');
    const printed = formatTimeline(story.requestId, timeline).join('\n');
    expect(printed).toContain(`digest=${story.digest}`);
    expect(printed).not.toMatch(/sealed|ciphertext|c2VhbGVk/);
  });

  it("shows an agent workload's run and the human it acts for on the accepted request", () => {
    const accepted = story.envelopes[1]!;
    const agent = {
      workload: 'requester:deploy-bot',
      runId: 'run-42',
      taskScope: 'deploy-staging',
      onBehalfOf: 'approver:bob',
      runExpiresAt: '2026-11-21T10:30:00.000Z',
    };
    const resigned = signerFor('service:intake').sign({ ...accepted, data: { ...(accepted.data as object), agent } });
    const [entry] = entriesForRequest(examine(chainRecords([resigned])), story.requestId).map(timelineEntry);
    expect(entry?.facts).toMatchObject({
      workload: 'requester:deploy-bot',
      run: 'run-42 (scope deploy-staging, until 2026-11-21T10:30:00.000Z)',
      onBehalfOf: 'approver:bob',
    });
  });

  it('marks an event whose signature does not verify and shows none of its claims', () => {
    const envelopes = [{ ...story.envelopes[0]!, data: { ...(story.envelopes[0]!.data as object), reason: 'edited' } }];
    const [entry] = entriesForRequest(examine(chainRecords(envelopes)), story.requestId).map(timelineEntry);
    expect(entry).toMatchObject({ type: EventTypes.RequestSubmitted, signature: 'bad_signature', facts: {} });
  });
});
