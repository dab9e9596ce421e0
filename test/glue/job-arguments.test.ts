// The names that tie the Glue jobs to the rest, checked end to end: the component under mocks
// (infra/etl.ts) sets exactly the `--qdp_…` arguments each script reads (read from the script's
// source, not from the declaration both follow), plus the Glue arguments the script needs that
// Glue does not set itself; on-upload's run property names are the ones the import job reads; and
// the staged object on-upload writes lies where the crawler makes one table per import, which is
// what import_job.find_catalog_table expects (test_catalog_table.py).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { stagedKeyOf } from '../../functions/on-upload/upload.ts';
import { QuarantineDataPlatform } from '../../infra/index.ts';
import { typicalArgs } from '../infra/fixtures.ts';
import { installMocks, ofType, one, resolve, settle, type Recorder } from '../infra/mocks.ts';
import { BUCKET_LAYOUT } from '../../contracts/bucket-layout.ts';
import { WORKFLOW_RUN_PROPERTIES } from '../../contracts/glue.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');

interface Declared {
  runProperties: Record<string, string>;
  jobs: Record<
    'import' | 'analytics',
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

/** The `--…` names a script reads: its own arguments by key (through the declaration) and Glue's. */
function readByScript(job: 'import' | 'analytics'): { own: string[]; glue: string[] } {
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

test.each(['import', 'analytics'] as const)(
  'the %s job gets exactly the arguments its script reads',
  (job) => {
    const declared = DECLARED.jobs[job];
    const [resource] = ofType(rec, 'aws:glue/job:Job').filter((r) =>
      String((r.inputs['command'] as { scriptLocation: string }).scriptLocation).endsWith(
        `/${path.basename(declared.script)}`,
      ),
    );
    expect(resource, `a Glue job running ${declared.script}`).toBeDefined();
    const given = Object.keys(resource?.inputs['defaultArguments'] as Record<string, string>);
    const { own, glue } = readByScript(job);
    expect(own.length).toBeGreaterThan(0);
    expect(given.filter((name) => name.startsWith('--qdp_')).sort()).toEqual(own);
    for (const name of glue.filter((n) => !SET_BY_GLUE.includes(n))) {
      expect(given, `${job} job sets ${name}`).toContain(name);
    }
    expect(glue.sort()).toEqual(
      declared.glueArguments.toSorted((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
    );
  },
);

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
