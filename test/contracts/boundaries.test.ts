// The folder boundaries (DESIGN §2) are enforced by eslint.config.js: an import across a forbidden
// boundary fails lint with a message naming the rule, an allowed one passes (`npx eslint .`
// checks the repository's own files).
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
// The boundary rule needs no types: infra/'s type-aware rules (and the TypeScript program they
// build, slow on a busy machine) are turned off here, so any file name under infra/ will do.
const eslint = new ESLint({
  cwd: ROOT,
  overrideConfig: {
    files: ['infra/**/*.ts'],
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@pulumi/no-output-in-template-literal': 'off',
      '@pulumi/no-output-instance-in-template-literal': 'off',
    },
  },
});

/** The boundary messages lint gives for `source` as if it were the file `file`. */
async function boundaryErrors(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path.join(ROOT, file) });
  // A parse error would hide the rule.
  expect(result?.messages.filter((m) => m.fatal)).toEqual([]);
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports')
    .map((m) => m.message);
}

const importing = (specifier: string) => `export * from '${specifier}';\n`;

describe('folder boundaries', () => {
  it.each([
    [
      'contracts/x.ts',
      '../core/importer.ts',
      'contracts/ must not import anything outside contracts/',
    ],
    [
      'contracts/x.ts',
      '../db/migrate.ts',
      'contracts/ must not import anything outside contracts/',
    ],
    ['core/reader/x.ts', '../../functions/environment.ts', 'core/ must not import functions'],
    ['core/x.ts', '../portal/config.ts', 'core/ must not import functions, portal'],
    ['db/x.ts', '../core/importer.ts', 'db/ must not import core'],
    ['functions/on-upload/x.ts', '../../portal/config.ts', 'functions/ must not import portal'],
    ['functions/x.ts', '../cli/qdp.ts', 'functions/ must not import portal, infra, cli'],
    ['portal/pages/x.ts', '../../infra/index.ts', 'portal/ must not import functions, infra'],
    ['portal/x.ts', '../functions/environment.ts', 'portal/ must not import functions'],
    ['portal/x.ts', '../local/start.ts', 'portal/ must not import functions, infra, cli, local'],
    ['infra/x.ts', '../functions/environment.ts', 'infra/ must not import core, db, functions'],
    ['infra/x.ts', '../core/municipalities.ts', 'infra/ must not import core'],
    ['cli/x.ts', '../infra/index.ts', 'cli/ must not import infra'],
  ])('%s importing %s fails', async (file, specifier, expected) => {
    const errors = await boundaryErrors(file, importing(specifier));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(expected);
    expect(errors[0]).toContain('(folder boundaries, DESIGN §2)');
  });

  it.each([
    ['contracts/x.ts', './daily-file.ts'],
    ['core/x.ts', '../contracts/daily-file.ts'],
    ['core/x.ts', '../db/migrate.ts'],
    ['db/x.ts', '../contracts/roles.ts'],
    ['functions/x.ts', '../core/messages.ts'],
    ['portal/pages/x.ts', '../../core/csv-export.ts'],
    ['infra/x.ts', '../contracts/lambda.ts'],
    ['cli/x.ts', '../functions/bundle.ts'],
  ])('%s importing %s passes', async (file, specifier) => {
    expect(await boundaryErrors(file, importing(specifier))).toEqual([]);
  });
});
