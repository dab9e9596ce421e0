// The data files the component reads at program time (infra/artifacts.ts DATA_FILES) exist where
// it looks: a name left behind by a moved or removed file fails here, not in a consumer's deploy.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import { DATA_FILES, dataFile, PACKAGE_ROOT } from '../../infra/artifacts.ts';
import { packageDataFiles } from '../../infra/build-package.ts';

test('every declared data file exists in the repository', () => {
  const missing = Object.entries(DATA_FILES).filter(
    ([, relative]) => !existsSync(path.join(PACKAGE_ROOT, relative)),
  );
  expect(missing).toEqual([]);
  for (const relative of Object.values(DATA_FILES)) {
    expect(statSync(dataFile(relative)).isFile(), relative).toBe(true);
  }
});

test('every file the package ships exists', () => {
  const files = packageDataFiles();
  expect(files).toEqual(expect.arrayContaining(Object.values(DATA_FILES)));
  expect(files.filter((relative) => !existsSync(path.join(PACKAGE_ROOT, relative)))).toEqual([]);
});

test('a missing data file fails with what is missing and who provides it', () => {
  expect(() => dataFile('functions/workflow-run-properties.json')).toThrow(
    `quarantine-data-platform: functions/workflow-run-properties.json not found under ${PACKAGE_ROOT} (in the repository it comes from functions/; in the package, from npm run build)`,
  );
});
