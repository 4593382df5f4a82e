import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventTypes, SERVICE_NAMES, type CredentialIssuedV1 } from '@countersign/contracts';
import { loadIdentity } from '@countersign/identity';
import { effectsAt, eventually } from './clients';
import { countersign, keyStatus, ProcessLog, rotateSigningKey } from './rotation';
import { approvalRequested, outcomeOf, startScenario, type Scenario } from './scenario';

jest.setTimeout(180_000);

const deploy = { kind: 'http.request', target: 'demo-staging', environment: 'staging', parameters: { method: 'POST', path: '/deploy' } };
const production = {
  kind: 'http.request',
  target: 'demo-target',
  environment: 'production',
  parameters: { method: 'POST', path: '/deploy' },
};
const OTHERS = SERVICE_NAMES.filter((name) => name !== 'approval');

/**
 * Rotating one service's signing key (approval's) on the real stack, with the operator commands of
 * docs/operations.md: the others keep running (never restarted) and pick up trust.json by
 * themselves; flows before, during the overlap (approval still on its old key) and after approval
 * restarted on its new key all execute; and the whole audit chain still verifies offline.
 */
describe('rotating a service key while the others keep running', () => {
  let s: Scenario;
  const processes = new ProcessLog();

  beforeAll(async () => {
    s = await startScenario({ env: { COUNTERSIGN_TRUST_RELOAD_MS: '200' }, log: processes.log });
  });

  afterAll(async () => {
    await s?.close();
  });

  const approvedBy = (requestId: string) =>
    eventually(() => {
      const approved = s.audit.eventsFor(requestId).find((event) => event.type === EventTypes.RequestApproved);
      if (!approved) throw new Error(`no RequestApproved for ${requestId} on the audit stream yet`);
      return approved.keyid;
    });

  async function executes(action: typeof deploy, reason: string): Promise<string> {
    const { requestId } = await s.deployBot.submit(action, reason);
    expect(await outcomeOf(s.deployBot, requestId, 'executed', 40_000)).toEqual(['accepted', 'approved', 'executed']);
    expect(await effectsAt(s.stack, requestId)).toHaveLength(1);
    return requestId;
  }

  it('executes before, during and after the rotation, restarting only the rotated service', async () => {
    const before = await executes(deploy, 'before rotation');
    const reloads = processes.snapshot(SERVICE_NAMES);

    const { oldKeyId, newKeyId } = await rotateSigningKey(s.stack, 'service:approval', '60s');
    expect(keyStatus(s.stack, 'service:approval', oldKeyId)).toBe('retired');
    await processes.reloaded(SERVICE_NAMES, reloads);

    // Overlap: approval still signs with its old key, which the others accept until retiredAt.
    const during = await executes(deploy, 'during the overlap');
    await s.stack.restart('approval');
    const after = await executes(deploy, 'after approval restarted on its new key');
    // Human votes too: broker and executor re-check the votes inside approval's new-key approval.
    const { requestId: voted } = await s.deployBot.submit(production, 'two people, after rotation');
    const { digest } = await approvalRequested(s.audit, voted);
    await s.approvers.alice.vote(voted, digest, 'approve', 'after rotation');
    await s.approvers.bob.vote(voted, digest, 'approve', 'after rotation');
    expect(await outcomeOf(s.deployBot, voted, 'executed', 40_000)).toEqual(['accepted', 'approved', 'executed']);

    expect(await approvedBy(before)).toBe(oldKeyId);
    expect(await approvedBy(during)).toBe(oldKeyId);
    expect(await approvedBy(after)).toBe(newKeyId);
    expect(await approvedBy(voted)).toBe(newKeyId);
    expect(Object.fromEntries(OTHERS.map((name) => [name, processes.starts(name)]))).toEqual(
      Object.fromEntries(OTHERS.map((name) => [name, 1])),
    );
    expect(processes.starts('approval')).toBe(2);
  });

  it('keeps the whole audit chain verifiable offline, old-key records included', async () => {
    await eventually(() => expect(s.audit.records.length).toBeGreaterThan(0));
    const file = join(mkdtempSync(join(tmpdir(), 'countersign-rotation-audit-')), 'audit.jsonl');
    const exported = await countersign(s.stack, '--nats', s.stack.natsUrl, 'audit', 'export', '--out', file);
    expect(exported).toMatchObject({ code: 0 });
    const verified = await countersign(s.stack, '--json', 'audit', 'verify', '--file', file);
    const report = JSON.parse(verified.out) as { ok: boolean; events: { failures: unknown[] } };
    expect(report.events.failures).toEqual([]);
    expect(report.ok).toBe(true);
    expect(verified.code).toBe(0);
  });

  it("rotates the executor's encryption key: credentials sealed to the previous key and to the new one both open", async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'countersign-rotation-enc-')), 'executor.public.json');
    const previous = loadIdentity(s.stack.home, 'service:executor').encryption!.keyId;
    const rotated = await countersign(s.stack, 'keys', 'rotate', '--id', 'service:executor', '--key', 'encryption', '--out', file);
    expect(rotated).toMatchObject({ code: 0 });
    const next = loadIdentity(s.stack.home, 'service:executor').encryption!.keyId;
    await s.stack.restart('executor');

    // trust.json still names the previous key: the broker seals to it, the restarted executor keeps it.
    const sealedToPrevious = await executes(deploy, 'sealed to the previous encryption key');
    const reloads = processes.snapshot(['broker']);
    expect(await countersign(s.stack, 'trust', 'rotate', '--id', 'service:executor', '--new', file, '--overlap', '0s')).toMatchObject({
      code: 0,
    });
    await processes.reloaded(['broker'], reloads);
    const sealedToNext = await executes(deploy, 'sealed to the new encryption key');

    expect(await sealedTo(sealedToPrevious)).toBe(previous);
    expect(await sealedTo(sealedToNext)).toBe(next);
  });

  const sealedTo = (requestId: string) =>
    eventually(() => {
      const issued = s.audit.eventsFor(requestId).find((event) => event.type === EventTypes.CredentialIssued);
      if (!issued) throw new Error(`no CredentialIssued for ${requestId} on the audit stream yet`);
      return (issued.data as CredentialIssuedV1).sealed.recipientKeyId;
    });
});
