// Benchmark: the Glue import job (glue/import_job.py) on a local Spark 3.5.4 (Glue 5.0's), two
// cores, against a plain COPY of the same staged file (the floor, DESIGN §11). The file is a
// synthetic day staged exactly as on-upload stages it (test/glue/stage.ts). Figures: Spark reading
// the staged CSV into transit rows; the JDBC write of those rows with the PostgreSQL driver's
// reWriteBatchedInserts off and on (what the job uses); the job end to end (write, mark_loaded,
// reconcile, publish). A Glue G.1X worker has 4 vCPUs: these are ratios, not Glue's timings.
//   npx tsx bench/glue-import.ts   (BENCH_GLUE_ROWS, default 1,000,000; BENCH_DATABASE_URL)
import { spawnSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { GLUE_JDBC_BATCH_SIZE } from '../infra/etl.ts';
import { freshDatabase, ratio, ROOT, scratchDir, startServer, time } from './support.ts';
import { FIELDS } from '../contracts/daily-file.ts';

const ROWS = Number(process.env.BENCH_GLUE_ROWS ?? 1_000_000);

function run(command: string, args: string[]): string {
  const done = spawnSync(command, args, { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (done.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed: ${done.stderr || done.stdout}`);
  }
  return done.stdout;
}

const dir = scratchDir('qdp-bench-glue-');
const upload = path.join(dir, 'day1.csv');
const staged = path.join(dir, 'staged.csv');
run(process.execPath, [
  'bin/qdp.js',
  'synth',
  '--rows',
  String(ROWS),
  '--seed',
  'bench-glue',
  '--day',
  '1',
  '--out',
  upload,
]);
run(process.execPath, ['--import', 'tsx', 'test/glue/stage.ts', upload, staged]);
const python = run('bash', ['scripts/glue-venv.sh']).trim().split('\n').at(-1) as string;

const server = await startServer();
try {
  const url = await freshDatabase(server.adminUrl, 'qdp_bench_glue');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const columns = ['qdp_line_no', ...FIELDS.map((f) => f.column)];
  await client.query(`create table copy_baseline (${columns.map((c) => `${c} text`).join(', ')})`);
  const copy = await time(() =>
    pipeline(
      createReadStream(staged),
      client.query(copyFrom('copy copy_baseline from stdin (format csv, header true)')),
    ),
  );
  await client.end();

  const figures = JSON.parse(
    run(python, ['bench/glue_import.py', staged, url, String(GLUE_JDBC_BATCH_SIZE)])
      .trim()
      .split('\n')
      .at(-1) as string,
  ) as Record<'read' | 'write_plain' | 'write_rewritten' | 'import', number> & { status: string };

  const rate = (seconds: number) => `${Math.round(ROWS / seconds / 1000)}k rows/s`;
  console.log(`Glue import job on local Spark, ${ROWS} rows, batches of ${GLUE_JDBC_BATCH_SIZE}`);
  console.log(`| | seconds | vs COPY |`);
  console.log(`|---|---|---|`);
  console.log(`| COPY of the staged CSV (baseline) | ${copy.seconds.toFixed(2)} | 1.00× |`);
  for (const [label, key] of [
    ['Spark: read the staged CSV, build the transit rows', 'read'],
    ['JDBC write, reWriteBatchedInserts off', 'write_plain'],
    ['JDBC write, reWriteBatchedInserts on (the job)', 'write_rewritten'],
    [`run_import end to end (${figures.status})`, 'import'],
  ] as const) {
    const seconds = figures[key];
    console.log(
      `| ${label} | ${seconds.toFixed(2)} (${rate(seconds)}) | ${ratio(seconds, copy.seconds)} |`,
    );
  }
} finally {
  await server.stop();
}
