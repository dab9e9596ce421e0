// Benchmark: a 1,000,000-row daily file imported end to end (read, COPY, reconcile, publish)
// against a baseline measured in the same run on the same server: COPY of the same file into a
// plain table of text columns. Targets: end to end at most 4× the baseline; importer peak memory
// under 300 MB. Then the next day's file on top (the steady state), reported the same way.
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { writeSyntheticDailyFile } from '../core/synth/index.ts';
import { freshDatabase, ratio, runImporter, scratchDir, startServer, time } from './support.ts';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const TARGET_RATIO = 4;
const TARGET_PEAK_MB = 300;

async function copyBaseline(url: string, file: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('drop table if exists bench_raw');
  await client.query(
    `create table bench_raw (${Array.from({ length: 14 }, (_, i) => `c${i} text`).join(', ')})`,
  );
  const { seconds } = await time(() =>
    pipeline(
      createReadStream(file),
      client.query(copyFrom("copy bench_raw from stdin (format csv, delimiter ';', header true)")),
    ),
  );
  await client.query('drop table bench_raw');
  await client.end();
  return seconds;
}

const dir = scratchDir('qdp-bench-import-');
const server = await startServer();
try {
  const files = [1, 2].map((day) => path.join(dir, `day${day}.csv`));
  for (const [index, file] of files.entries()) {
    const made = await time(() =>
      writeSyntheticDailyFile({
        rows: ROWS,
        seed: 'bench',
        day: index + 1,
        format: 'csv',
        outFile: file,
      }),
    );
    console.log(
      `synthetic day ${index + 1}: ${ROWS.toLocaleString('en-GB')} rows in ${made.seconds.toFixed(1)} s`,
    );
  }
  const url = await freshDatabase(server.adminUrl, 'qdp_bench_import');
  const baseline = await copyBaseline(url, files[0]!);
  const first = await runImporter(url, files[0]!);
  const baselineAgain = await copyBaseline(url, files[1]!);
  const second = await runImporter(url, files[1]!);
  const rows = [
    ['baseline: COPY of day 1 into text columns', baseline, '1.00×', ''],
    [
      `import day 1 into empty tables (${first.outcome.status})`,
      first.seconds,
      ratio(first.seconds, baseline),
      `${first.peakRssMb.toFixed(0)} MB`,
    ],
    ['baseline: COPY of day 2 into text columns', baselineAgain, '1.00×', ''],
    [
      `import day 2 on top of day 1 (${second.outcome.status})`,
      second.seconds,
      ratio(second.seconds, baselineAgain),
      `${second.peakRssMb.toFixed(0)} MB`,
    ],
  ] as const;
  console.log(`\nimport of ${ROWS.toLocaleString('en-GB')} rows, end to end`);
  console.log('| step | seconds | vs COPY | importer peak RSS |\n|---|---|---|---|');
  for (const [label, seconds, r, mem] of rows)
    console.log(`| ${label} | ${seconds.toFixed(2)} | ${r} | ${mem} |`);
  const worstRatio = Math.max(first.seconds / baseline, second.seconds / baselineAgain);
  const worstPeak = Math.max(first.peakRssMb, second.peakRssMb);
  const ok = worstRatio <= TARGET_RATIO && worstPeak < TARGET_PEAK_MB;
  console.log(
    `\ntarget: ≤ ${TARGET_RATIO}× the COPY baseline and < ${TARGET_PEAK_MB} MB: ${ok ? 'met' : 'NOT MET'} (worst ${worstRatio.toFixed(2)}×, ${worstPeak.toFixed(0)} MB)`,
  );
  process.exitCode = ok ? 0 : 3;
} finally {
  await server.stop();
}
