// The `qdp` command as the package ships it: cli/qdp.ts bundled with esbuild into one directory
// (infra/build-package.ts puts it in build/bundles/qdp/ and the package's bundles/qdp/, infra/artifacts.ts CLI_BUNDLE), which
// bin/qdp.js runs when the TypeScript sources are not there. The directory holds qdp.mjs (exports
// `main`, as cli/qdp.ts does) and the files the bundled code reads next to itself: the SQL migrations and the municipalities reference package (loaded with require at
// run time), as the migrate function's bundle does. Local mode is left out (cli/package-local.ts
// takes the place of local/embedded.ts and local/start.ts), so the bundle needs no native binding:
// no embedded PostgreSQL, no portal, no Argon2.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { bundleEntry } from '../functions/bundle.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');

/** The bundle's file, relative to its directory (bin/qdp.js names it too). */
export const CLI_BUNDLE_FILE = 'qdp.mjs';

/** The local-mode modules the packaged command does without, and what replaces them. */
const SUBSTITUTED = ['local/embedded.ts', 'local/start.ts'].map((f) => path.join(ROOT, f));
const SUBSTITUTE = path.join(HERE, 'package-local.ts');

/** Resolves the local-mode modules to the substitute; fails the build if one is never met. */
function withoutLocalMode(): Plugin {
  return {
    name: 'qdp-without-local-mode',
    setup(plugin) {
      const met = new Set<string>();
      plugin.onResolve({ filter: /(^|\/)(embedded|start)\.ts$/ }, (args) => {
        const resolved = path.resolve(args.resolveDir, args.path);
        if (!SUBSTITUTED.includes(resolved)) return undefined;
        met.add(resolved);
        return { path: SUBSTITUTE };
      });
      plugin.onEnd((result) => {
        const missing = SUBSTITUTED.filter((f) => !met.has(f));
        if (result.errors.length === 0 && missing.length > 0) {
          result.errors.push({
            id: 'qdp-without-local-mode',
            pluginName: 'qdp-without-local-mode',
            text: `the CLI no longer imports ${missing.map((f) => path.relative(ROOT, f)).join(', ')}: update cli/bundle.ts`,
            location: null,
            notes: [],
            detail: undefined,
          });
        }
      });
    },
  };
}

/** Builds the CLI bundle into `outDir` (emptied first; a new temporary directory by default). */
export async function bundleCli(options: { outDir?: string } = {}): Promise<string> {
  const outDir = options.outDir ?? (await mkdtemp(path.join(tmpdir(), 'qdp-cli-')));
  await bundleEntry({
    entry: path.join(HERE, 'qdp.ts'),
    outDir,
    outfile: CLI_BUNDLE_FILE,
    // The package's engines: Node.js 22 or later.
    target: 'node22',
    minify: true,
    databaseFiles: true,
    plugins: [withoutLocalMode()],
  });
  return outDir;
}

/** `npx tsx cli/bundle.ts [outDir]`: builds the bundle and prints its directory. */
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = process.argv[2];
  console.log(await bundleCli(outDir ? { outDir } : {}));
}
