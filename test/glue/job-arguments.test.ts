// The names that tie the Glue jobs to the rest, checked end to end: the component under mocks
// (infra/etl.ts) sets exactly the `--qdp_…` arguments each script reads (read from the script's
// source, not from the declaration both follow), plus the Glue arguments the script needs that
// Glue does not set itself; on-upload's run property names are the ones the import job reads; and
// the staged object on-upload writes lies where the crawler makes one table per import, which is
// what import_job.find_catalog_table expects (test_catalog_table.py). Each job's argument parsing
// runs with the real getResolvedOptions (awsglue, from PyPI's awsgluedataplanepython) on exactly
// the arguments the component declares for the job plus those Glue adds to a run.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { stagedKeyOf } from '../../functions/on-upload/upload.ts';
import { QuarantineDataPlatform } from '../../infra/index.ts';
import { typicalArgs } from '../infra/fixtures.ts';
import { installMocks, ofType, one, resolve, settle, type Recorder } from '../infra/mocks.ts';
import { BUCKET_LAYOUT } from '../../contracts/bucket-layout.ts';
import { WORKFLOW_RUN_PROPERTIES } from '../../contracts/glue.ts';
import { gluePython, run } from './python.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const JOBS = ['import', 'analytics'] as const;
type Job = (typeof JOBS)[number];

interface Declared {
  runProperties: Record<string, string>;
  jobs: Record<
    Job,
    { script: string; arguments: Record<string, { name: string }>; glueArguments: string[] }
  >;
}
const DECLARED = JSON.parse(
  readFileSync(path.join(ROOT, 'contracts/job-arguments.json'), 'utf8'),
) as Declared;

/** Arguments Glue passes to every run itself (JOB_NAME; WORKFLOW_* when a workflow starts it). */
const SET_BY_GLUE = ['--JOB_NAME', '--WORKFLOW_NAME', '--WORKFLOW_RUN_ID'];

let rec: Recorder;

beforeAll(async () => {
  rec = await installMocks();
  const platform = new QuarantineDataPlatform('ulss9', typicalArgs);
  await resolve(platform.dashboardName);
  await settle(rec);
});

/** The component's Glue job that runs a job's script: its name and default arguments. */
function jobResource(job: Job): { name: string; defaultArguments: Record<string, string> } {
  const script = DECLARED.jobs[job].script;
  const [resource] = ofType(rec, 'aws:glue/job:Job').filter((r) =>
    String((r.inputs['command'] as { scriptLocation: string }).scriptLocation).endsWith(
      `/${path.basename(script)}`,
    ),
  );
  if (!resource) throw new Error(`no Glue job runs ${script}`);
  return {
    name: String(resource.inputs['name']),
    defaultArguments: resource.inputs['defaultArguments'] as Record<string, string>,
  };
}

/**
 * What Glue adds to a run's arguments besides the job's default arguments: the job's name and
 * ids, and the workflow's name and run id when a workflow trigger starts it (the import job always;
 * the analytics job also runs from its nightly schedule, without them).
 */
function addedByGlue(job: Job, jobName: string): string[] {
  const workflow = ['--WORKFLOW_NAME', 'ulss9-import', '--WORKFLOW_RUN_ID', 'wr_0a1b2c3d'];
  return [
    '--JOB_ID',
    'j_0a1b2c3d',
    '--JOB_RUN_ID',
    'jr_0a1b2c3d',
    '--JOB_NAME',
    jobName,
    ...(job === 'import' ? workflow : []),
  ];
}

/** The job module's own argument parsing (what its `main` calls), on a run's argv. */
async function parseArguments(
  job: Job,
  argv: string[],
): Promise<{ code: number | null; parsed?: unknown; output: string }> {
  const module = path.basename(DECLARED.jobs[job].script, '.py');
  const program = [
    'import json, sys',
    'sys.path.insert(0, "glue")',
    `from ${module} import parse_arguments`,
    'resolved, arguments = parse_arguments(json.loads(sys.argv[1]))',
    'print(json.dumps({"resolved": resolved, "arguments": arguments}))',
  ].join('\n');
  const ran = await run(await gluePython(), ['-c', program, JSON.stringify(argv)], process.env);
  if (ran.code !== 0) return { code: ran.code, output: ran.output };
  return { code: 0, parsed: JSON.parse(ran.stdout), output: ran.output };
}

const argvOf = (script: string, args: Record<string, string>, added: string[]) => [
  path.basename(script),
  ...Object.entries(args).flat(),
  ...added,
];

test.each(JOBS)(
  'the %s job parses its run arguments with the real getResolvedOptions',
  { timeout: 10 * 60_000 },
  async (job) => {
    const { name, defaultArguments } = jobResource(job);
    const argv = argvOf(DECLARED.jobs[job].script, defaultArguments, addedByGlue(job, name));
    const result = await parseArguments(job, argv);
    expect(result.code, result.output).toBe(0);
    const own = Object.fromEntries(
      Object.entries(DECLARED.jobs[job].arguments).map(([key, argument]) => [
        key,
        defaultArguments[argument.name],
      ]),
    );
    expect(Object.values(own).every((value) => typeof value === 'string')).toBe(true);
    const resolved = (result.parsed as { resolved: Record<string, string> }).resolved;
    expect((result.parsed as { arguments: unknown }).arguments).toEqual(own);
    expect(resolved['JOB_NAME']).toBe(name);
    for (const glueArgument of DECLARED.jobs[job].glueArguments) {
      const value = argv[argv.indexOf(glueArgument) + 1];
      expect(resolved[glueArgument.slice(2)], glueArgument).toBe(value);
    }
  },
);

test.each(JOBS)(
  'the %s job refuses to start when an argument it declares is missing, naming it',
  { timeout: 10 * 60_000 },
  async (job) => {
    const { name, defaultArguments } = jobResource(job);
    for (const { name: missing } of Object.values(DECLARED.jobs[job].arguments)) {
      const rest = Object.fromEntries(
        Object.entries(defaultArguments).filter(([key]) => key !== missing),
      );
      const argv = argvOf(DECLARED.jobs[job].script, rest, addedByGlue(job, name));
      const result = await parseArguments(job, argv);
      // awsglue's parser raises GlueArgumentError where argparse would exit: the job fails.
      expect(result.code, result.output).toBe(1);
      expect(result.output).toContain(
        `awsglue.utils.GlueArgumentError: the following arguments are required: ${missing}\n`,
      );
    }
  },
);

/** The `--…` names a script reads: its own arguments by key (through the declaration) and Glue's. */
function readByScript(job: Job): { own: string[]; glue: string[] } {
  const source = readFileSync(path.join(ROOT, DECLARED.jobs[job].script), 'utf8');
  const keys = [...source.matchAll(/arguments\["(\w+)"\]/g)].map((m) => m[1] as string);
  const own = [...new Set(keys)].map((key) => {
    const argument = DECLARED.jobs[job].arguments[key];
    if (!argument) throw new Error(`${job} job reads undeclared argument ${key}`);
    return argument.name;
  });
  const glue = [...source.matchAll(/resolved\["(\w+)"\]/g)].map((m) => `--${m[1] as string}`);
  return { own: own.sort(), glue: [...new Set(glue)].sort() };
}

test.each(JOBS)('the %s job gets exactly the arguments its script reads', (job) => {
  const declared = DECLARED.jobs[job];
  const given = Object.keys(jobResource(job).defaultArguments);
  const { own, glue } = readByScript(job);
  expect(own.length).toBeGreaterThan(0);
  expect(given.filter((name) => name.startsWith('--qdp_')).sort()).toEqual(own);
  for (const name of glue.filter((n) => !SET_BY_GLUE.includes(n))) {
    expect(given, `${job} job sets ${name}`).toContain(name);
  }
  expect(glue.sort()).toEqual(
    declared.glueArguments.toSorted((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
  );
});

test('on-upload sets the run properties the import job reads', () => {
  const source = readFileSync(path.join(ROOT, DECLARED.jobs.import.script), 'utf8');
  const read = [...source.matchAll(/properties_names\["(\w+)"\]/g)].map((m) => m[1] as string);
  const set = WORKFLOW_RUN_PROPERTIES as Record<string, string>;
  for (const key of new Set(read)) {
    expect(set[key], key).toBe(DECLARED.runProperties[key]);
  }
  expect(new Set(read)).toEqual(new Set(['importId', 'stagedBucket', 'stagedKey']));
});

test('the staged object is alone in a folder the crawler makes a table of', () => {
  const key = stagedKeyOf(42, 'inbox/regione-veneto/quarantene 15-03.xlsx');
  expect(key).toBe(`${BUCKET_LAYOUT.staging}42/quarantene 15-03.csv`);
  const crawler = one(rec, 'aws:glue/crawler:Crawler', 'ulss9-staging').inputs;
  const [target] = crawler['s3Targets'] as { path: string }[];
  expect(target?.path.endsWith(`/${BUCKET_LAYOUT.staging}`)).toBe(true);
  // Levels: bucket (1), staging/ (2), <import id>/ (3): one table per import's folder.
  const level = BUCKET_LAYOUT.staging.split('/').filter(Boolean).length + 2;
  expect(JSON.parse(String(crawler['configuration'])) as unknown).toMatchObject({
    Grouping: { TableLevelConfiguration: level },
  });
  expect(key.split('/').length).toBe(level);
});
