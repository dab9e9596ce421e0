// `npm run build`, after tsc: puts into dist/ what the compiled component needs at run time
// besides JavaScript, so that a consumer of the package needs neither esbuild nor the sources:
// the data files at their relative paths (infra/artifacts.ts DATA_FILES) and each Lambda bundle
// in dist/bundles/<function>/ (where infra/artifacts.ts looks first), the portal's bundle and the
// `qdp` command's bundle (dist/bundles/qdp/, run by bin/qdp.js). Not part of the package.
import { cp, mkdir } from 'node:fs/promises';
import path from 'node:path';
import { bundleCli } from '../cli/bundle.ts';
import { bundleFunction } from '../functions/bundle.ts';
import { bundlePortal } from '../portal/bundle.ts';
import {
  BUNDLED_FUNCTIONS,
  CLI_BUNDLE,
  DATA_FILES,
  PACKAGE_ROOT,
  PORTAL_BUNDLE,
} from './artifacts.ts';

function packagedPortalBundle(outDir: string): string {
  return path.join(outDir, 'bundles', PORTAL_BUNDLE);
}
import { jobDeclarations } from './etl.ts';

/** The data files the package ships: DATA_FILES and each job's script and extra files. */
export function packageDataFiles(): string[] {
  const files = new Set<string>(Object.values(DATA_FILES));
  for (const job of Object.values(jobDeclarations().jobs)) {
    for (const f of [job.script, ...job.extraFiles, ...job.extraPyFiles]) files.add(f);
  }
  return [...files].sort();
}

/** Copies the data files and builds every bundle (functions, portal, CLI) into `outDir` (the package's dist/). */
export async function buildPackageAssets(outDir: string): Promise<void> {
  for (const relative of packageDataFiles()) {
    await mkdir(path.dirname(path.join(outDir, relative)), { recursive: true });
    await cp(path.join(PACKAGE_ROOT, relative), path.join(outDir, relative));
  }
  for (const fn of BUNDLED_FUNCTIONS) {
    await bundleFunction(fn, { outDir: path.join(outDir, 'bundles', fn) });
  }
  await bundlePortal({ outDir: packagedPortalBundle(outDir) });
  await bundleCli({ outDir: path.join(outDir, 'bundles', CLI_BUNDLE) });
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === import.meta.filename) {
  const outDir = process.argv[2];
  if (outDir === undefined) {
    console.error('usage: tsx infra/build-package.ts <outDir>');
    process.exit(2);
  }
  await buildPackageAssets(path.resolve(outDir));
}
