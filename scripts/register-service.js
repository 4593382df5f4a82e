// Compiles the repository's TypeScript on require for the service processes (scripts/service.js),
// as @swc-node/register does, without loading what it keeps for the rest of its job: the
// TypeScript compiler alone (it reads tsconfig with it) holds about 50 MB per process. The options
// are those @swc-node/register derives from tsconfig.json; tools/register-service.spec.ts checks
// that both produce the same code for every file under apps/ and libs/.
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const swc = require('@swc/core');

const ROOT = path.join(__dirname, '..');

/** swc options for one file, from tsconfig.base.json (its paths, so `@countersign/...` imports resolve). */
function swcOptions(filename) {
  const { compilerOptions } = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.base.json'), 'utf8'));
  const baseUrl = path.resolve(ROOT, compilerOptions.baseUrl ?? '.');
  const paths = Object.fromEntries(
    Object.entries(compilerOptions.paths ?? {}).map(([alias, targets]) => [alias, targets.map((target) => path.resolve(baseUrl, target))]),
  );
  return {
    filename,
    jsc: {
      target: compilerOptions.target.toLowerCase(),
      externalHelpers: false,
      parser: { syntax: 'typescript', tsx: false, decorators: Boolean(compilerOptions.experimentalDecorators), dynamicImport: true },
      transform: {
        legacyDecorator: Boolean(compilerOptions.experimentalDecorators),
        decoratorVersion: '2021-12',
        decoratorMetadata: Boolean(compilerOptions.emitDecoratorMetadata),
        useDefineForClassFields: true,
        hidden: { jest: false },
      },
      keepClassNames: true,
      paths,
      baseUrl,
      experimental: { keepImportAttributes: true },
    },
    minify: false,
    isModule: true,
    module: { type: 'commonjs', noInterop: !compilerOptions.esModuleInterop, ignoreDynamic: false },
    sourceMaps: 'inline',
    inlineSourcesContent: true,
    swcrc: false,
  };
}

/** Installs the `.ts` loader; stack traces name the TypeScript lines (Node's own source-map support). */
function register() {
  const base = swcOptions('');
  process.setSourceMapsEnabled(true);
  Module._extensions['.ts'] = (module, filename) => {
    const source = fs.readFileSync(filename, 'utf8');
    const { code } = swc.transformSync(source, { ...base, filename });
    module._compile(code, filename);
  };
}

module.exports = { register, swcOptions };
