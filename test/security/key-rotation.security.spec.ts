import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nextRecord } from '@countersign/audit-chain';
import { EventTypes, SERVICE_NAMES, Subjects, type AuditRecordV1, type Envelope } from '@countersign/contracts';
import { EnvelopeSigner, HomeLayout, loadIdentity, TrustStoreDocument, type StoredKeyPair } from '@countersign/identity';
import {
  ApproverClient,
  countersign,
  ProcessLog,
  rotateSigningKey,
  approvalRequested,
  demoTargetIn,
  outcomeOf,
  startScenario,
  type Scenario,
} from '@countersign/e2e';
import { codeCounts, recordAttack } from './report';
import { AuditEvidence, inject, type Injected } from './support/evidence';
import { bytesOf } from './support/forgery';
import { Connections, signerOf, stackLog } from './support/parties';

jest.setTimeout(240_000);

const SUITE = 'key-rotation';
const ALICE = 'approver:alice';

const production = (version: string) => ({
  kind: 'http.request',
  target: demoTargetIn('production'),
  environment: 'production',
  parameters: { method: 'POST', path: '/deploy', body: { version } },
});

interface AuditReport {
  ok: boolean;
  events: { verified: number; failures: Array<{ eventId?: string; code: string }> };
}

/**
 * Alice's approver key is rotated (retired at once, no overlap). What she signed before must stay
 * provable, nothing new signed with the old key may count, whatever time it claims; and a revoked
 * key proves nothing, not even its history. Judged on the real stack and with the real CLI.
 */
describe('key rotation: a retired key keeps its history and loses the future; a revoked key loses both', () => {
  let s: Scenario;
  let connections: Connections;
  let evidence: AuditEvidence;
  const processes = new ProcessLog();
  let oldKey: StoredKeyPair;
  let historicVote: string;
  let pending: string;
  let digest: string;
  let rendering: string;
  let rotatedAt: number;
  const attempts: Array<{ label: string; envelope: Envelope; injected: Injected }> = [];
  let dir: string;
  let exportFile: string;

  const verifyFile = async (file: string): Promise<AuditReport & { code: number }> => {
    const result = await countersign(s.stack, '--json', 'audit', 'verify', '--file', file);
    return { ...(JSON.parse(result.out) as AuditReport), code: result.code };
  };

  beforeAll(async () => {
    s = await startScenario({
      env: { COUNTERSIGN_TRUST_RELOAD_MS: '200' },
      log: (name, line) => {
        processes.log(name, line);
        stackLog?.(name, line);
      },
    });
    connections = new Connections(s.stack);
    evidence = new AuditEvidence(s.audit);
    dir = mkdtempSync(join(tmpdir(), 'countersign-key-rotation-'));

    // History: alice's vote on an executed request, signed with the key about to retire.
    const { requestId: historic } = await s.deployBot.submit(production('1'), 'before the rotation');
    const requested = await approvalRequested(s.audit, historic);
    historicVote = await s.approvers.alice.vote(historic, requested.digest, 'approve', 'old key');
    await s.approvers.bob.vote(historic, requested.digest, 'approve', 'second');
    await outcomeOf(s.deployBot, historic, 'executed');
    pending = (await s.deployBot.submit(production('2'), 'open during the rotation')).requestId;
    ({ digest, renderingDigest: rendering } = await approvalRequested(s.audit, pending));

    oldKey = loadIdentity(s.stack.home, ALICE).signing;
    const reloads = processes.snapshot(SERVICE_NAMES);
    rotatedAt = Date.now();
    await rotateSigningKey(s.stack, ALICE, '0s');
    await processes.reloaded(SERVICE_NAMES, reloads);

    // New votes with the retired key: as signed now, and backdated to before the rotation.
    const nc = await connections.as('approver-alice');
    for (const [label, time] of [
      ['signed now', new Date()],
      ['backdated 1 minute before the rotation', new Date(rotatedAt - 60_000)],
      ['backdated 4 minutes before the rotation', new Date(rotatedAt - 240_000)],
    ] as const) {
      const envelope = oldVote(pending, digest, time, label);
      attempts.push({ label, envelope, injected: await inject(nc, Subjects.vote('alice'), bytesOf(envelope), label) });
    }
    await evidence.waitFor(() => attempts.every((attempt) => evidence.refusedByAll(attempt.injected)), 60_000);
    await evidence.settle();

    const exported = await countersign(s.stack, '--nats', s.stack.natsUrl, 'audit', 'export', '--out', join(dir, 'audit.jsonl'));
    if (exported.code !== 0) throw new Error(`audit export failed: ${exported.err}`);
    exportFile = join(dir, 'audit.jsonl');
  });

  afterAll(async () => {
    await connections?.closeAll();
    await s?.close();
  });

  /** A vote signed with alice's old key, claiming whatever time it likes. */
  const oldVote = (requestId: string, voteDigest: string, time: Date, reason: string, renderingDigest = rendering): Envelope =>
    new EnvelopeSigner(ALICE, oldKey).sign({
      id: randomUUID(),
      type: EventTypes.VoteCast,
      subject: requestId,
      time: time.toISOString(),
      data: { requestId, digest: voteDigest, renderingDigest, decision: 'approve', reason },
    });
  const codesOf = (attempt: (typeof attempts)[number]) => evidence.deadLettersFor(attempt.injected).map((letter) => letter.code);
  const recordedVote = (id: string) =>
    evidence.events({ type: EventTypes.VoteRecorded, requestId: pending }).some((event) => JSON.stringify(event.data).includes(id));

  it('refuses every new vote signed with the retired key as retired_key, and audit records each refusal', () => {
    const accepted = attempts.filter((attempt) => recordedVote(attempt.envelope.id));
    recordAttack({
      suite: SUITE,
      attack: 'new vote signed with a retired approver key (incl. backdated)',
      layer: 'signature',
      tried: attempts.length,
      rejected: attempts.length - accepted.length,
      auditable: attempts.length,
      audited: attempts.filter((attempt) => evidence.refusedByAll(attempt.injected)).length,
      executions: 0,
      notes: [codeCounts(attempts.flatMap(codesOf))],
    });
    expect(accepted).toEqual([]);
    expect(attempts.map((attempt) => [attempt.label, [...new Set(codesOf(attempt))]])).toEqual(
      attempts.map((attempt) => [attempt.label, ['retired_key']]),
    );
  });

  it("verifies offline what the retired key signed before the rotation (alice's historic vote)", async () => {
    const report = await verifyFile(exportFile);
    expect(report.events.failures).toEqual([]);
    expect(report.ok).toBe(true);
    const lines = readFileSync(exportFile, 'utf8').trim().split('\n');
    expect(lines.some((line) => line.includes(historicVote) && line.includes(oldKey.keyId))).toBe(true);
  });

  it('lets alice vote with her new key: the rotation leaves her able to approve', async () => {
    const renewed = await ApproverClient.connect(s.stack, 'alice', s.audit);
    await renewed.vote(pending, digest, 'approve', 'new key');
    await s.approvers.bob.vote(pending, digest, 'approve', 'second');
    expect(await outcomeOf(s.deployBot, pending, 'executed')).toEqual(['accepted', 'approved', 'executed']);
    await renewed.close();
  });

  it('flags offline a record audit chained after the retirement that the retired key signed', async () => {
    // A compromised (or buggy) audit that chains a vote signed with the retired key: even with
    // audit's genuine signature on the record, the chain time says it came after the retirement.
    const lines = readFileSync(exportFile, 'utf8').trim().split('\n');
    const last = recordsOf(exportFile).at(-1)!.data;
    const late = attempts[1]!.envelope;
    const record = nextRecord({ sequence: last.sequence, hash: last.hash }, late, new Date().toISOString(), pending);
    const wrapper = signerOf(s.stack, 'service:audit').sign({
      id: randomUUID(),
      type: EventTypes.AuditRecord,
      subject: pending,
      time: record.recordedAt,
      data: record,
    });
    const forged = join(dir, 'audit-with-late-record.jsonl');
    writeFileSync(forged, [...lines, JSON.stringify(wrapper)].join('\n') + '\n');
    // The same record without audit's signature, recordedAt backdated: no witness, so refused too.
    const bare = nextRecord({ sequence: 0, hash: '0'.repeat(64) }, late, new Date(rotatedAt - 60_000).toISOString(), pending);
    const bareFile = join(dir, 'bare-backdated.jsonl');
    writeFileSync(bareFile, `${JSON.stringify(bare)}\n`);
    const reports = [await verifyFile(forged), await verifyFile(bareFile)];
    recordAttack({
      suite: SUITE,
      attack: 'audit chain: record signed with a retired key after its retirement',
      layer: 'audit-chain',
      tried: reports.length,
      rejected: reports.filter((report) => !report.ok && report.events.failures.some((f) => f.code === 'retired_key')).length,
      auditable: 0,
      audited: 0,
      executions: 0,
      notes: ['one audit-signed record chained late, one bare record backdated'],
    });
    for (const report of reports) {
      expect(report.ok).toBe(false);
      expect(report.code).toBe(1);
      expect(report.events.failures).toEqual([expect.objectContaining({ eventId: late.id, code: 'retired_key' })]);
    }
  });

  it('verifies nothing with a revoked key: its history fails offline and its new events are refused live', async () => {
    const path = HomeLayout.trust(s.stack.home);
    const document = TrustStoreDocument.parse(JSON.parse(readFileSync(path, 'utf8')));
    for (const key of document.identities.find((identity) => identity.id === ALICE)!.signingKeys) {
      if (key.keyId === oldKey.keyId) Object.assign(key, { status: 'revoked', retiredAt: undefined });
    }
    const reloads = processes.snapshot(SERVICE_NAMES);
    writeFileSync(path, `${JSON.stringify(document, null, 2)}\n`);
    await processes.reloaded(SERVICE_NAMES, reloads);

    const report = await verifyFile(exportFile);
    const signedByOld = recordsOf(exportFile)
      .map((record) => record.data.event as unknown as Envelope)
      .filter((event) => event.keyid === oldKey.keyId);
    expect(signedByOld.length).toBeGreaterThan(0);
    expect(report.ok).toBe(false);
    expect(
      report.events.failures
        .filter((f) => f.code === 'revoked_key')
        .map((f) => f.eventId)
        .sort(),
    ).toEqual(signedByOld.map((event) => event.id).sort());

    const { requestId } = await s.deployBot.submit(production('3'), 'after the revocation');
    const fresh = await approvalRequested(s.audit, requestId);
    const envelope = oldVote(requestId, fresh.digest, new Date(), 'revoked key', fresh.renderingDigest);
    const injected = await inject(await connections.as('approver-alice'), Subjects.vote('alice'), bytesOf(envelope), 'revoked');
    await evidence.waitFor(() => evidence.refusedByAll(injected), 60_000);
    const codes = evidence.deadLettersFor(injected).map((letter) => letter.code);
    recordAttack({
      suite: SUITE,
      attack: 'revoked key: its history in audit verify, a new vote live',
      layer: 'signature',
      tried: signedByOld.length + 1,
      rejected:
        report.events.failures.filter((f) => f.code === 'revoked_key').length + (codes.every((code) => code === 'revoked_key') ? 1 : 0),
      auditable: 1,
      audited: evidence.refusedByAll(injected) ? 1 : 0,
      executions: 0,
      notes: [codeCounts(codes)],
    });
    expect([...new Set(codes)]).toEqual(['revoked_key']);
  });
});

/** The audit records of an export; audit's signed checkpoints sit between them and are skipped here. */
function recordsOf(file: string): Envelope<AuditRecordV1>[] {
  return readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Envelope<AuditRecordV1>)
    .filter((envelope) => envelope.type === EventTypes.AuditRecord);
}
