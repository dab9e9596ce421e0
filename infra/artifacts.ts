// What the component ships besides resources: the Lambda bundles, the Glue scripts and the data
// files they read. One place knows where each lives, in both ways the component runs:
// - from the sources (this repository: tests, `pulumi up` on stacks/): each function is bundled
//   with esbuild by functions/bundle.ts when the program runs, once per process;
// - from the package (dist/, what `npm pack` ships): `npm run build` has put the bundles in
//   dist/bundles/<function>/ and the data files at the same relative paths as in the sources
//   (dist/glue/…, dist/contracts/…), so `new URL('../glue/…', import.meta.url)` finds them
//   from infra/ and from dist/infra/ alike. A consumer needs neither esbuild nor the sources.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Lambda functions the component deploys (folders of functions/). */
export const BUNDLED_FUNCTIONS = ['on-upload', 'notify', 'migrate'] as const;
export type BundledFunction = (typeof BUNDLED_FUNCTIONS)[number];

/**
 * Files the component reads at program time, relative to the package root; the build copies
 * each to the same place under dist/, with every script and extra file that
 * contracts/job-arguments.json declares for the jobs (infra/build-package.ts).
 */
export const DATA_FILES = {
  jobArguments: 'contracts/job-arguments.json',
  contract: 'contracts/daily-file.json',
} as const;

/** The package root: the repository (sources) or dist/ (package). */
export const PACKAGE_ROOT = fileURLToPath(new URL('..', import.meta.url));

/** The absolute path of a data file; fails with what is missing and who provides it. */
export function dataFile(relative: string): string {
  const file = path.join(PACKAGE_ROOT, relative);
  if (!existsSync(file)) {
    throw new Error(
      `quarantine-data-platform: ${relative} not found under ${PACKAGE_ROOT} (in the repository it comes from ${relative.split('/')[0]}/; in the package, from npm run build)`,
    );
  }
  return file;
}

/** Where `npm run build` puts the bundle of a function (dist/bundles/<fn>/). */
export function packagedBundle(fn: string): string {
  return path.join(PACKAGE_ROOT, 'bundles', fn);
}

const bundles = new Map<string, Promise<string>>();
const temporary: string[] = [];
/** Removes a bundle built for this process when it exits (only ever one in the temp directory). */
function removeOnExit(dir: string): void {
  if (path.resolve(dir).startsWith(path.resolve(tmpdir()) + path.sep)) temporary.push(dir);
}
process.once('exit', () => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

interface Bundler {
  bundleFunction(fn: string): Promise<string>;
}

/**
 * The directory holding a function's bundle (index.mjs and its data files): the packaged one, or
 * one built now from the sources (removed when the process exits). Memoized per process.
 */
export function functionBundle(fn: BundledFunction): Promise<string> {
  let found = bundles.get(fn);
  if (found === undefined) {
    found = (async () => {
      const packaged = packagedBundle(fn);
      if (existsSync(path.join(packaged, 'index.mjs'))) return packaged;
      // From the sources only: the bundler is not part of the package (the specifier is a
      // variable so that the package build does not follow it).
      const bundler = '../functions/bundle.ts';
      const { bundleFunction } = (await import(bundler)) as Bundler;
      const dir = await bundleFunction(fn);
      removeOnExit(dir);
      return dir;
    })();
    bundles.set(fn, found);
  }
  return found;
}

/** The folder of the portal's bundle under bundles/. */
export const PORTAL_BUNDLE = 'portal';

/**
 * The directory of the portal's bundle (server bundle, static assets, the systemd unit
 * `qdp-portal.service`): the packaged one, or one built now by portal/bundle.ts (the portal's
 * own bundler; its one exported function builds the directory and returns its path).
 */
export function portalBundle(): Promise<string> {
  let found = bundles.get(PORTAL_BUNDLE);
  if (found === undefined) {
    found = (async () => {
      const packaged = packagedBundle(PORTAL_BUNDLE);
      if (existsSync(path.join(packaged, 'qdp-portal.service'))) return packaged;
      const bundler = '../portal/bundle.ts';
      const module = (await import(bundler)) as Record<string, unknown>;
      const builders = Object.values(module).filter(
        (v): v is () => Promise<string> => typeof v === 'function',
      );
      const build =
        typeof module['bundlePortal'] === 'function'
          ? (module['bundlePortal'] as () => Promise<string>)
          : builders.length === 1
            ? builders[0]!
            : undefined;
      if (build === undefined) {
        throw new Error('portal/bundle.ts: expected one exported function that builds the bundle');
      }
      const dir = await build();
      removeOnExit(dir);
      return dir;
    })();
    bundles.set(PORTAL_BUNDLE, found);
  }
  return found;
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
