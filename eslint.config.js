// ESLint flat config: TypeScript rules everywhere, Pulumi's rules on the infrastructure code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import pulumi from '@pulumi/eslint-plugin';

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
  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
    },
  },
);
