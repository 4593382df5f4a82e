import { join } from 'node:path';
import type { TrustStore } from '../trust-store';
import { enrollmentFileName } from './enrollment';
import { HomeLayout } from './home';
import { enrollmentOf, ensureKeyFile, KeyFile, writePublicJson, type KeyOwner } from './key-custody';

/** Where a running process finds (or makes) its own key, from its environment. */
export interface OwnKeySettings {
  home: string;
  owner: KeyOwner;
  /** The key file itself, as JSON: a secret injected by the platform. Wins over `keyFile`. */
  keyJson?: string;
  /** A mounted key file; `keys/<id>/key.json` in the home by default. Made on first start if missing. */
  keyFile?: string;
  /** Where to put the public enrollment for the operator to collect; next to the key file by default. */
  enrollmentDir?: string;
}

export interface OwnKey {
  file: KeyFile;
  /** Where the enrollment was written (public keys only). */
  enrollmentPath?: string;
  generated: boolean;
}

/**
 * A service's own key: injected, mounted, or made on first start. The enrollment (public half) is
 * (re)written every start, so the operator can always collect it; the private half never moves.
 */
export function loadOwnKey(settings: OwnKeySettings): OwnKey {
  if (settings.keyJson) {
    const file = KeyFile.parse(JSON.parse(settings.keyJson));
    if (file.id !== settings.owner) throw new Error(`the key given in the environment belongs to ${file.id}, not ${settings.owner}`);
    return { file, generated: false };
  }
  const keyFile = settings.keyFile ?? HomeLayout.identity(settings.home, settings.owner);
  const { file, generated } = ensureKeyFile(keyFile, settings.owner);
  const enrollmentPath = settings.enrollmentDir
    ? join(settings.enrollmentDir, enrollmentFileName(settings.owner))
    : keyFile.replace(/[^/]*$/, 'enrollment.json');
  writePublicJson(enrollmentPath, enrollmentOf(file));
  return { file, enrollmentPath, generated };
}

/**
 * Fail closed: a process whose key the trust store does not hold would sign events every other
 * service refuses, so it does not start; the message says what to do.
 */
export function assertEnrolled(trust: TrustStore, own: OwnKey): void {
  const { signing, id } = own.file;
  if (!signing) return;
  const keys = trust.document.identities.find((identity) => identity.id === id)?.signingKeys ?? [];
  const known = keys.find((key) => key.keyId === signing.keyId && key.publicKey === signing.publicKey);
  if (known?.status === 'active') return;
  const where = own.enrollmentPath ? ` Its enrollment is in ${own.enrollmentPath}:` : '';
  throw new Error(
    `${id}: signing key ${signing.keyId} is not in the trust store.${where} enroll it with ` +
      `'countersign provision --enrollments <folder>', give this process the new trust.json and start it again`,
  );
}
