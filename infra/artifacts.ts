// Where the component finds what it ships besides resources: the Lambda bundles, the portal's
// bundle, the Glue scripts and the data files they read. It only locates them: building is
// `npm run build`'s job (infra/build-package.ts), never the component's at `pulumi preview`.
// - In the package (build/package/, what a consumer installs): the bundles are in bundles/<name>/
//   and the data files at the same relative paths as in the sources.
// - In a checkout: the data files are the sources themselves, the bundles in build/bundles/<name>/
//   once `npm run build` has run (the tests' global setup runs that step for the suites that need
//   it).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Lambda functions the component deploys (folders of functions/). */
export const BUNDLED_FUNCTIONS = [
  'on-upload',
  'notify',
  'migrate',
  'rotate-database-secret',
] as const;
export type BundledFunction = (typeof BUNDLED_FUNCTIONS)[number];

/**
 * Files the component reads at program time, relative to the package root; the build copies
 * each to the same place in the package, with every script and extra file that
 * contracts/job-arguments.json declares for the jobs (infra/build-package.ts).
 */
export const DATA_FILES = {
  jobArguments: 'contracts/job-arguments.json',
  contract: 'contracts/daily-file.json',
} as const;

/** The package root: the repository (sources) or build/package/ (package). */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The command that builds what this file locates. */
export const BUILD_COMMAND = 'npm run build';

/** Where the bundles are, in the package and in a checkout after the build. */
export const BUNDLE_DIRECTORIES = ['bundles', path.join('build', 'bundles')] as const;

/** The absolute path of a data file; fails with what is missing and who provides it. */
export function dataFile(relative: string): string {
  const file = path.join(PACKAGE_ROOT, relative);
  if (!existsSync(file)) {
    throw new Error(
      `quarantine-data-platform: ${relative} not found under ${PACKAGE_ROOT} (in the repository it comes from ${relative.split('/')[0]}/; in the package, from ${BUILD_COMMAND})`,
    );
  }
  return file;
}

/**
 * The directory of a built bundle (`name` under bundles/), recognised by a file it must hold;
 * fails naming the command that builds it.
 */
export function bundleDirectory(name: string, marker: string): string {
  const candidates = BUNDLE_DIRECTORIES.map((d) => path.join(PACKAGE_ROOT, d, name));
  const found = candidates.find((dir) => existsSync(path.join(dir, marker)));
  if (found === undefined) {
    throw new Error(
      `quarantine-data-platform: the ${name} bundle is not built (no ${marker} in ${candidates.join(' or ')}): run \`${BUILD_COMMAND}\` in ${PACKAGE_ROOT}`,
    );
  }
  return found;
}

/** The directory holding a function's bundle (index.mjs and its data files). */
export function functionBundle(fn: BundledFunction): Promise<string> {
  return Promise.resolve(bundleDirectory(fn, 'index.mjs'));
}

/** The folder of the portal's bundle under bundles/. */
export const PORTAL_BUNDLE = 'portal';

/**
 * The directory of the portal's bundle (server bundle, static assets, the systemd unit
 * `qdp-portal.service`, portal/bundle.ts).
 */
export function portalBundle(): Promise<string> {
  return Promise.resolve(bundleDirectory(PORTAL_BUNDLE, 'qdp-portal.service'));
}

/**
 * The folder of the `qdp` command's bundle under bundles/ (cli/bundle.ts; qdp.mjs and the files it
 * reads): the package's `bin` (bin/qdp.js) runs it, the component does not deploy it.
 */
export const CLI_BUNDLE = 'qdp';

/** SHA-256 over a directory's files (relative names and contents, in name order). */
export function hashDirectory(dir: string): string {
  const hash = createHash('sha256');
  const walk = (current: string): void => {
    for (const entry of readdirSync(current).sort()) {
      const full = path.join(current, entry);
      if (statSync(full).isDirectory()) walk(full);
      else {
        hash.update(path.relative(dir, full).split(path.sep).join('/'));
        hash.update('\0');
        hash.update(readFileSync(full));
        hash.update('\0');
      }
    }
  };
  walk(dir);
  return hash.digest('hex');
}

/**
 * The hash of the SQL the migrate bundle applies: numbered migrations and the repeatable function
 * files (db/README.md), so a change to either runs the migrations again.
 */
export function hashMigrationSql(bundleDir: string): string {
  const parts = ['migrations', 'functions'].map(
    (sqlDir) => `${sqlDir}:${hashDirectory(path.join(bundleDir, sqlDir))}`,
  );
  return createHash('sha256').update(parts.join('\n')).digest('hex');
}
