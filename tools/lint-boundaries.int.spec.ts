import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';

/**
 * The lint rules that keep the architecture honest, each proved to fire on a file that breaks it
 * on purpose (linted as text at a path inside the project it pretends to be in; nothing is written).
 * Integration, not unit: it builds the Nx project graph first (seconds to tens of seconds).
 */
const root = join(__dirname, '..');
// The deployment provisioning entry point; its probe text stands in for the file on disk.
const PROVISION = 'tools/provision.ts';
jest.setTimeout(240_000);

let eslint: ESLint;
beforeAll(() => {
  // The module-boundary rule reads the project graph Nx computes.
  execFileSync('npx', ['nx', 'show', 'projects'], { cwd: root, stdio: 'ignore' });
  // Handed in rather than found: ESLint's own loader imports the file dynamically, which Jest's VM refuses.
  const config = jest.requireActual<Linter.Config[]>('../eslint.config.js');
  // The probes exist only as text, so no type-checked program can hold them; none of the rules tested needs types.
  const untyped = { files: ['**/boundary-probe*', PROVISION], ...tseslint.configs.disableTypeChecked };
  eslint = new ESLint({ cwd: root, overrideConfigFile: true, overrideConfig: [...config, untyped] });
});

/** Every `@countersign/.../testing` alias with the file it resolves to. */
function testingPaths(): Record<string, string> {
  const { paths } = jest.requireActual<{ compilerOptions: { paths: Record<string, string[]> } }>('../tsconfig.base.json').compilerOptions;
  return Object.fromEntries(
    Object.entries(paths)
      .filter(([alias]) => alias.endsWith('/testing'))
      .map(([alias, [target]]) => [alias, target!]),
  );
}

async function rulesFiredOn(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(root, path) });
  const fatal = result!.messages.find((message) => message.fatal);
  if (fatal) throw new Error(`${path} did not parse: ${fatal.message}`);
  return [...new Set(result!.messages.map((message) => message.ruleId ?? 'unknown'))].sort();
}

describe('lint rules that guard the boundaries', () => {
  it('an app may not import the test harness', async () => {
    const code = "import { freePort } from '@countersign/testing';\nexport const probe = freePort;\n";
    expect(await rulesFiredOn('apps/broker/src/boundary-probe.ts', code)).toEqual([
      '@nx/enforce-module-boundaries',
      'no-restricted-imports',
    ]);
  });

  it("an app's own tests may", async () => {
    const code = "import { freePort } from '@countersign/testing';\nexport const probe = freePort;\n";
    expect(await rulesFiredOn('apps/broker/src/boundary-probe.spec.ts', code)).toEqual([]);
  });

  it('production code may not import a /testing entry point', async () => {
    const code = "import * as support from '@countersign/event-store/testing';\nexport const probe = support;\n";
    expect(await rulesFiredOn('libs/service-runtime/src/boundary-probe.ts', code)).toEqual(['no-restricted-imports']);
  });

  it('production code may not reach its own library’s test code by a relative path', async () => {
    const code = "import { openApproval } from './testing/approval.fixtures';\nexport const probe = openApproval;\n";
    expect(await rulesFiredOn('libs/approval/domain/src/boundary-probe.ts', code)).toEqual(['no-restricted-imports']);
    const fake = "import { FakeKurrentDb } from './testing/kurrentdb-fake-client';\nexport const probe = FakeKurrentDb;\n";
    expect(await rulesFiredOn('libs/event-store/src/boundary-probe.ts', fake)).toEqual(['no-restricted-imports']);
  });

  it('while its specs, and the test code itself, may', async () => {
    const code = "import { openApproval } from './testing/approval.fixtures';\nexport const probe = openApproval;\n";
    expect(await rulesFiredOn('libs/approval/domain/src/boundary-probe.spec.ts', code)).toEqual([]);
    const sibling = "import { openApproval } from './approval.fixtures';\nexport const probe = openApproval;\n";
    expect(await rulesFiredOn('libs/approval/domain/src/testing/boundary-probe.ts', sibling)).toEqual([]);
  });

  it('every /testing entry point in tsconfig.base.json is closed to production code', async () => {
    // The Nx tags cannot do this (an entry point belongs to its library's project), so the path rule must cover each one.
    const entryPoints = Object.keys(testingPaths());
    expect(entryPoints.length).toBeGreaterThan(10);
    for (const alias of entryPoints) {
      const code = `import * as support from '${alias}';\nexport const probe = support;\n`;
      expect({ alias, fired: await rulesFiredOn('apps/broker/src/boundary-probe.ts', code) }).toEqual({
        alias,
        fired: expect.arrayContaining(['no-restricted-imports']),
      });
    }
  });

  it('a decider may not read the environment', async () => {
    const code = "export const probe = (): string | undefined => process.env['HOME'];\n";
    expect(await rulesFiredOn('libs/broker/domain/src/boundary-probe.ts', code)).toEqual(['no-restricted-syntax']);
  });

  it('the wire contract is pure: no bus, no clock, no environment', async () => {
    const bus = "import { connect } from 'nats';\nexport const probe = connect;\n";
    expect(await rulesFiredOn('libs/contracts/src/boundary-probe.ts', bus)).toEqual(['no-restricted-imports']);
    const clock = 'export const probe = (): number => Date.now();\n';
    expect(await rulesFiredOn('libs/contracts/src/boundary-probe.ts', clock)).toEqual(['no-restricted-syntax']);
  });

  it('the decider kit is pure too', async () => {
    const code = "export const probe = (): string | undefined => process.env['HOME'];\n";
    expect(await rulesFiredOn('libs/decider/src/boundary-probe.ts', code)).toEqual(['no-restricted-syntax']);
  });

  it('one service may not import another service’s code', async () => {
    const code = "import { credentialDecider } from '@countersign/broker-domain';\nexport const probe = credentialDecider;\n";
    expect(await rulesFiredOn('apps/executor/src/boundary-probe.ts', code)).toEqual(['@nx/enforce-module-boundaries']);
  });

  it('a test reaches an app only through its /testing entry point, never its files', async () => {
    const entry = "import { runCli } from '@countersign/cli/testing';\nexport const probe = runCli;\n";
    expect(await rulesFiredOn('test/security/boundary-probe.ts', entry)).toEqual([]);
    const internal = "import { openCredential } from '../../apps/executor/src/credential-opener';\nexport const probe = openCredential;\n";
    expect(await rulesFiredOn('test/security/boundary-probe.ts', internal)).toEqual(['@nx/enforce-module-boundaries']);
  });

  it("a test may not import a library's files by path", async () => {
    const relative = "import { TrustStore } from '../../libs/identity/src/trust-store';\nexport const probe = TrustStore;\n";
    expect(await rulesFiredOn('test/e2e/boundary-probe.ts', relative)).toEqual(['@nx/enforce-module-boundaries']);
    const rooted = "import { TrustStore } from 'libs/identity/src/trust-store';\nexport const probe = TrustStore;\n";
    expect(await rulesFiredOn('test/e2e/boundary-probe.ts', rooted)).toEqual(['@nx/enforce-module-boundaries']);
  });

  it("one suite uses another's harness by its entry point, not by path", async () => {
    const entry = "import { startScenario } from '@countersign/e2e';\nexport const probe = startScenario;\n";
    expect(await rulesFiredOn('test/chaos/boundary-probe.ts', entry)).toEqual([]);
    const relative = "import { startScenario } from '../e2e/scenario';\nexport const probe = startScenario;\n";
    expect(await rulesFiredOn('test/chaos/boundary-probe.ts', relative)).toEqual(['@nx/enforce-module-boundaries']);
  });

  it('production code may not import a test project, by entry point or by path', async () => {
    const entry = "import { startScenario } from '@countersign/e2e';\nexport const probe = startScenario;\n";
    expect(await rulesFiredOn('apps/broker/src/boundary-probe.ts', entry)).toEqual([
      '@nx/enforce-module-boundaries',
      'no-restricted-imports',
    ]);
    const relative = "import { startScenario } from '../../../test/e2e/scenario';\nexport const probe = startScenario;\n";
    expect(await rulesFiredOn('libs/messaging/src/boundary-probe.ts', relative)).toEqual(['@nx/enforce-module-boundaries']);
  });

  it("production code may not import an app's /testing entry point", async () => {
    const code = "import { runCli } from '@countersign/cli/testing';\nexport const probe = runCli;\n";
    expect(await rulesFiredOn('libs/service-runtime/src/boundary-probe.ts', code)).toEqual([
      '@nx/enforce-module-boundaries',
      'no-restricted-imports',
    ]);
  });

  it('the KurrentDB access provisioning is production code: no harness', async () => {
    const code = "import { freePort } from '@countersign/testing';\nexport const probe = freePort;\n";
    expect(await rulesFiredOn('deploy/kurrentdb/boundary-probe.ts', code)).toEqual([
      '@nx/enforce-module-boundaries',
      'no-restricted-imports',
    ]);
  });

  it('the deployment provisioning among the tools is production code: no harness', async () => {
    const code = "import { startStack } from '@countersign/stack';\nexport const probe = startStack;\n";
    expect(await rulesFiredOn(PROVISION, code)).toEqual(['no-restricted-imports']);
  });

  it('the tools may start the harness but may not import a test suite', async () => {
    const harness = "import { freePort } from '@countersign/testing';\nexport const probe = freePort;\n";
    expect(await rulesFiredOn('tools/boundary-probe.ts', harness)).toEqual([]);
    const suite = "import { startScenario } from '@countersign/e2e';\nexport const probe = startScenario;\n";
    expect(await rulesFiredOn('tools/boundary-probe.ts', suite)).toEqual(['@nx/enforce-module-boundaries']);
  });

  it('the launcher scripts are linted', async () => {
    const code = "'use strict';\nmodule.exports = () => undefinedThing;\n";
    expect(await rulesFiredOn('scripts/boundary-probe.js', code)).toEqual(['no-undef']);
  });
});
