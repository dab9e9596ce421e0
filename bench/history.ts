// Benchmark: the cost of an import must not grow with history. Three consecutive 100,000-row
// days are imported into an empty history (the baseline) and into a database holding a year of
// history (365 published days × 50,000 quarantines, loaded directly with SQL as the issue
// allows). Target: the history side takes at most 1.25× the baseline in total.
import path from 'node:path';
import pg from 'pg';
import { writeSyntheticDailyFile } from '../core/synth/index.ts';
import { freshDatabase, ratio, runImporter, scratchDir, startServer, time } from './support.ts';

const DAY_ROWS = Number(process.env.BENCH_DAY_ROWS ?? 100_000);
const HISTORY_DAYS = Number(process.env.BENCH_HISTORY_DAYS ?? 365);
const HISTORY_ROWS = Number(process.env.BENCH_HISTORY_ROWS ?? 50_000);
const TARGET_RATIO = 1.25;
const DAYS = 3;

/** A year of published imports, written straight into the tables the importer maintains. */
async function loadHistory(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const istat = (
    await client.query<{ codes: string[] }>(
      'select array_agg(istat_code order by istat_code) as codes from qdp.municipalities where in_territory',
    )
  ).rows[0]!.codes;
  for (let day = 1; day <= HISTORY_DAYS; day++) {
    await client.query('begin');
    const { rows } = await client.query<{ id: string }>(
      `insert into qdp.imports (source_name, sha256, size_bytes, status, received_at, loaded_at,
                                published_at, finished_at, rows_total, rows_accepted, rows_rejected)
       values ($1, encode(sha256(convert_to($1, 'UTF8')), 'hex'), 0, 'published',
               now() - make_interval(days => $2), now() - make_interval(days => $2),
               now() - make_interval(days => $2), now() - make_interval(days => $2), $3, $3, 0)
       returning id`,
      [`history-day-${day}.csv`, HISTORY_DAYS - day + 1, HISTORY_ROWS],
    );
    const id = rows[0]!.id;
    await client.query(
      `create table qdp.quarantines_${id} partition of qdp.quarantines for values in (${id})`,
    );
    await client.query(
      `create table qdp.transit_${id} partition of qdp.transit for values in (${id})`,
    );
    // A rolling population: each day's 50,000 people overlap the previous day's by about 90%.
    await client.query(
      `insert into qdp.quarantines_${id}
         (import_id, line_no, fiscal_code, surname, name, sex, birth_date, residence_istat,
          residence_name, address, phone, gp_code, gp_name, reason, start_date, end_date, change)
       select $1, g + 1, 'HST' || lpad((g + $2 * $3 / 10)::text, 13, '0'), 'COGNOME', 'NOME',
              case when g % 2 = 0 then 'M' else 'F' end, date '1970-01-01' + (g % 18000),
              ($4::text[])[1 + g % array_length($4::text[], 1)], null, 'VIA ROMA 1', null,
              'MG' || lpad((g % 400)::text, 5, '0'), null,
              case when g % 3 = 0 then 'POSITIVO' else 'CONTATTO' end,
              current_date - 400 + $2, current_date - 386 + $2, 'unchanged'
         from generate_series(0, $3 - 1) as g`,
      [id, day, HISTORY_ROWS, istat],
    );
    await client.query(
      `insert into qdp.patients (fiscal_code, surname, name, sex, birth_date, residence_istat, address,
                                 gp_code, first_import_id, last_import_id)
       select fiscal_code, surname, name, sex, birth_date, residence_istat, address, gp_code, $1, $1
         from qdp.quarantines_${id}
       on conflict (fiscal_code) do update set last_import_id = excluded.last_import_id`,
      [id],
    );
    await client.query(`insert into qdp.publications (import_id, action) values ($1, 'publish')`, [
      id,
    ]);
    await client.query('commit');
    if (day % 73 === 0) console.log(`  history: ${day}/${HISTORY_DAYS} days`);
  }
  // Smaller runs (BENCH_DAY_ROWS below half of BENCH_HISTORY_ROWS) would be held by the
  // row-count rule and skip publishing: the benchmark compares the same work on both sides.
  await client.query("update qdp.settings set value = '0' where key = 'hold_min_accepted_ratio'");
  await client.query('analyze');
  await client.end();
}

const dir = scratchDir('qdp-bench-history-');
const server = await startServer();
try {
  // Three consecutive days, imported alternately into the empty database and the one with a year
  // of history, so that a passing disturbance of the machine hits both sides alike.
  const files: string[] = [];
  for (let day = 1; day <= DAYS; day++) {
    const file = path.join(dir, `day${day}.csv`);
    await writeSyntheticDailyFile({
      rows: DAY_ROWS,
      seed: 'history',
      day,
      format: 'csv',
      outFile: file,
    });
    files.push(file);
  }
  const fullUrl = await freshDatabase(server.adminUrl, 'qdp_bench_history');
  const loaded = await time(() => loadHistory(fullUrl));
  console.log(
    `history of ${HISTORY_DAYS} × ${HISTORY_ROWS.toLocaleString('en-GB')} rows loaded in ${loaded.seconds.toFixed(0)} s`,
  );
  const emptyUrl = await freshDatabase(server.adminUrl, 'qdp_bench_empty');
  console.log(`
${DAY_ROWS.toLocaleString('en-GB')}-row days, end to end`);
  console.log(
    `| day | empty history (s) | ${HISTORY_DAYS} days of history (s) | ratio |\n|---|---|---|---|`,
  );
  let emptyTotal = 0;
  let fullTotal = 0;
  for (const [index, file] of files.entries()) {
    const empty = await runImporter(emptyUrl, file);
    const full = await runImporter(fullUrl, file);
    emptyTotal += empty.seconds;
    fullTotal += full.seconds;
    console.log(
      `| ${index + 1} (${empty.outcome.status}, ${full.outcome.status}) | ${empty.seconds.toFixed(2)} | ${full.seconds.toFixed(2)} | ${ratio(full.seconds, empty.seconds)} |`,
    );
  }
  console.log(
    `| all | ${emptyTotal.toFixed(2)} | ${fullTotal.toFixed(2)} | ${ratio(fullTotal, emptyTotal)} |`,
  );
  const ok = fullTotal / emptyTotal <= TARGET_RATIO;
  console.log(
    `\ntarget: ≤ ${TARGET_RATIO}× the empty-history imports: ${ok ? 'met' : 'NOT MET'} (${ratio(fullTotal, emptyTotal)})`,
  );
  process.exitCode = ok ? 0 : 3;
} finally {
  await server.stop();
}
