import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import type { NatsConnection } from 'nats';
import { EnvelopeSigner, HomeLayout, importPrivateKey, keyIdFor, loadIdentity, type TrustStoreDocument } from '@countersign/identity';
import { connectAs, type Stack } from '@countersign/stack';

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * A NATS connection as a provisioned user with a silent logger: the attacks below provoke thousands
 * of permission violations, and each one would otherwise be logged as an error by the connection's
 * status watcher.
 */
export function quietConnection(stack: Pick<Stack, 'home' | 'natsUrl'>, user: string): Promise<NatsConnection> {
  return connectAs(stack, user, { name: `security-${user}`, logger: silent });
}

/** One connection per NATS user, opened on first use: an attacker holding that user's seed. */
export class Connections {
  private readonly open = new Map<string, Promise<NatsConnection>>();

  constructor(private readonly stack: Pick<Stack, 'home' | 'natsUrl'>) {}

  as(user: string): Promise<NatsConnection> {
    let connection = this.open.get(user);
    if (!connection) {
      connection = quietConnection(this.stack, user);
      this.open.set(user, connection);
    }
    return connection;
  }

  async closeAll(): Promise<void> {
    const connections = await Promise.all(this.open.values());
    await Promise.all(connections.map((nc) => nc.close()));
    this.open.clear();
  }
}

/** The NATS user allowed to publish on a Countersign stream subject: the bus proves who sent it. */
export function ownerOfSubject(subject: string): string {
  const [, kind, name] = subject.split('.');
  if (kind === 'evt' && name) return name;
  if (kind === 'submit' && name) return `requester-${name}`;
  if (kind === 'vote' && name === 'via') return `channel-${subject.split('.')[3] ?? ''}`;
  if (kind === 'vote' && name) return `approver-${name}`;
  if (kind === 'notify') return 'intake';
  if (kind === 'audit') return 'audit';
  throw new Error(`no owner for subject ${subject}`);
}

/** A private key from the stack's home: the tests hold every key, as a thief of that key would. */
export function signingKeyOf(stack: Pick<Stack, 'home'>, identity: string): { keyId: string; key: KeyObject } {
  const { signing } = loadIdentity(stack.home, identity);
  return { keyId: signing.keyId, key: importPrivateKey(signing.privateKey) };
}

export function signerOf(stack: Pick<Stack, 'home'>, identity: string): EnvelopeSigner {
  return new EnvelopeSigner(identity, loadIdentity(stack.home, identity).signing);
}

export function decryptionKeyOf(stack: Pick<Stack, 'home'>, identity: string): KeyObject {
  const { encryption } = loadIdentity(stack.home, identity);
  if (!encryption) throw new Error(`${identity} has no encryption key`);
  return importPrivateKey(encryption.privateKey);
}

/** Stack process output, shown only when SECURITY_LOG is set (as E2E_LOG does for the e2e suite). */
export const stackLog = process.env.SECURITY_LOG ? (name: string, line: string) => console.log(`${name}| ${line}`) : undefined;

/**
 * Adds a revoked signing key to every identity in the stack's trust store and returns the private
 * halves: a key that leaked and was revoked. Services read trust.json at start-up, so the caller
 * restarts them afterwards.
 */
export function addRevokedKeys(stack: Pick<Stack, 'home'>): Map<string, { keyId: string; key: KeyObject }> {
  const path = HomeLayout.trust(stack.home);
  const document = JSON.parse(readFileSync(path, 'utf8')) as TrustStoreDocument;
  const revoked = new Map<string, { keyId: string; key: KeyObject }>();
  for (const identity of document.identities) {
    const pair = generateKeyPairSync('ed25519');
    const publicKey = pair.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const keyId = keyIdFor(identity.id, publicKey);
    identity.signingKeys.push({ keyId, publicKey, status: 'revoked' });
    revoked.set(identity.id, { keyId, key: pair.privateKey });
  }
  writeFileSync(path, `${JSON.stringify(document, null, 2)}\n`);
  return revoked;
}
