import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { GENESIS, nextRecord, type ChainHead } from '@countersign/audit-chain';
import { EventTypes, type AuditFindingV1, type AuditRecordV1, type Envelope } from '@countersign/contracts';
import { runCli, type CliResult } from '@countersign/cli/testing';
import { effectsAt, eventually } from './clients';
import { approvalRequested, outcomeOf, startScenario, type Scenario } from './scenario';

jest.setTimeout(300_000);

const deploy = (environment: 'staging' | 'production', version: string) => ({
  kind: 'http.request',
  target: environment === 'staging' ? 'demo-staging' : 'demo-target',
  environment,
  parameters: { method: 'POST', path: '/deploy', body: { version } },
});

/**
 * The real stack with audit signing a checkpoint every 10 records or 2 seconds. A request comes in
 * over HTTP and executes: its signed submission is in the chain (no missing_event) and custody is
 * verified. A vote approval refused is a finding, not a violation. Then a SIEM's view: it keeps a
 * checkpoint, later proves inclusion and consistency with the CLI, and detects a truncated or a
 * rewritten log with the checkpoint it kept.
 */
describe('audit: every submission path in the chain, findings, signed Merkle checkpoints', () => {
  let s: Scenario;
  let dir: string;
  const cli = (...args: string[]): Promise<CliResult> => runCli(['--home', s.stack.home, '--nats', s.stack.natsUrl, ...args]);
  const types = (requestId: string) => s.audit.eventsFor(requestId).map((event) => event.type);
  const custodyDone = (requestId: string) =>
    eventually(() => expect(types(requestId)).toEqual(expect.arrayContaining([EventTypes.CustodyVerified])), 90_000);

  beforeAll(async () => {
    s = await startScenario({ env: { COUNTERSIGN_AUDIT_CHECKPOINT_RECORDS: '10', COUNTERSIGN_AUDIT_CHECKPOINT_SECONDS: '2' } });
    dir = mkdtempSync(join(tmpdir(), 'countersign-checkpoints-'));
  });

  afterAll(async () => {
    await s?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  let httpRequest = '';

  it('chains a submission that came over HTTP, and verifies its custody (no missing_event)', async () => {
    httpRequest = randomUUID();
    const envelope = s.deployBot.sign({ requestId: httpRequest, action: deploy('staging', 'http-1'), reason: 'over http' });
    const response = await fetch(`${s.stack.intakeUrl}/v1/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(envelope),
    });
    expect(response.status).toBe(202);
    await outcomeOf(s.deployBot, httpRequest, 'executed', 60_000);
    await custodyDone(httpRequest);
    expect(types(httpRequest)).not.toContain(EventTypes.AuditViolation);
    const submitted = s.audit.eventsFor(httpRequest).filter((event) => event.type === EventTypes.RequestSubmitted);
    expect(submitted.map((event) => [event.id, event.signer])).toEqual([[envelope.id, 'requester:deploy-bot']]);
    expect(await effectsAt(s.stack, httpRequest)).toHaveLength(1);
  });

  it('chains a submission intake refused over HTTP: the rejection carries it to audit', async () => {
    const refused = randomUUID();
    const action = { ...deploy('staging', 'http-2'), target: 'no-such-target' };
    const envelope = s.deployBot.sign({ requestId: refused, action, reason: 'over http, unknown target' });
    const response = await fetch(`${s.stack.intakeUrl}/v1/submissions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(envelope),
    });
    expect(response.status).toBe(400);
    // The submission is chained first, from the rejection that carries it; then the rejection and the notice.
    const chained = [EventTypes.RequestSubmitted, EventTypes.RequestRejected, EventTypes.RequesterNotified];
    await eventually(() => expect(types(refused)).toEqual(chained), 30_000);
    const submitted = s.audit.eventsFor(refused).filter((event) => event.type === EventTypes.RequestSubmitted);
    expect(submitted.map((event) => [event.id, event.signer])).toEqual([[envelope.id, 'requester:deploy-bot']]);
  });

  it('raises a vote_refused finding, not a violation, for a vote naming another digest on a request that executes correctly', async () => {
    const { requestId } = await s.deployBot.submit(deploy('production', 'votes-1'), 'two people');
    const { digest } = await approvalRequested(s.audit, requestId);
    await s.approvers.carol.vote(requestId, 'f'.repeat(64), 'approve', 'I saw another digest');
    await eventually(() => expect(types(requestId)).toContain(EventTypes.VoteRejected), 30_000);
    await s.approvers.alice.vote(requestId, digest, 'approve', 'looks right');
    await s.approvers.bob.vote(requestId, digest, 'approve', 'agreed');
    await outcomeOf(s.deployBot, requestId, 'executed', 60_000);
    await custodyDone(requestId);
    expect(types(requestId)).not.toContain(EventTypes.AuditViolation);
    const findings = s.audit.eventsFor(requestId).filter((event) => event.type === EventTypes.AuditFinding) as Envelope<AuditFindingV1>[];
    expect(findings.map((finding) => finding.data)).toEqual([
      expect.objectContaining({
        kind: 'vote_refused',
        severity: expect.stringMatching(/^(medium|high)$/),
        requestId,
        signer: 'approver:carol',
      }),
    ]);
  });

  it('lets a SIEM keep a checkpoint, prove inclusion and consistency offline, and catch truncation and rewriting', async () => {
    await eventually(() => expect(s.audit.checkpoints.length).toBeGreaterThan(0), 30_000);
    const first = join(dir, 'first.jsonl');
    expect((await cli('audit', 'export', '--out', first)).code).toBe(0);
    const kept = join(dir, 'kept.json');
    const latest = await cli('audit', 'checkpoint', '--file', first, '--out', kept);
    expect(latest.code).toBe(0);
    const keptSize = (JSON.parse(readFileSync(kept, 'utf8')) as { data: { treeSize: number } }).data.treeSize;

    const signature = await cli('audit', 'verify', '--checkpoint', kept, '--json');
    expect(JSON.parse(signature.stdout)).toMatchObject({ ok: true, checks: [{ ok: true }] });
    const proof = join(dir, 'inclusion.json');
    expect((await cli('audit', 'prove', httpRequest, '--file', first, '--checkpoint', kept, '--out', proof)).code).toBe(0);
    const inclusion = await cli('audit', 'verify', '--proof', proof, '--json');
    expect(inclusion.code).toBe(0);
    expect(JSON.parse(inclusion.stdout)).toMatchObject({ ok: true, format: 'countersign.audit.inclusion/v1' });

    // More records and a newer checkpoint: the log must extend the kept one.
    const { requestId } = await s.deployBot.submit(deploy('staging', 'later'), 'after the kept checkpoint');
    await outcomeOf(s.deployBot, requestId, 'executed', 60_000);
    await custodyDone(requestId);
    await eventually(() => expect(s.audit.checkpoints.at(-1)!.data.treeSize).toBeGreaterThan(keptSize), 30_000);
    const later = join(dir, 'later.jsonl');
    expect((await cli('audit', 'export', '--out', later)).code).toBe(0);
    const whole = await cli('audit', 'verify', '--file', later, '--json');
    expect(whole.code).toBe(0);
    expect(JSON.parse(whole.stdout)).toMatchObject({ ok: true, checkpoints: { failures: [] } });
    const consistency = join(dir, 'consistency.json');
    expect((await cli('audit', 'prove', '--since', kept, '--file', later, '--out', consistency)).code).toBe(0);
    expect((await cli('audit', 'verify', '--proof', consistency)).code).toBe(0);
    expect((await cli('audit', 'verify', '--checkpoint', kept, '--live')).code).toBe(0);

    // Truncated: the tail cut off below the kept checkpoint (the chain left is itself intact).
    const lines = readFileSync(later, 'utf8').trim().split('\n');
    const recordLines = lines.filter((line) => (JSON.parse(line) as { type: string }).type === EventTypes.AuditRecord);
    const truncated = join(dir, 'truncated.jsonl');
    writeFileSync(truncated, `${recordLines.slice(0, keptSize - 1).join('\n')}\n`);
    expect((await cli('audit', 'verify', '--file', truncated)).code).toBe(0);
    const cut = await cli('audit', 'verify', '--checkpoint', kept, '--file', truncated, '--json');
    expect(cut.code).toBe(1);
    expect(JSON.stringify(JSON.parse(cut.stdout))).toContain('truncated');

    // Rewritten: one early record changed and the whole chain re-hashed after it, as bare records.
    const records = recordLines.map((line) => (JSON.parse(line) as { data: AuditRecordV1 }).data);
    let head: ChainHead = GENESIS;
    const rewrittenRecords = records.map((record, index) => {
      const next = nextRecord(head, record.event, index === 2 ? '2020-01-01T00:00:00.000Z' : record.recordedAt, record.requestId);
      head = { sequence: next.sequence, hash: next.hash };
      return next;
    });
    const rewritten = join(dir, 'rewritten.jsonl');
    writeFileSync(rewritten, rewrittenRecords.map((record) => `${JSON.stringify(record)}\n`).join(''));
    expect((await cli('audit', 'verify', '--file', rewritten)).code).toBe(0);
    const caught = await cli('audit', 'verify', '--checkpoint', kept, '--file', rewritten, '--json');
    expect(caught.code).toBe(1);
    expect(JSON.stringify(JSON.parse(caught.stdout))).toContain('rewritten');
  });
});
