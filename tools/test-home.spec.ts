import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/**
 * Test code has one home: each project's `src/testing/` folder, exported through one
 * `@countersign/<lib>/testing` entry point (its `index.ts`), which the lint rule closes to production
 * code (tools/lint-boundaries.int.spec.ts proves that per entry point). This checks the layout the
 * rule relies on: no test code left beside production code, and no entry point outside the home.
 */
const root = join(__dirname, '..');
/** The two harness libraries are test code as a whole (tagged `type:testing`). */
const harnessLibraries = ['libs/testing/', 'libs/stack/'];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (entry === 'node_modules' || entry.startsWith('.')) return [];
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return entry.endsWith('.ts') ? [relative(root, path)] : [];
  });
}

const inTestHome = (file: string) => file.includes('/src/testing/') || harnessLibraries.some((lib) => file.startsWith(lib));
const productionFiles = ['apps', 'libs']
  .flatMap((top) => sourceFiles(join(root, top)))
  .filter((file) => !file.endsWith('.spec.ts') && !inTestHome(file));

function testingEntryPoints(): [alias: string, target: string][] {
  const tsconfig = JSON.parse(readFileSync(join(root, 'tsconfig.base.json'), 'utf8')) as {
    compilerOptions: { paths: Record<string, string[]> };
  };
  return Object.entries(tsconfig.compilerOptions.paths)
    .filter(([alias]) => /^@countersign\/[^/]+\/testing$/.test(alias))
    .map(([alias, [target]]) => [alias, target!]);
}

describe('test code has one home', () => {
  it('no test code is named as such beside production code', () => {
    const testLike = /(\.fixtures|\.harness|\.contract)\.ts$|(^|\/)(test-support|stand-in|contract)\/|fake|(^|\/)testing\.ts$/;
    expect(productionFiles.filter((file) => testLike.test(file))).toEqual([]);
  });

  it('no production file asserts or mocks (Jest belongs to specs and src/testing/)', () => {
    const jestLike = /\bexpect\([^;]*\)\s*\.\s*(not\s*\.\s*)?to[A-Z]|\bjest\.(fn|mock|spyOn|requireActual)\(|from '@jest\//;
    expect(productionFiles.filter((file) => jestLike.test(readFileSync(join(root, file), 'utf8')))).toEqual([]);
  });

  it('every /testing entry point is the index.ts of a src/testing/ home', () => {
    const entryPoints = testingEntryPoints();
    expect(entryPoints.length).toBeGreaterThan(10);
    for (const [alias, target] of entryPoints) {
      expect({ alias, target, exists: existsSync(join(root, target)) }).toEqual({
        alias,
        target: expect.stringMatching(/^(apps|libs)\/.+\/src\/testing\/index\.ts$/),
        exists: true,
      });
    }
  });

  it("every library's src/testing/ home has its entry point", () => {
    const aliased = new Set(testingEntryPoints().map(([, target]) => dirname(target)));
    const homes = new Set(
      sourceFiles(join(root, 'libs'))
        .filter((file) => file.includes('/src/testing/'))
        .map((file) => file.slice(0, file.indexOf('/src/testing/') + '/src/testing'.length)),
    );
    expect([...homes].filter((home) => !aliased.has(home)).sort()).toEqual([]);
  });
});
