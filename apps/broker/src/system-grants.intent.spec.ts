import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { POSTGRES_SQL_KIND, type RegisteredTarget } from '@countersign/contracts';
import { GrantIntendedType, credentialDecider, credentialStream } from '@countersign/broker-domain';
import { EnvelopeSigner, generateKeyPair } from '@countersign/identity';
import { CredentialIssuers, type CredentialIssuer, type GrantRequest } from './issuers';
import { SystemGrants } from './system-grants';
import { acceptedPostgresGrant, grantsRuntimeOver } from './testing/grant-request.fixtures';

const TARGET = 'demo-postgres';
const signer = new EnvelopeSigner('service:broker', generateKeyPair('ed25519', 'service:broker'));
const target = {
  name: TARGET,
  environment: 'production',
  dataSensitivity: 'confidential',
  ownerTeam: 'data',
  kinds: [POSTGRES_SQL_KIND],
  address: 'postgres://127.0.0.1:1/demo',
  requesters: ['deploy-bot'],
  grants: ['app_read'],
} as unknown as RegisteredTarget;

/** The event types of the request's credential stream as another process on the file sees them: committed only. */
function committedTypes(file: string, requestId: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare('SELECT type FROM events WHERE stream = ? ORDER BY position').all(credentialStream(requestId));
    return (rows as { type: string }[]).map((row) => row.type);
  } finally {
    db.close();
  }
}

/**
 * The grant's intent is what lets a restarted broker revoke a grant made just before it died, so it
 * must be on disk before the system is called, even inside a batch whose commit is deferred (the
 * JetStream transport runs handlers under `deferDurability` and flushes only before acking).
 */
describe('the grant intent under a deferred group commit', () => {
  let dir: string;
  beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'countersign-grant-intent-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is committed (visible to a second connection) before the issuer makes the grant', async () => {
    const file = join(dir, 'broker.sqlite');
    const runtime = grantsRuntimeOver(file, signer, target);
    const { store } = runtime;
    const requestId = randomUUID();
    const seenAtIssue: string[][] = [];
    const issuer: CredentialIssuer = {
      kinds: [POSTGRES_SQL_KIND],
      prepare: (request: GrantRequest) => ({ ok: true, handle: `cs_${request.credentialId.slice(0, 8)}` }),
      issue: (_request, handle) => {
        seenAtIssue.push(committedTypes(file, requestId));
        return Promise.resolve({ handle, secret: {} });
      },
      revoke: () => Promise.resolve(),
    };
    const grants = new SystemGrants(runtime, new CredentialIssuers([issuer]));
    const { accepted, approval } = acceptedPostgresGrant(requestId, TARGET);
    const now = new Date();
    const terms = { notBefore: now.toISOString(), expiresAt: new Date(now.getTime() + 60_000).toISOString() };
    try {
      const plan = await store.deferDurability(async () => {
        const stream = credentialStream(requestId);
        await runtime.runner.run(credentialDecider, stream, { type: 'RecordAcceptedRequest', accepted }, { id: accepted.id, now });
        return grants.plan(await runtime.runner.load(credentialDecider, stream), approval, terms, now);
      });
      expect(plan.ok && plan.grant).toBeTruthy();
      expect(seenAtIssue).toHaveLength(1);
      expect(seenAtIssue[0]).toContain(GrantIntendedType);
    } finally {
      await store.close();
    }
  });
});
