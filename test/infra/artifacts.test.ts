// The data files the component reads at program time (infra/artifacts.ts DATA_FILES) exist where
// it looks: a name left behind by a moved or removed file fails here, not in a consumer's deploy.
// The bundles are only located (the run's global setup has built them), with a clear error
// naming the build command when they are not there.
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import {
  bundleDirectory,
  DATA_FILES,
  dataFile,
  functionBundle,
  PACKAGE_ROOT,
  portalBundle,
} from '../../infra/artifacts.ts';
import { needsBundles } from '../support/build-setup.ts';
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

test('the bundles are located, never built: built by npm run build in build/bundles/', async () => {
  expect(await functionBundle('migrate')).toBe(
    path.join(PACKAGE_ROOT, 'build', 'bundles', 'migrate'),
  );
  expect(await portalBundle()).toBe(path.join(PACKAGE_ROOT, 'build', 'bundles', 'portal'));
  expect(() => bundleDirectory('report', 'index.mjs')).toThrow(
    `quarantine-data-platform: the report bundle is not built (no index.mjs in ${path.join(PACKAGE_ROOT, 'bundles', 'report')} or ${path.join(PACKAGE_ROOT, 'build', 'bundles', 'report')}): run \`npm run build\` in ${PACKAGE_ROOT}`,
  );
});

test('which vitest runs build the bundles first', () => {
  const run = (...args: string[]) => needsBundles(['node', 'vitest', 'run', ...args]);
  expect([
    run(),
    run('-t', 'a test name'),
    run('test/infra/platform.test.ts'),
    run('test/emulator'),
    run('test/'),
    run('test/portal/bundle.test.ts', 'db/'),
    run('test/glue'),
  ]).toEqual([true, true, true, true, true, false, false]);
});
