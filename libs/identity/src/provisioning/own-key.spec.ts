import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TrustStore } from '../trust-store';
import { enrollmentOf, generateKeyFile } from './key-custody';
import { assertEnrolled, loadOwnKey } from './own-key';

describe("a service's own key", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'countersign-own-key-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const trustOf = (keys: Array<{ keyId: string; publicKey: string }>) =>
    new TrustStore({
      version: 1,
      environment: 'test',
      identities: [{ id: 'service:broker', signingKeys: keys.map((key) => ({ ...key, status: 'active' as const })), encryptionKeys: [] }],
    });

  it('is made on first start (0600), its enrollment written where asked, and kept on the next start', () => {
    const keyFile = join(dir, 'keys', 'key.json');
    const first = loadOwnKey({ home: dir, owner: 'service:broker', keyFile, enrollmentDir: join(dir, 'enrollment') });
    expect(first.generated).toBe(true);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(first.enrollmentPath).toBe(join(dir, 'enrollment', 'service-broker.json'));
    const enrollment = readFileSync(first.enrollmentPath!, 'utf8');
    expect(enrollment).not.toMatch(/privateKey|seed/);
    const again = loadOwnKey({ home: dir, owner: 'service:broker', keyFile });
    expect(again).toMatchObject({ generated: false, file: first.file });
  });

  it('refuses to start with a key the trust store does not hold, naming its enrollment', () => {
    const own = loadOwnKey({ home: dir, owner: 'service:broker' });
    expect(() => assertEnrolled(trustOf([]), own)).toThrow(
      /service:broker: signing key .* is not in the trust store\. Its enrollment is in .*enrollment\.json/,
    );
    expect(() => assertEnrolled(trustOf([enrollmentOf(own.file).signing!]), own)).not.toThrow();
  });

  it('takes an injected key (COUNTERSIGN_KEY) without writing any file, and refuses one of another identity', () => {
    const injected = generateKeyFile('service:broker');
    const own = loadOwnKey({ home: dir, owner: 'service:broker', keyJson: JSON.stringify(injected) });
    expect(own.file).toEqual(injected);
    expect(existsSync(join(dir, 'keys'))).toBe(false);
    expect(() => loadOwnKey({ home: dir, owner: 'service:intake', keyJson: JSON.stringify(injected) })).toThrow(
      /belongs to service:broker/,
    );
  });
});
