import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CanonicalAction } from '@countersign/contracts';
import { acceptedWith as acceptedActionWith, NOW, REQUEST_ID } from '@countersign/policy/testing';

/** Fixtures shared by the engine's specs. Not exported from the library. */
export const POLICIES_DIR = join(__dirname, '../../../../deploy/policies');
export { NOW, REQUEST_ID };

/** The policy specs' billing-api request (`@countersign/policy/testing`), as asked by `requester:<requester>`. */
export function acceptedWith(
  requester: string,
  action: Partial<CanonicalAction>,
): { requestId: string; requester: string; action: CanonicalAction } {
  return { requestId: REQUEST_ID, requester: `requester:${requester}`, ...acceptedActionWith(action) };
}

/** A temporary copy of deploy/policies (next to a copy of the target registry), with some files replaced or added. */
export function policyDir(files: Record<string, string | object> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'countersign-policies-'));
  writeFileSync(join(root, 'targets.json'), readFileSync(join(POLICIES_DIR, '..', 'targets.json')));
  const dir = join(root, 'policies');
  mkdirSync(dir);
  for (const name of ['default.policy.json', 'default.cedar', 'default.fixtures.json']) {
    writeFileSync(join(dir, name), readFileSync(join(POLICIES_DIR, name)));
  }
  for (const [name, content] of Object.entries(files)) {
    writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

export const readJson = (dir: string, name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as Record<string, unknown>;
