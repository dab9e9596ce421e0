// Vitest global setup: `npm run build`'s bundle step (build/bundles/: the Lambda functions, the
// portal, the qdp command), which the component only locates (infra/artifacts.ts), run once per
// vitest run, before any worker starts, for the runs that declare the component or deploy its
// functions: the whole suite, and any run that names a file or folder under SUITES_WITH_BUNDLES.
import path from 'node:path';
import { BUILD_DIR, buildBundles } from '../../infra/build-package.ts';

/** The test folders whose files need built bundles. */
export const SUITES_WITH_BUNDLES = ['test/infra', 'test/emulator'];

/**
 * Whether a vitest command line needs the bundles: when it names no test file or folder (the whole
 * suite, perhaps filtered by test name), or names one under SUITES_WITH_BUNDLES.
 */
export function needsBundles(argv: string[]): boolean {
  const root = path.resolve(import.meta.dirname, '../..');
  const paths = argv
    .slice(2)
    .filter((a) => !a.startsWith('-') && a !== 'run' && (a.includes('/') || a.endsWith('.ts')))
    .map((a) => path.relative(root, path.resolve(a)).split(path.sep).join('/'));
  if (paths.length === 0) return true;
  return paths.some(
    (p) =>
      p === 'test' ||
      p === '' ||
      SUITES_WITH_BUNDLES.some((s) => p === s || p.startsWith(`${s}/`) || s.startsWith(`${p}/`)),
  );
}

export async function setup(): Promise<void> {
  if (needsBundles(process.argv)) await buildBundles(path.join(BUILD_DIR, 'bundles'));
}
