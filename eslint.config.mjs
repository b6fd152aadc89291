// @ts-check
import tseslint from 'typescript-eslint';
import globals from 'globals';

/** Imports that would make the domain depend on a framework, a database, the network or the file system. */
const IMPURE_MODULES = [
  '@nestjs/*', 'better-sqlite3', 'mongodb', '@eventstore/*', '@slack/*', 'fastify', '@fastify/*', 'rxjs', 'class-validator', 'class-transformer',
  'node:*', 'fs', 'fs/*', 'http', 'https', 'net', 'crypto', 'child_process', 'os', 'path',
];
/** The domain may only import itself: these are the other libs and apps. */
const OUTSIDE_DOMAIN = ['**/event-store/**', '**/read-models/**', '**/application/**', '**/notifications/**', '**/apps/**', '**/testing/**'];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**'] },
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['warn', 'error'] }],
    },
  },
  {
    files: ['libs/domain/**/*.ts'],
    ignores: ['**/*.spec.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{ group: IMPURE_MODULES, message: 'libs/domain stays pure: no framework, database or I/O imports.' }, { group: OUTSIDE_DOMAIN, message: 'libs/domain imports only libs/domain.' }] }],
      'no-restricted-syntax': [
        'error',
        { selector: "NewExpression[callee.name='Date'][arguments.length=0]", message: 'Time is injected into the domain (DecideContext.now).' },
        { selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']", message: 'Time is injected into the domain (DecideContext.now).' },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name='random']", message: 'Ids and randomness are injected into the domain.' },
      ],
      'no-console': 'error',
    },
  },
  {
    files: ['apps/web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    files: ['apps/web/*.mjs', 'test/support/*.mjs'],
    languageOptions: { globals: { ...globals.node } },
    rules: { 'no-console': 'off' },
  },
  {
    files: ['bench/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
  {
    files: ['test/**/*.ts', '**/*.spec.ts', 'libs/testing/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
  {
    files: ['bin/**/*.js', '*.js'],
    languageOptions: { sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
