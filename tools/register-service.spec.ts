import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { transformSync as swcNodeTransform } from '@swc-node/core';
import { readDefaultTsConfig, tsCompilerOptionsToSwcConfig } from '@swc-node/register/read-default-tsconfig';
import { transformSync } from '@swc/core';

// eslint-disable-next-line @typescript-eslint/no-require-imports, @nx/enforce-module-boundaries -- a plain Node script (scripts/ is no Nx project), required as the services do
const { swcOptions } = require('../scripts/register-service') as { swcOptions: (file: string) => Parameters<typeof transformSync>[1] };

const ROOT = join(__dirname, '..');
/** The source map comment differs by design (the services inline their maps); the code must not. */
const withoutMapComment = (code: string) => code.replace(/\n\/\/# sourceMappingURL=.*$/, '');

describe('scripts/register-service.js', () => {
  it('compiles every file under apps/ and libs/ to the code @swc-node/register produces from tsconfig.json', () => {
    const files = execFileSync('git', ['ls-files', 'apps/*.ts', 'libs/*.ts'], { cwd: ROOT, encoding: 'utf8' })
      .split('\n')
      .filter((file) => file.endsWith('.ts') && !file.endsWith('.spec.ts'));
    // Compiled to CommonJS (module 1), as @swc-node/register does when it registers.
    const tsconfig = { ...readDefaultTsConfig(join(ROOT, 'tsconfig.json')), module: 1 } as Parameters<
      typeof tsCompilerOptionsToSwcConfig
    >[0];
    const different = files.filter((file) => {
      const filename = join(ROOT, file);
      const source = readFileSync(filename, 'utf8');
      const reference = swcNodeTransform(source, filename, tsCompilerOptionsToSwcConfig({ ...tsconfig }, filename));
      const ours = transformSync(source, swcOptions(filename));
      return withoutMapComment(reference.code) !== withoutMapComment(ours.code);
    });
    expect(files.length).toBeGreaterThan(100);
    expect(different).toEqual([]);
  });
});
