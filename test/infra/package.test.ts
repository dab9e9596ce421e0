// The package as another Pulumi program gets it: built to JavaScript with declarations, packed with
// `npm pack`, installed from the tarball into a throw-away consumer, compiled there with tsc
// against the installed types, and run under Pulumi's mocks with plain node (no tsx).
// Everything happens in a temporary directory: the build goes to a staging copy of the package
// (package.json, README, bin), so the checkout gets no dist/ and no tarball.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, expect, test } from 'vitest';
import { buildPackageAssets, packageDataFiles } from '../../infra/build-package.ts';
import { QuarantineDataPlatform } from '../../infra/index.ts';
import { typicalArgs } from './fixtures.ts';
import { countsByType, installMocks, resolve, settle } from './mocks.ts';

const run = promisify(execFile);
const ROOT = resolvePath(import.meta.dirname, '../..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');
const work = await mkdtemp(join(tmpdir(), 'qdp-package-'));

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Runs a command; on failure the error carries its stdout and stderr. */
async function sh(file: string, args: string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run(file, args, { cwd, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const e = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${file} ${args.join(' ')} failed in ${cwd}:\n${e.stdout}\n${e.stderr}`, {
      cause: error,
    });
  }
}

// The consumer: what an authority's Pulumi program writes. The mocks are the tests' own
// recording mocks, copied next to it (they import only @pulumi/pulumi).
const CONSUMER = `
import { QuarantineDataPlatform, InvalidArgumentsError } from 'quarantine-data-platform';
import type { QuarantineDataPlatformArgs } from 'quarantine-data-platform';
import { countsByType, installMocks, resolve, settle } from './mocks.js';

const args: QuarantineDataPlatformArgs = ${JSON.stringify(typicalArgs, null, 2)};

// The declarations are real types, not any: a wrong argument type does not compile.
// @ts-expect-error rawFileRetentionDays is a number
const _wrong: QuarantineDataPlatformArgs = { ...args, rawFileRetentionDays: 'ninety' };

const recorder = await installMocks();
const platform = new QuarantineDataPlatform('pkg', args);
const bucket: string = await resolve(platform.landingBucketName);
await settle(recorder);
const component = recorder.resources.find((r) => r.type === 'quarantine:index:QuarantineDataPlatform');
let refused = '';
try {
  new QuarantineDataPlatform('pkg2', { ...args, territoryProvinces: [] });
} catch (error) {
  if (error instanceof InvalidArgumentsError) refused = error.problems.join('; ');
}
// Where each function's code and each Glue script come from: the package's own files.
const code: string[] = [];
for (const r of recorder.resources) {
  const asset = (r.inputs['code'] ?? r.inputs['source']) as { path?: Promise<string> } | undefined;
  if (asset?.path !== undefined) code.push(await asset.path);
}
console.log(JSON.stringify({ counts: countsByType(recorder), component: component?.urn, bucket, refused, code }));
`;

test('packed, installed into a consumer program, compiled with tsc and run under mocks', async () => {
  const started = Date.now();
  // Build and pack a staging copy: the files npm packs are decided by package.json's `files`.
  const stage = join(work, 'stage');
  await mkdir(join(stage, 'bin'), { recursive: true });
  for (const f of ['package.json', 'README.md', 'bin/qdp.js']) {
    await copyFile(join(ROOT, f), join(stage, f));
  }
  // What `npm run build` does: tsc, then the data files and the Lambda bundles.
  await sh(
    process.execPath,
    [TSC, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(stage, 'dist')],
    ROOT,
  );
  await buildPackageAssets(join(stage, 'dist'));
  const packed = JSON.parse(
    await sh('npm', ['pack', '--json', '--pack-destination', work], stage),
  ) as { filename: string; files: { path: string }[] }[];
  const tarball = join(work, packed[0]!.filename);
  const files = packed[0]!.files.map((f) => f.path).sort();
  // Compiled JavaScript and declarations only (no TypeScript sources, no tests), the data files
  // the component reads or uploads, and one bundle per Lambda function.
  expect(files.filter((f) => f.startsWith('dist/infra/'))).toEqual(
    [
      'alerts',
      'analytics',
      'args',
      'artifacts',
      'context',
      'database',
      'etl',
      'import-trigger',
      'index',
      'key',
      'lambda',
      'landing',
      'migrations',
      'network',
      'portal',
    ].flatMap((m) => [`dist/infra/${m}.d.ts`, `dist/infra/${m}.js`]),
  );
  expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  const bundled = (fn: string) =>
    files
      .filter((f) => f.startsWith(`dist/bundles/${fn}/`))
      .map((f) => f.slice(`dist/bundles/${fn}/`.length));
  expect(bundled('on-upload')).toEqual(['contract/daily-file.json', 'index.mjs']);
  expect(bundled('notify')).toEqual(['contract/daily-file.json', 'index.mjs']);
  const migrations = (await readdir(join(ROOT, 'db/migrations'))).sort();
  expect(bundled('migrate').filter((f) => f.startsWith('migrations/'))).toEqual(
    migrations.map((m) => `migrations/${m}`),
  );
  expect(bundled('migrate')).toContain('index.mjs');
  // The portal's bundle as portal/bundle.ts builds it: server, native binding, assets, unit.
  for (const f of ['qdp-portal.service', 'server.mjs', 'package.json']) {
    expect(bundled('portal')).toContain(f);
  }
  expect(
    files.filter((f) => !f.startsWith('dist/infra/') && !f.startsWith('dist/bundles/')),
  ).toEqual(
    [
      'README.md',
      'bin/qdp.js',
      'dist/core/contract.d.ts',
      'dist/core/contract.js',
      'dist/core/municipalities.d.ts',
      'dist/core/municipalities.js',
      'dist/functions/environment.d.ts',
      'dist/functions/environment.js',
      'dist/functions/runtime.d.ts',
      'dist/functions/runtime.js',
      'package.json',
      ...packageDataFiles().map((f) => `dist/${f}`),
    ].sort(),
  );

  // The consumer: its own package.json and tsconfig, the tarball installed from the registry cache.
  const consumer = join(work, 'consumer');
  await mkdir(consumer);
  await writeFile(
    join(consumer, 'package.json'),
    JSON.stringify({ name: 'consumer', private: true, type: 'module' }),
  );
  await writeFile(
    join(consumer, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2023',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        types: [],
        skipLibCheck: true,
        outDir: 'out',
      },
      include: ['index.ts', 'mocks.ts'],
    }),
  );
  await writeFile(join(consumer, 'index.ts'), CONSUMER);
  await copyFile(join(ROOT, 'test/infra/mocks.ts'), join(consumer, 'mocks.ts'));
  await sh(
    'npm',
    ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', tarball],
    consumer,
  );
  const installed = JSON.parse(
    await readFile(join(consumer, 'node_modules/quarantine-data-platform/package.json'), 'utf8'),
  ) as { version: string };
  expect(installed.version).toBe('0.1.0');
  await sh(process.execPath, [TSC, '-p', 'tsconfig.json'], consumer);
  const out = await sh(process.execPath, ['out/index.js'], consumer);
  const result = JSON.parse(out.trim().split('\n').pop()!) as {
    counts: Record<string, number>;
    component: string;
    bucket: string;
    refused: string;
    code: string[];
  };

  // The same component, in process from the sources, with the same arguments.
  const rec = await installMocks();
  const platform = new QuarantineDataPlatform('pkg', typicalArgs);
  await resolve(platform.landingBucketName);
  await settle(rec);
  expect(result.counts['quarantine:index:QuarantineDataPlatform']).toBe(1);
  expect(result.counts).toEqual(countsByType(rec));
  expect(result.component).toBe(
    'urn:pulumi:test::quarantine-data-platform::quarantine:index:QuarantineDataPlatform::pkg',
  );
  expect(result.bucket).toBe('pkg-landing-abc1234');
  const installedRoot = join(consumer, 'node_modules/quarantine-data-platform/dist');
  expect(result.code.map((c) => c.slice(installedRoot.length + 1)).sort()).toEqual(
    [
      'bundles/migrate',
      'bundles/notify',
      'bundles/on-upload',
      'bundles/portal',
      ...packageDataFiles().filter((f) => f.startsWith('glue/') || f.startsWith('core/')),
    ].sort(),
  );
  expect(result.refused).toBe(
    'territoryProvinces: must name at least one province (two-letter codes such as VR, RM)',
  );
  console.log(`package test: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 480_000);
