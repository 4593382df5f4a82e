// Type-checked lint for the whole workspace, plus Nx module boundaries: a service's code can
// import contracts and infrastructure, never another service's code.
const js = require('@eslint/js');
const tseslint = require('typescript-eslint');
const nx = require('@nx/eslint-plugin');
const prettier = require('eslint-config-prettier');

const scopes = ['intake', 'approval', 'broker', 'executor', 'audit', 'cli', 'demo', 'slack', 'siem'];

module.exports = tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.countersign/**', 'coverage/**', 'docs/**', '**/*.js', '.nx/**'] },
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
      '@nx/enforce-module-boundaries': [
        'error',
        {
          allow: [],
          depConstraints: [
            { sourceTag: 'type:domain', onlyDependOnLibsWithTags: ['type:contracts', 'type:domain'] },
            { sourceTag: 'type:contracts', onlyDependOnLibsWithTags: ['type:contracts'] },
            { sourceTag: 'type:infra', onlyDependOnLibsWithTags: ['type:contracts', 'type:infra', 'type:testing'] },
            { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
            ...scopes.map((scope) => ({ sourceTag: `scope:${scope}`, onlyDependOnLibsWithTags: ['scope:shared', `scope:${scope}`] })),
          ],
        },
      ],
    },
  },
  {
    files: ['libs/*/domain/**/*.ts', 'libs/policy/**/*.ts', 'libs/approval-evidence/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      // Deciders are pure: no runtime, clock or I/O; time and ids come in through the command.
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            'node:*',
            'fs',
            'nats',
            '@nestjs/*',
            'better-sqlite3',
            '@kurrent/*',
            '@countersign/event-store',
            '@countersign/messaging',
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Time enters through the command.' },
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Time enters through the command.' },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'Ids enter through the command.' },
      ],
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
);
