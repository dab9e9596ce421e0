// `npm run build`: turns the sources into what the component ships, outside any component (a
// `pulumi preview` only locates these files, infra/artifacts.ts):
// - build/bundles/<name>/: each Lambda function, the portal and the `qdp` command (esbuild);
// - build/package/: the published package, as pulumi-eks publishes from its build folder: the
//   compiled component (JavaScript and declarations, `@internal` stripped), the data files at
//   their relative paths, the bundles, bin/qdp.js, README.md, and a generated package.json whose
//   dependencies are what the compiled code imports (the Pulumi SDKs), so the repository's runtime
//   and development dependencies stay out of a consumer's install. It is also a source-based
//   Pulumi plugin package (`pulumi package add`): PulumiPlugin.yaml, the plugin entry
//   infra/plugin.js (package.json `main`) and, for the schema analyzer, infra/plugin.ts and a
//   tsconfig.json that read the declarations.
import { execFile } from 'node:child_process';
import { cp, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
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
import { jobDeclarations } from './etl.ts';

const run = promisify(execFile);

/** The build folder of a checkout. */
export const BUILD_DIR = path.join(PACKAGE_ROOT, 'build');

/** The data files the package ships: DATA_FILES and each job's script and extra files. */
export function packageDataFiles(): string[] {
  const files = new Set<string>(Object.values(DATA_FILES));
  for (const job of Object.values(jobDeclarations().jobs)) {
    for (const f of [job.script, ...job.extraFiles, ...job.extraPyFiles]) files.add(f);
  }
  return [...files].sort();
}

/**
 * Builds every bundle (functions, portal, CLI) into `outDir`/<name>/. It builds beside `outDir`
 * and then swaps the folder in, so a reader never sees half a build.
 */
export async function buildBundles(outDir: string): Promise<void> {
  const staging = `${outDir}.building-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  for (const fn of BUNDLED_FUNCTIONS) {
    await bundleFunction(fn, { outDir: path.join(staging, fn) });
  }
  await bundlePortal({ outDir: path.join(staging, PORTAL_BUNDLE) });
  await bundleCli({ outDir: path.join(staging, CLI_BUNDLE) });
  await rm(outDir, { recursive: true, force: true });
  await rename(staging, outDir);
}

/** The package names a JavaScript file imports (bare specifiers; Node's built-ins left out). */
export function importedPackages(source: string): string[] {
  const specifiers = [
    ...source.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s*['"]([^'"]+)['"]/g),
    ...source.matchAll(/(?:^|\n)\s*import\s*['"]([^'"]+)['"]/g),
    ...source.matchAll(/\bimport\(\s*['"]([^'"]+)['"]\s*\)/g),
    ...source.matchAll(/\bcreateRequire\([^)]*\)\(\s*['"]([^'"]+)['"]/g),
    ...source.matchAll(/\brequire\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1]!);
  const builtins = new Set(builtinModules);
  return [
    ...new Set(
      specifiers
        .filter((s) => !s.startsWith('.') && !s.startsWith('node:') && !builtins.has(s))
        .map((s) =>
          s
            .split('/')
            .slice(0, s.startsWith('@') ? 2 : 1)
            .join('/'),
        ),
    ),
  ].sort();
}

async function javaScriptFiles(dir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...(await javaScriptFiles(full)));
    else if (entry.name.endsWith('.js')) found.push(full);
  }
  return found;
}

interface Manifest {
  name: string;
  version: string;
  description: string;
  license: string;
  engines: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
}

/** The plugin project file of the package: a Node.js plugin whose entry is package.json `main`. */
export const PULUMI_PLUGIN_YAML = 'runtime: nodejs\n';

/**
 * The package's tsconfig.json: only for Pulumi's schema analyzer, which reads the plugin entry
 * (infra/plugin.ts) and, through it, the component's declarations.
 */
export const PACKAGE_TSCONFIG = {
  compilerOptions: {
    target: 'ES2023',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    strict: true,
    skipLibCheck: true,
    types: [],
    noEmit: true,
  },
  files: ['infra/plugin.ts'],
};

/**
 * Compiles the component into `packageDir` and writes the package around it (bundles from
 * `bundlesDir`); returns the generated package.json.
 */
export async function buildPackage(
  packageDir: string,
  bundlesDir: string,
): Promise<Record<string, unknown>> {
  await rm(packageDir, { recursive: true, force: true });
  const tsc = path.join(PACKAGE_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  await run(
    process.execPath,
    [tsc, '-p', path.join(PACKAGE_ROOT, 'tsconfig.build.json'), '--outDir', packageDir],
    {
      cwd: PACKAGE_ROOT,
    },
  ).catch((error: { stdout?: string }) => {
    throw new Error(`tsc -p tsconfig.build.json failed:\n${error.stdout ?? ''}`, { cause: error });
  });
  for (const relative of packageDataFiles()) {
    await mkdir(path.dirname(path.join(packageDir, relative)), { recursive: true });
    await cp(path.join(PACKAGE_ROOT, relative), path.join(packageDir, relative));
  }
  await cp(bundlesDir, path.join(packageDir, 'bundles'), { recursive: true });
  await mkdir(path.join(packageDir, 'bin'), { recursive: true });
  await cp(path.join(PACKAGE_ROOT, 'bin', 'qdp.js'), path.join(packageDir, 'bin', 'qdp.js'));
  await cp(path.join(PACKAGE_ROOT, 'README.md'), path.join(packageDir, 'README.md'));
  await cp(
    path.join(PACKAGE_ROOT, 'infra', 'plugin.ts'),
    path.join(packageDir, 'infra', 'plugin.ts'),
  );
  await writeFile(path.join(packageDir, 'PulumiPlugin.yaml'), PULUMI_PLUGIN_YAML);
  await writeFile(
    path.join(packageDir, 'tsconfig.json'),
    `${JSON.stringify(PACKAGE_TSCONFIG, null, 2)}\n`,
  );

  // Dependencies: what the compiled code imports, at the versions the repository uses.
  const root = JSON.parse(
    await readFile(path.join(PACKAGE_ROOT, 'package.json'), 'utf8'),
  ) as Manifest;
  const imported = new Set<string>();
  for (const file of await javaScriptFiles(packageDir)) {
    // The bundles carry what they need; bin/qdp.js imports tsx only in a checkout (the sources).
    if (['bundles', 'bin'].some((d) => file.startsWith(path.join(packageDir, d) + path.sep))) {
      continue;
    }
    for (const name of importedPackages(await readFile(file, 'utf8'))) imported.add(name);
  }
  const dependencies: Record<string, string> = {};
  for (const name of [...imported].sort()) {
    const version = root.dependencies[name] ?? root.devDependencies[name];
    if (version === undefined) {
      throw new Error(`the package imports ${name}, which package.json does not declare`);
    }
    dependencies[name] = version;
  }
  const manifest = {
    name: root.name,
    version: root.version,
    description: root.description,
    license: root.license,
    type: 'module',
    // The plugin entry (Pulumi's plugin runner requires the package folder); programs import
    // the component through `exports`.
    main: 'infra/plugin.js',
    types: 'infra/index.d.ts',
    exports: {
      '.': { types: './infra/index.d.ts', default: './infra/index.js' },
      './package.json': './package.json',
    },
    bin: { qdp: 'bin/qdp.js' },
    engines: root.engines,
    dependencies,
  };
  await writeFile(path.join(packageDir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** `npm run build`: the bundles, then the package. */
export async function build(buildDir: string = BUILD_DIR): Promise<void> {
  const bundles = path.join(buildDir, 'bundles');
  await buildBundles(bundles);
  await buildPackage(path.join(buildDir, 'package'), bundles);
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === import.meta.filename) {
  const buildDir = process.argv[2] === undefined ? BUILD_DIR : path.resolve(process.argv[2]);
  await build(buildDir);
  console.log(`built ${path.join(buildDir, 'bundles')} and ${path.join(buildDir, 'package')}`);
}
