import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventTypes, RUN_ATTESTATION_MAX_TTL_MS } from '@countersign/contracts';
import { HomeLayout, loadTrustStore, provision } from '@countersign/identity';
import { runInProcess } from '../testing/in-process';
import { buildRunAttestation } from './run';

const DEPLOY = join(__dirname, '..', '..', '..', '..', 'deploy');
const readJson = (path: string): unknown => JSON.parse(readFileSync(path, 'utf8')) as unknown;

const cli = (argv: string[]) => runInProcess(argv);

describe('countersign run attest', () => {
  const home = mkdtempSync(join(tmpdir(), 'countersign-run-'));
  provision({ home, description: readJson(join(DEPLOY, 'identities.json')), targets: readJson(join(DEPLOY, 'targets.json')) });
  const now = new Date('2026-11-21T10:00:00.000Z');
  const input = { workload: 'requester:payments-agent', scope: 'vendor-payments', onBehalfOf: 'approver:dave', runId: 'run-1', now };

  it('builds the attestation from the clock and the TTL, and refuses a run longer than 12 hours before signing', () => {
    expect(buildRunAttestation({ ...input, ttlMs: 30 * 60_000 })).toEqual({
      ok: true,
      value: {
        runId: 'run-1',
        workload: 'requester:payments-agent',
        taskScope: 'vendor-payments',
        onBehalfOf: 'approver:dave',
        issuedAt: '2026-11-21T10:00:00.000Z',
        expiresAt: '2026-11-21T10:30:00.000Z',
      },
    });
    const tooLong = buildRunAttestation({ ...input, ttlMs: RUN_ATTESTATION_MAX_TTL_MS + 1 });
    expect(tooLong).toMatchObject({ ok: false, errors: [{ path: 'expiresAt', code: 'custom' }] });
  });

  it("signs with the workload's own key: the trust store verifies it as that requester's run attestation", async () => {
    const printed = await cli([
      '--home',
      home,
      'run',
      'attest',
      '--as',
      'payments-agent',
      '--scope',
      'vendor-payments',
      '--on-behalf-of',
      'approver:dave',
      '--ttl',
      '30m',
    ]);
    expect(printed).toMatchObject({ code: 0, err: '' });
    const verification = loadTrustStore(home).verify(JSON.parse(printed.out));
    expect(verification).toMatchObject({
      ok: true,
      type: EventTypes.RunAttested,
      envelope: {
        signer: 'requester:payments-agent',
        data: { workload: 'requester:payments-agent', taskScope: 'vendor-payments', onBehalfOf: 'approver:dave' },
      },
    });
  });

  it('writes the envelope to --out, readable by its owner only, from a --key-file', async () => {
    const out = join(home, 'run.json');
    const keyFile = HomeLayout.identity(home, 'requester:payments-agent');
    const written = await cli([
      '--home',
      home,
      '--json',
      'run',
      'attest',
      '--key-file',
      keyFile,
      '--scope',
      'vendor-payments',
      '--on-behalf-of',
      'approver:dave',
      '--ttl',
      '2h',
      '--out',
      out,
    ]);
    expect(written).toMatchObject({ code: 0, err: '' });
    expect(JSON.parse(written.out)).toMatchObject({ workload: 'requester:payments-agent', file: out });
    expect(statSync(out).mode & 0o777).toBe(0o600);
    expect(loadTrustStore(home).verify(readJson(out))).toMatchObject({ ok: true, type: EventTypes.RunAttested });
  });

  it.each([
    [
      ['--as', 'payments-agent', '--scope', 'vendor-payments', '--on-behalf-of', 'approver:dave', '--ttl', 'soon'],
      2,
      '--ttl must be a duration',
    ],
    [
      ['--as', 'payments-agent', '--scope', 'vendor-payments', '--on-behalf-of', 'approver:dave', '--ttl', '13h'],
      2,
      'invalid run attestation',
    ],
    [['--as', 'payments-agent', '--scope', 'vendor-payments', '--on-behalf-of', 'dave', '--ttl', '1h'], 2, 'invalid run attestation'],
    [['--key-file', '/nonexistent/key.json', '--scope', 's', '--on-behalf-of', 'approver:dave', '--ttl', '1h'], 1, 'key file not found'],
  ])('refuses %j, signing nothing', async (args, code, message) => {
    const refused = await cli(['--home', home, 'run', 'attest', ...args]);
    expect(refused.code).toBe(code);
    expect(refused.out).toBe('');
    expect(refused.err).toContain(message);
  });

  it("refuses another identity's key: only a requester attests its runs", async () => {
    const keyFile = HomeLayout.identity(home, 'approver:alice');
    const refused = await cli([
      '--home',
      home,
      'run',
      'attest',
      '--key-file',
      keyFile,
      '--scope',
      's',
      '--on-behalf-of',
      'approver:dave',
      '--ttl',
      '1h',
    ]);
    expect(refused).toMatchObject({ code: 1, out: '' });
    expect(refused.err).toContain('approver:alice is not a requester');
  });
});
