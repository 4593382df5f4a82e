import { createPrivateKey, generateKeyPairSync, randomUUID } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { connect, nkeyAuthenticator, type ConnectionOptions } from 'nats';
import { EventTypes, subjectFor, type Envelope } from '@countersign/contracts';
import { createNkeySeed, keyIdFor, nkeyOf, loadNatsUsers, loadTrustStore, privateMaterialIn } from '@countersign/identity';
import { approvalRequested, outcomeOf, startScenario, demoTargetIn, type Scenario } from '@countersign/e2e';
import { recordAttack } from './report';
import { attackEffects, AuditEvidence, inject, type Injected } from './support/evidence';
import { signWith } from './support/forgery';
import { Connections, ownerOfSubject } from './support/parties';

jest.setTimeout(300_000);

const SUITE = 'key-custody';
const deploy = (environment: string) => ({
  kind: 'http.request',
  target: demoTargetIn(environment),
  environment,
  parameters: { method: 'POST', path: '/deploy' },
});

/** What provisioning writes (public by design): the copy an attacker walks away with. */
function copyProvisioningOutput(home: string): string {
  const stolen = mkdtempSync(join(tmpdir(), 'countersign-stolen-'));
  for (const path of [
    'trust.json',
    'registry.json',
    'targets.json',
    'policy.pin.json',
    'enrollments',
    'nats/users.json',
    'nats/nats.conf',
  ]) {
    cpSync(join(home, path), join(stolen, path), { recursive: true });
  }
  return stolen;
}

const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)],
  );

const stringsIn = (value: unknown): string[] =>
  typeof value === 'string' ? [value] : value && typeof value === 'object' ? Object.values(value).flatMap(stringsIn) : [];

/** Every way a string could be a private key: PKCS#8 DER (our format), PEM, or an NKEY seed. */
function usableAsPrivateKey(text: string): boolean {
  const attempts = [
    () => createPrivateKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'pkcs8' }),
    () => createPrivateKey(text),
    () => nkeyOf(text),
  ];
  return attempts.some((attempt) => {
    try {
      attempt();
      return true;
    } catch {
      return false;
    }
  });
}

describe('a copy of the provisioning output alone (trust store, registry, NATS configuration, enrollments)', () => {
  let s: Scenario;
  let stolen: string;
  let evidence: AuditEvidence;
  let connections: Connections;
  let executed: string;
  let pending: string;
  const forged: Array<{ label: string; envelope: Envelope; injected: Injected }> = [];

  beforeAll(async () => {
    s = await startScenario();
    stolen = copyProvisioningOutput(s.stack.home);
    evidence = new AuditEvidence(s.audit);
    connections = new Connections(s.stack);
    executed = (await s.deployBot.submit(deploy('staging'), 'genuine traffic to forge from')).requestId;
    await outcomeOf(s.deployBot, executed, 'executed');
    pending = (await s.deployBot.submit(deploy('production'), 'one vote short of its quorum')).requestId;
    const { digest } = await approvalRequested(s.audit, pending);
    await s.approvers.alice.vote(pending, digest, 'approve', 'genuine first vote');
    await evidence.waitFor(() => evidence.events({ type: EventTypes.VoteCast, requestId: pending }).length > 0);
    await evidence.settle();
  });

  afterAll(async () => {
    await connections?.closeAll();
    await s?.close();
    if (stolen) rmSync(stolen, { recursive: true, force: true });
  });

  it('holds no private key, seed or password, and nothing in it imports as one', () => {
    const files = filesUnder(stolen);
    const secretsOnDisk = readdirSync(join(s.stack.home, 'keys')).flatMap((folder) => {
      const key = JSON.parse(readFileSync(join(s.stack.home, 'keys', folder, 'key.json'), 'utf8')) as {
        nats: { seed: string };
        signing?: { privateKey: string };
        encryption?: { privateKey: string };
      };
      return [key.nats.seed, key.signing?.privateKey, key.encryption?.privateKey].filter(
        (secret): secret is string => secret !== undefined,
      );
    });
    const found = files.flatMap((path) => {
      const text = readFileSync(path, 'utf8');
      const where = path.endsWith('.json')
        ? privateMaterialIn(JSON.parse(text))
        : /password|\bSU[A-Z2-7]{50,}/.test(text)
          ? 'text'
          : undefined;
      return [
        ...(where ? [`${relative(stolen, path)}: ${where}`] : []),
        ...(secretsOnDisk.some((secret) => secret.length > 40 && text.includes(secret)) ? [relative(stolen, path)] : []),
      ];
    });
    const candidates = files.filter((path) => path.endsWith('.json')).flatMap((path) => stringsIn(JSON.parse(readFileSync(path, 'utf8'))));
    const usable = candidates.filter(usableAsPrivateKey);
    recordAttack({
      suite: SUITE,
      attack: 'sign with a key derived from the provisioning output',
      layer: 'signature',
      tried: candidates.length,
      rejected: candidates.length - usable.length,
      auditable: 0,
      audited: 0,
      executions: 0,
      notes: [`${files.length} files, every string tried as PKCS#8, PEM and NKEY seed`],
    });
    expect(found).toEqual([]);
    expect(usable).toEqual([]);
  });

  it('cannot connect to NATS with what the server configuration holds, nor with a seed of its own', async () => {
    const users = loadNatsUsers(stolen);
    const attempts: Array<Partial<ConnectionOptions>> = users.flatMap((user) => [
      { user: user.nkey, pass: '' },
      { user: user.user, pass: user.nkey },
      { token: user.nkey },
      { authenticator: nkeyAuthenticator(new TextEncoder().encode(createNkeySeed())) },
    ]);
    const outcomes = await Promise.all(
      attempts.map(async (options) => {
        try {
          const nc = await connect({ servers: s.stack.natsUrl, noAsyncTraces: true, maxReconnectAttempts: 0, timeout: 30_000, ...options });
          await nc.close();
          return 'connected';
        } catch (error) {
          return (error as { code?: string }).code ?? String(error);
        }
      }),
    );
    const refused = outcomes.filter((code) => code === 'AUTHORIZATION_VIOLATION').length;
    recordAttack({
      suite: SUITE,
      attack: 'connect to NATS with the provisioned configuration (public NKEYs) or an unenrolled seed',
      layer: 'bus',
      tried: attempts.length,
      rejected: refused,
      auditable: 0,
      audited: 0,
      executions: 0,
      notes: [`${users.length} users x 4 ways`],
    });
    expect(outcomes.filter((code) => code !== 'AUTHORIZATION_VIOLATION')).toEqual([]);
  });

  it('forges a vote, an approval, a credential and an execution with fresh keys claiming enrolled ids: every one refused', async () => {
    const trust = loadTrustStore(stolen);
    const genuine = (type: string, requestId: string) => evidence.events({ type, requestId })[0]!;
    const vote = genuine(EventTypes.VoteCast, pending);
    const bases: Array<{ label: string; envelope: Envelope }> = [
      // bob's missing vote would complete the quorum of the pending production request
      { label: 'vote as approver:bob', envelope: { ...vote, signer: 'approver:bob' } },
      { label: 'approval as service:approval', envelope: genuine(EventTypes.RequestApproved, executed) },
      { label: 'credential as service:broker', envelope: genuine(EventTypes.CredentialIssued, executed) },
      { label: 'execution as service:executor', envelope: genuine(EventTypes.ExecutionSucceeded, executed) },
    ];
    const mark = evidence.mark();
    for (const { label, envelope } of bases) {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519');
      const fresh = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
      const enrolledKeyId = trust.activeSigningKey(envelope.signer)!.keyId;
      for (const [how, keyId] of [
        ['claiming its enrolled key id', enrolledKeyId],
        ['under a key id of its own', keyIdFor(envelope.signer, fresh)],
      ] as const) {
        const forgery = signWith(envelope, { keyId, key: privateKey }, { id: randomUUID(), time: new Date().toISOString() });
        const subject = subjectFor(forgery);
        // Best case for the attacker: published through a connection allowed on the subject.
        const nc = await connections.as(ownerOfSubject(subject));
        forged.push({ label: `${label}, ${how}`, envelope: forgery, injected: await inject(nc, subject, JSON.stringify(forgery), label) });
      }
    }
    await evidence.waitFor(() => forged.every(({ injected }) => evidence.refusedByAll(injected)), 120_000);
    await evidence.settle(2_000);
    const accepted = evidence.since(mark).filter((event) => forged.some(({ envelope }) => envelope.id === event.id));
    const effects = await attackEffects(s.stack, new Set([executed]));
    const codes = forged.map(
      ({ label, injected }) => `${label}: ${[...new Set(evidence.deadLettersFor(injected).map((letter) => letter.code))].join('/')}`,
    );
    recordAttack({
      suite: SUITE,
      attack: 'forge a vote, approval, credential and execution with a fresh key claiming an enrolled identity',
      layer: 'signature',
      tried: forged.length,
      rejected: forged.length - accepted.length,
      auditable: forged.length,
      audited: forged.filter(({ injected }) => evidence.refusedByAll(injected)).length,
      executions: effects,
      notes: codes,
    });
    expect(accepted).toEqual([]);
    expect(effects).toBe(0);
    expect(evidence.events({ type: EventTypes.RequestApproved, requestId: pending })).toEqual([]);
    for (const { injected, label } of forged) {
      expect([label, evidence.deadLettersFor(injected).every((letter) => ['bad_signature', 'unknown_key'].includes(letter.code))]).toEqual([
        label,
        true,
      ]);
    }
  });
});
