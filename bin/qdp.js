#!/usr/bin/env node
// The `qdp` command. In a source checkout (cli/qdp.ts is there) the TypeScript sources run directly
// through tsx (no build step), so the command, the tests and local mode always run the same code.
// In the package, which ships no sources and no tsx, it runs the bundle that `npm run build` made
// of the same sources (cli/bundle.ts; infra/build-package.ts puts it in the package's bundles/qdp/).
import { existsSync } from 'node:fs';
import { URL, fileURLToPath } from 'node:url';

const sources = new URL('../cli/qdp.ts', import.meta.url);
const bundle = new URL('../bundles/qdp/qdp.mjs', import.meta.url);

let main;
if (existsSync(fileURLToPath(sources))) {
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(sources.href));
} else if (existsSync(fileURLToPath(bundle))) {
  ({ main } = await import(bundle.href));
} else {
  process.stderr.write(
    `qdp: neither the sources (${fileURLToPath(sources)}) nor the bundle (${fileURLToPath(bundle)}) are there: in a checkout run npm ci, in the package reinstall it\n`,
  );
  process.exit(1);
}
process.exitCode = await main(process.argv.slice(2));
