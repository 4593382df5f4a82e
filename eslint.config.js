// Type-checked lint for the whole workspace, plus Nx module boundaries: a service's code can
// import contracts and infrastructure, never another service's code. Every TypeScript directory is
// an Nx project (apps/, libs/, test/<suite>, tools/, deploy/kurrentdb), so no import escapes the rule.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const nx = require('@nx/eslint-plugin');
const prettier = require('eslint-config-prettier');

const scopes = ['intake', 'approval', 'broker', 'executor', 'audit', 'cli', 'demo', 'slack', 'siem', 'mcp', 'deploy'];
// The operator CLI verifies audit's log offline with audit's own custody rule, so the two cannot disagree;
// the KurrentDB access provisioning grants audit's log stream by audit's own name for it.
const alsoReaches = { cli: ['audit'], deploy: ['audit'] };

// Test code is imported by tests only. Every `/testing` entry point (`@countersign/<lib>/testing`),
// the harness library `@countersign/testing`, and a library's own `./testing/...` folder reached by a
// relative path all name a `testing` path segment, so one pattern closes them all; the Nx tags cannot,
// because a `/testing` entry point belongs to its library's project (docs/architecture.md).
const testOnlyImports = [
  {
    group: ['**/testing', '**/testing/**'],
    message: 'Test code (src/testing/, a /testing entry point): import it from specs and test/ only.',
  },
  {
    group: ['@countersign/stack', '@countersign/stack/*', '@countersign/e2e'],
    message: 'Test harness: import it from specs and test/ only.',
  },
];
// Where test code lives: specs, each project's one `src/testing/` home, and the two harness libraries.
// Everything else under apps/ and libs/ is production code.
const testCode = ['**/*.spec.ts', '**/src/testing/**', 'libs/stack/**', 'libs/testing/**'];
// What production code may import: everything but the harness, the tests and the tools.
const productionDeps = ['type:contracts', 'type:domain', 'type:infra', 'type:engine'];
// Nx forbids importing an app at all; a test project reaches an app only through its `/testing` entry point.
const testProjectsAllow = ['^@countersign/(cli|executor)/testing$'];

/**
 * Nx module boundaries; `appDeps` is what an app's code may import (its tests may also use the
 * harness), `allow` the imports the rule lets through unchecked.
 */
function boundaries(appDeps, allow = []) {
  return [
    'error',
    {
      allow,
      depConstraints: [
        { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain'] },
        { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
        { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:contracts', 'type:infra', 'type:testing'] },
        { sourceTag: 'type:engine', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain', 'type:infra', 'type:engine'] },
        { sourceTag: 'type:app', onlyDependOnLibsWithTags: appDeps },
        // System tests (test/<suite>) may use everything but the tools; no production project lists them.
        { sourceTag: 'type:test', onlyDependOnLibsWithTags: [...productionDeps, 'type:testing', 'type:test'] },
        // Workspace tooling (tools/): the local stack, schema generation, provisioning.
        { sourceTag: 'type:tool', onlyDependOnLibsWithTags: [...productionDeps, 'type:testing'] },
        { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
        // Tests and tools see the whole system; their type rule is what bounds them.
        { sourceTag: 'scope:system', onlyDependOnLibsWithTags: ['*'] },
        ...scopes.map((scope) => ({
          sourceTag: `scope:${scope}`,
          onlyDependOnLibsWithTags: ['scope:shared', `scope:${scope}`, ...(alsoReaches[scope] ?? []).map((other) => `scope:${other}`)],
        })),
      ],
    },
  ];
}

// I/O, bus, store and framework: none of it in pure code.
const impureModules = {
  group: ['fs', 'nats', '@nestjs/*', 'better-sqlite3', '@kurrent/*', '@countersign/event-store', '@countersign/messaging'],
  message: 'Pure code: no I/O, bus, store or framework.',
};
const pureSyntax = [
  { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Time enters through the command.' },
  { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Time enters through the command.' },
  { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'Ids enter through the command.' },
  { selector: "MemberExpression[object.name='process']", message: 'Configuration enters through the command, not the environment.' },
];

module.exports = tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.countersign/**', 'coverage/**', 'docs/**', '.nx/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: __dirname } },
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@nx/enforce-module-boundaries': boundaries(productionDeps),
    },
  },
  {
    // An app's tests may start the harness; its production code may not (the rule above).
    files: testCode.map((glob) => (glob.startsWith('libs/') ? glob : `apps/${glob}`)),
    rules: { '@nx/enforce-module-boundaries': boundaries([...productionDeps, 'type:testing']) },
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@nx/enforce-module-boundaries': boundaries(productionDeps, testProjectsAllow) },
  },
  {
    // Production code, including the deployment provisioning the provision image runs (tools/provision.ts).
    files: ['apps/**/*.ts', 'libs/**/*.ts', 'deploy/**/*.ts', 'tools/provision.ts'],
    ignores: testCode,
    rules: { 'no-restricted-imports': ['error', { patterns: testOnlyImports }] },
  },
  {
    files: ['libs/*/domain/**/*.ts', 'libs/policy/**/*.ts', 'libs/approval-evidence/**/*.ts'],
    ignores: testCode,
    rules: {
      // Deciders are pure: no runtime, clock, environment or I/O; time and ids come in through the command.
      'no-restricted-imports': [
        'error',
        { patterns: [...testOnlyImports, impureModules, { group: ['node:*'], message: 'Pure code: no runtime.' }] },
      ],
      'no-restricted-syntax': ['error', ...pureSyntax],
    },
  },
  {
    // The wire contract and the decider kit are pure too, but hash with node:crypto.
    files: ['libs/contracts/**/*.ts', 'libs/decider/**/*.ts'],
    ignores: testCode,
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: ['node:fs', 'node:net', 'node:http', 'node:child_process', 'node:os'], patterns: [...testOnlyImports, impureModules] },
      ],
      'no-restricted-syntax': ['error', ...pureSyntax],
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    // The launcher scripts and configuration: CommonJS on Node, linted without type information.
    files: ['**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      ...tseslint.configs.disableTypeChecked.languageOptions,
      sourceType: 'commonjs',
      globals: {
        require: 'readonly',
        module: 'writable',
        process: 'readonly',
        __dirname: 'readonly',
        console: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        Buffer: 'readonly',
        fetch: 'readonly',
        AbortSignal: 'readonly',
      },
    },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
);
