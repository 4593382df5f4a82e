import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventTypes } from '@countersign/contracts';
import { loadTrustStore } from '@countersign/identity';
import { runCli, type CliResult } from '@countersign/cli/testing';
import { approvalRequested, outcomeOf, startScenario, type Scenario, demoTargetIn } from '@countersign/e2e';
import { codeCounts, recordAttack } from './report';
import { AuditEvidence } from './support/evidence';
import { MALLEABLE, TamperLab, type Mutation, type Verdict } from './support/tamper';

jest.setTimeout(240_000);

const SUITE = 'audit-tampering';
const COUNT = Number(process.env.SECURITY_TAMPER_COUNT ?? 10_000);
const SEED = Number(process.env.SECURITY_SEED ?? Date.now() % 2_147_483_647);
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

const deploy = (environment: string, version: string) => ({
  kind: 'http.request',
  target: demoTargetIn(environment),
  environment,
  parameters: { method: 'POST', path: '/deploy', body: { version } },
});

describe('audit tampering: single-byte mutations of the exported audit stream', () => {
  let s: Scenario;
  let dir: string;
  let file: string;
  let lab: TamperLab;
  let humanApproved: string;
  let verdicts: Verdict[] = [];
  const cli = (...args: string[]): Promise<CliResult> => runCli(['--home', s.stack.home, '--nats', s.stack.natsUrl, ...args]);

  beforeAll(async () => {
    s = await startScenario();
    const evidence = new AuditEvidence(s.audit);
    const auto = await Promise.all(['1', '2'].map(async (v) => (await s.deployBot.submit(deploy('staging', v), 'routine')).requestId));
    humanApproved = (await s.deployBot.submit(deploy('production', '3'), 'two people')).requestId;
    const { digest } = await approvalRequested(s.audit, humanApproved);
    await s.approvers.alice.vote(humanApproved, digest, 'approve', 'looked at it');
    await s.approvers.bob.vote(humanApproved, digest, 'approve', 'me too');
    for (const requestId of [...auto, humanApproved]) await outcomeOf(s.deployBot, requestId, 'executed');
    await evidence.waitFor(() =>
      [...auto, humanApproved].every((id) => evidence.events({ type: EventTypes.CustodyVerified, requestId: id }).length > 0),
    );
    await evidence.settle();

    dir = mkdtempSync(join(tmpdir(), 'countersign-tamper-'));
    file = join(dir, 'audit.jsonl');
    const exported = await cli('audit', 'export', '--out', file);
    if (exported.code !== 0) throw new Error(`audit export failed: ${exported.stderr}`);
    lab = new TamperLab(readFileSync(file), loadTrustStore(s.stack.home));
    const started = Date.now();
    verdicts = lab.mutations(SEED, COUNT).map((mutation) => lab.judge(mutation));
    console.log(
      `audit-tampering: ${verdicts.length} mutations of a ${lab.size}-byte export judged in ${Date.now() - started} ms, seed ${SEED}`,
    );
    const missed = verdicts.filter((verdict) => !verdict.detected);
    recordAttack({
      suite: SUITE,
      attack: 'audit: single-byte mutation of an exported record',
      layer: 'audit-chain',
      tried: verdicts.length,
      rejected: verdicts.length - missed.length,
      auditable: 0,
      audited: 0,
      executions: 0,
      notes: [`seed ${SEED}`, codeCounts(verdicts.map((verdict) => verdict.reason))],
    });
  });

  afterAll(async () => {
    await s?.close();
  });

  it('raises no false alarm on the untouched export', () => {
    const report = lab.verifyUntouched();
    expect({ ok: report.ok, chainBreak: report.chainBreak, events: report.events.failures, wrappers: report.wrappers.failures }).toEqual({
      ok: true,
      chainBreak: undefined,
      events: [],
      wrappers: [],
    });
    expect(report.records).toBeGreaterThan(20);
  });

  it(`detects every one of the ${COUNT} single-byte mutations that changes a checked value (hash chain or signature)`, () => {
    expect(verdicts).toHaveLength(COUNT);
    // A re-spelled signature character is the next test's subject; it is counted in the table either way.
    const missed = verdicts.filter((verdict) => !verdict.detected && verdict.reason !== MALLEABLE);
    expect(missed.map(({ mutation }) => describeMutation(lab, mutation))).toEqual([]);
  });

  it('detects a re-encoded signature character that decodes to the same signature bytes', () => {
    const mutation = malleableSignature(readFileSync(file));
    const verdict = lab.judge(mutation);
    recordAttack({
      suite: SUITE,
      attack: 'audit: non-canonical base64url in a record’s signature',
      layer: 'audit-chain',
      tried: 1,
      rejected: verdict.detected ? 1 : 0,
      auditable: 0,
      audited: 0,
      executions: 0,
      notes: [describeMutation(lab, mutation)],
    });
    expect(verdict).toMatchObject({ detected: true });
  });

  it('`countersign audit verify --request` prints the chain of custody and exits 0: live, and offline with only trust.json', async () => {
    // The auditor's folder holds the export and the public trust.json, nothing secret, and no NATS.
    const auditor = mkdtempSync(join(tmpdir(), 'countersign-auditor-'));
    copyFileSync(join(s.stack.home, 'trust.json'), join(auditor, 'trust.json'));
    const offline = ['--home', auditor, '--nats', 'nats://127.0.0.1:1', 'audit', 'verify', '--file', file, '--request', humanApproved];
    for (const run of [() => cli('audit', 'verify', '--request', humanApproved), () => runCli(offline)]) {
      const result = await run();
      expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: '' });
      expect(result.stdout).toContain(`chain of custody for request ${humanApproved}: OK`);
      for (const link of [
        'requester requester:deploy-bot',
        'approver  approver:alice',
        'approver  approver:bob',
        'broker    service:broker',
        'executor  service:executor',
      ])
        expect(result.stdout).toContain(link);
      expect(result.stdout).toContain('identities distinct: yes');
    }
  });

  it('`countersign audit verify --file` exits non-zero on a tampered export', async () => {
    const text = readFileSync(file, 'utf8');
    const at = text.indexOf(humanApproved, Math.floor(text.length / 2));
    const mutation: Mutation = {
      offset: Buffer.byteLength(text.slice(0, at)),
      from: text.charCodeAt(at),
      to: text.charCodeAt(at) === 0x61 ? 0x62 : 0x61,
    };
    const tampered = join(dir, 'tampered.jsonl');
    writeFileSync(tampered, lab.mutatedFile(mutation));
    const result = await cli('audit', 'verify', '--file', tampered, '--request', humanApproved);
    recordAttack({
      suite: SUITE,
      attack: 'audit: `audit verify` on a tampered export',
      layer: 'audit-chain',
      tried: 1,
      rejected: result.code !== 0 ? 1 : 0,
      auditable: 0,
      audited: 0,
      executions: 0,
    });
    expect(result.code).not.toBe(0);
    expect(result.stdout).toMatch(/^audit verify: FAILED/);
  });
});

/** The last character of the final `signature` on a line (the audit service's own) swapped for one that decodes the same. */
function malleableSignature(bytes: Buffer): Mutation {
  const text = bytes.toString('latin1');
  const lineEnd = text.indexOf('\n', Math.floor(text.length / 3));
  const key = '"signature":"';
  const start = text.lastIndexOf(key, lineEnd) + key.length;
  const offset = start + 85;
  const index = BASE64URL.indexOf(text[offset]!);
  // 86 characters carry 516 bits for 512: the last character's low 4 bits are padding.
  const twin = BASE64URL[(index & 0b110000) | ((index + 1) & 0b001111)]!;
  return { offset, from: bytes[offset]!, to: twin.charCodeAt(0) };
}

function describeMutation(lab: TamperLab, mutation: Mutation): string {
  const verdict = lab.judge(mutation);
  return `byte ${mutation.offset}: 0x${mutation.from.toString(16)} → 0x${mutation.to.toString(16)} (${verdict.reason})`;
}
