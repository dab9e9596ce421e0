// ESLint flat config: TypeScript rules everywhere, Pulumi's rules on the infrastructure code, and
// the folder boundaries of DESIGN §2 (which folder may import which).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import pulumi from '@pulumi/eslint-plugin';

/**
 * The folders each folder must not import (relative imports, any depth). `contracts/` imports
 * nothing of the project; `infra/` no runtime code (build tooling aside, below).
 */
export const FOLDER_BOUNDARIES = {
  contracts: 'anything outside contracts/',
  core: ['functions', 'portal', 'infra', 'cli', 'local', 'glue'],
  db: ['core', 'functions', 'portal', 'infra', 'cli', 'local', 'glue'],
  functions: ['portal', 'infra', 'cli', 'local'],
  portal: ['functions', 'infra', 'cli', 'local'],
  infra: ['core', 'db', 'functions', 'portal', 'cli', 'local'],
  cli: ['infra'],
  local: ['infra'],
};
/**
 * infra/build-package.ts builds the bundles (functions, portal, CLI): build tooling, not the
 * component, that DESIGN §2 gives a folder of its own (build/).
 */
const BOUNDARY_EXCEPTIONS = ['infra/build-package.ts'];

function boundaryRule(folder, forbidden) {
  const regex = Array.isArray(forbidden)
    ? `^(\\./)?(\\.\\./)+(${forbidden.join('|')})(/|$)`
    : '^(\\./)?\\.\\./';
  const what = Array.isArray(forbidden) ? forbidden.join(', ') : forbidden;
  return {
    files: [`${folder}/**/*.ts`, `${folder}/**/*.js`],
    ignores: BOUNDARY_EXCEPTIONS,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex,
              message: `${folder}/ must not import ${what} (folder boundaries, DESIGN §2).`,
            },
          ],
        },
      ],
    },
  };
}

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      '.cache/**',
      '.qdp/**',
      'inbox/**',
      'glue/.venv/**',
      'bench/out/**',
      'dist/**',
      'build/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    // CommonJS entries that a Pulumi runner require()s (the policy pack's launch.cjs).
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', module: 'writable', __filename: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['infra/**/*.ts', 'stacks/**/*.ts'],
    plugins: { '@pulumi': pulumi },
    // Pulumi's rules read types: they catch an Output<T> interpolated into a plain template string.
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@pulumi/no-output-in-template-literal': 'error',
      '@pulumi/no-output-instance-in-template-literal': 'error',
    },
  },
  ...Object.entries(FOLDER_BOUNDARIES).map(([folder, forbidden]) =>
    boundaryRule(folder, forbidden),
  ),
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
);
