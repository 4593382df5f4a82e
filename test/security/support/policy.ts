import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@countersign/stack';

export interface EditablePolicy {
  label: string;
  approvers: Record<string, string[]>;
  tiers: Array<Record<string, unknown>>;
}

/**
 * A copy of deploy/policies with default.policy.json edited: every file next to it is copied too,
 * because the policy names its companion files (the Cedar authorization) by plain file name.
 */
export function policyFileWith(edit: (policy: EditablePolicy) => void): string {
  const source = join(REPO_ROOT, 'deploy', 'policies');
  const dir = mkdtempSync(join(tmpdir(), 'countersign-security-policy-'));
  for (const file of readdirSync(source)) copyFileSync(join(source, file), join(dir, file));
  const policy = JSON.parse(readFileSync(join(source, 'default.policy.json'), 'utf8')) as EditablePolicy;
  policy.label = 'security';
  edit(policy);
  const file = join(dir, 'default.policy.json');
  writeFileSync(file, JSON.stringify(policy, null, 2));
  return file;
}
