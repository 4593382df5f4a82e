import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseJson, TargetRegistryDocument, toFieldErrors, type RegisteredTarget } from '@countersign/contracts';
import { formatPolicyErrors, locateJsonError, locateJsonPath, type PolicyError } from '@countersign/policy';
import { loadPolicyBundle, type PolicyBundle } from './bundle';
import { runCase } from './fixture.run';
import { FixtureFile } from './fixture.schema';

export interface CaseResult {
  file: string;
  /** 1-based line of the case in its fixture file. */
  line: number | undefined;
  name: string;
  mismatches: string[];
}

export interface PolicyTestReport {
  ok: boolean;
  policies: Array<{ file: string; label: string; version: string }>;
  cases: CaseResult[];
  /** Files that do not load, and policies no fixture tests: each fails the run. */
  errors: string[];
}

/**
 * `countersign policy test <dir>`: loads every `*.policy.json` (with its Cedar file) in the folder
 * and runs every `*.fixtures.json` against the policy it names. Policies are code: one that does
 * not load, a policy without fixtures, or any case whose outcome differs fails the run.
 */
export function runPolicyTests(dir: string): PolicyTestReport {
  const names = readdirSync(dir).sort();
  const errors: string[] = [];
  const bundles = new Map<string, PolicyBundle>();
  const policies: PolicyTestReport['policies'] = [];
  for (const name of names.filter((file) => file.endsWith('.policy.json'))) {
    const loaded = loadPolicyBundle(join(dir, name));
    if (!loaded.ok) errors.push(formatPolicyErrors(loaded.errors));
    else {
      bundles.set(name, loaded.bundle);
      policies.push({ file: loaded.bundle.files.policy, label: loaded.bundle.policy.label, version: loaded.bundle.policy.version });
    }
  }
  const tested = new Set<string>();
  const cases: CaseResult[] = [];
  for (const name of names.filter((file) => file.endsWith('.fixtures.json'))) {
    const file = join(dir, name);
    const fixture = readFixture(file);
    if (!fixture.ok) {
      errors.push(formatPolicyErrors(fixture.errors));
      continue;
    }
    tested.add(fixture.value.policy);
    const bundle = bundles.get(fixture.value.policy);
    if (!bundle) {
      if (names.includes(fixture.value.policy)) continue; // it failed to load, reported above
      errors.push(`${file}: policy ${fixture.value.policy} is not in ${dir}`);
      continue;
    }
    const registry = readRegistry(resolve(dirname(file), fixture.value.registry));
    if (!registry.ok) {
      errors.push(`${file}: registry ${registry.error}`);
      continue;
    }
    fixture.value.cases.forEach((testCase, index) => {
      const line = locateJsonPath(fixture.text, `cases.${index}`)?.line;
      cases.push({ file, line, name: testCase.name, mismatches: runCase(bundle, fixture.value, testCase, registry.targets) });
    });
  }
  for (const name of bundles.keys()) if (!tested.has(name)) errors.push(`${join(dir, name)}: no *.fixtures.json tests this policy`);
  if (bundles.size === 0 && errors.length === 0) errors.push(`${dir}: no *.policy.json files`);
  const ok = errors.length === 0 && cases.every((result) => result.mismatches.length === 0);
  return { ok, policies, cases, errors };
}

type ReadRegistry = { ok: true; targets: RegisteredTarget[] } | { ok: false; error: string };

/** The target registry a fixture file names: the same document provisioning reads. */
function readRegistry(file: string): ReadRegistry {
  try {
    const json = parseJson(readFileSync(file, 'utf8'));
    if (!json.ok) return { ok: false, error: `${file}: ${json.errors.map((error) => error.message).join('; ')}` };
    const parsed = TargetRegistryDocument.safeParse(json.value);
    if (parsed.success) return { ok: true, targets: parsed.data.targets };
    const problems = toFieldErrors(parsed.error).map((error) => `${error.path}: ${error.message}`);
    return { ok: false, error: `${file}: ${problems.join('; ')}` };
  } catch (error) {
    return { ok: false, error: `${file}: ${(error as Error).message}` };
  }
}

type ReadFixture = { ok: true; value: FixtureFile; text: string } | { ok: false; errors: PolicyError[] };

function readFixture(file: string): ReadFixture {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { ok: false, errors: [{ file, path: '(file)', code: 'unreadable', message: String(error) }] };
  }
  const locate = (error: { path: string; code: string; message: string }): PolicyError => ({
    file,
    ...((error.code === 'invalid_json' ? locateJsonError(text) : locateJsonPath(text, error.path)) ?? {}),
    ...error,
  });
  const json = parseJson(text);
  if (!json.ok) return { ok: false, errors: json.errors.map(locate) };
  const parsed = FixtureFile.safeParse(json.value);
  if (!parsed.success) return { ok: false, errors: toFieldErrors(parsed.error).map(locate) };
  return { ok: true, value: parsed.data, text };
}
