// Benchmark (DESIGN §11): reading a 1,000,000-row daily .csv and COPYing it into its transit
// partition, against a plain COPY of the same file into a table of text columns (the floor).
// npx tsx bench/load-transit.ts [rows]   (DATABASE_URL = a superuser URL, else embedded PostgreSQL)
import { createReadStream, chmodSync, createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { finished, pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { copyIntoTransit } from '../core/load.ts';
import { inspectFile, openDailyFile } from '../core/reader/index.ts';
import { migrate } from '../db/migrate.ts';
import { startEmbeddedPostgres } from '../local/embedded.ts';
import { FIELDS } from '../contracts/daily-file.ts';

const ROWS = Number(process.argv[2] ?? 1_000_000);
const ROUNDS = 2;

const SURNAMES = ['ROSSI', 'BIANCHI', 'VERDI', 'ESPOSITO', 'COLOMBO', 'RICCI', 'MARINO', 'GRECO'];
const NAMES = ['MARIO', 'GIULIA', 'LUCA', 'ANNA', 'MARCO', 'SARA', 'PAOLO', 'ELENA', 'NICOLÒ'];
const TOWNS = [
  ['023091', 'VERONA'],
  ['023044', 'LEGNAGO'],
  ['023089', 'VILLAFRANCA DI VERONA'],
  ['023076', 'SAN GIOVANNI LUPATOTO'],
];
const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

/** A plausible synthetic daily file (semicolon-separated, 1 row in 100 with a quoted field). */
async function writeCsv(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file);
  let chunk = FIELDS.map((f) => f.header).join(';') + '\n';
  for (let i = 0; i < rows; i++) {
    const surname = SURNAMES[i % SURNAMES.length] as string;
    const name = NAMES[(i >> 3) % NAMES.length] as string;
    const [istat, town] = TOWNS[i % TOWNS.length] as [string, string];
    let code = '';
    for (let k = 0, x = i * 7919 + 13; k < 6; k++, x = (x * 31 + 7) % 1_000_003) {
      code += LETTERS[x % 26];
    }
    const fiscal = `${code}${pad(40 + (i % 60))}A${pad(1 + (i % 28))}L781${LETTERS[i % 26]}`;
    const address = i % 100 === 0 ? `"VIA ""NUOVA""; ${i % 200}"` : `VIA ROMA ${1 + (i % 180)}`;
    const start = `${pad(1 + (i % 28))}/11/2020`;
    const end = `${pad(1 + (i % 28))}/12/2020`;
    chunk +=
      [
        fiscal,
        surname,
        name,
        i % 2 ? 'M' : 'F',
        `${pad(1 + (i % 28))}/${pad(1 + (i % 12))}/${1930 + (i % 80)}`,
        istat,
        town,
        address,
        `3${pad(i % 100_000_000, 9)}`,
        `MMG${pad(i % 700, 5)}`,
        `DR. ${SURNAMES[(i >> 2) % SURNAMES.length]} ${NAMES[i % NAMES.length]}`,
        i % 5 ? 'CONTATTO' : 'POSITIVO',
        start,
        end,
      ].join(';') + '\n';
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await finished(out);
}

async function timed<T>(work: () => Promise<T>): Promise<[number, T]> {
  const start = process.hrtime.bigint();
  const result = await work();
  return [Number(process.hrtime.bigint() - start) / 1e9, result];
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(path.join(tmpdir(), 'qdp-bench-load-'));
  chmodSync(scratch, 0o755); // the embedded server runs as the `postgres` system user
  const embedded = process.env.DATABASE_URL
    ? undefined
    : await startEmbeddedPostgres({ dataDir: path.join(scratch, 'pg'), persistent: false });
  const adminUrl = process.env.DATABASE_URL ?? (embedded?.adminUrl as string);
  const database = `qdp_bench_load_${process.pid}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`create database ${database}`);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await migrate(client);
    const file = path.join(scratch, 'daily.csv');
    const [generate] = await timed(() => writeCsv(file, ROWS));
    console.log(`generated ${ROWS} rows in ${generate.toFixed(1)} s`);
    await client.query(
      `create table qdp_raw (${FIELDS.map((f) => `${f.column} text`).join(', ')})`,
    );
    const { rows } = await client.query<{ id: string }>(
      `insert into qdp.imports (source_name, sha256, size_bytes)
       values ('bench.csv', repeat('0', 64), 0) returning id`,
    );
    const importId = rows[0]?.id as string;
    await client.query(
      `create table qdp.transit_${importId} partition of qdp.transit for values in (${importId})`,
    );
    const results: { raw: number; inspect: number; load: number }[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      await client.query('truncate qdp_raw');
      await client.query(`truncate qdp.transit_${importId}`);
      await client.query('checkpoint');
      const [raw] = await timed(() =>
        pipeline(
          createReadStream(file, { highWaterMark: 1 << 20 }),
          client.query(copyFrom(`copy qdp_raw from stdin (format csv, delimiter ';', header)`)),
        ),
      );
      await client.query('checkpoint');
      const [inspect, inspected] = await timed(() => inspectFile(file));
      const [load, count] = await timed(async () => {
        const daily = await openDailyFile(file, inspected);
        return copyIntoTransit(client, importId, daily.rows);
      });
      if (count !== ROWS) throw new Error(`loaded ${count} rows, expected ${ROWS}`);
      results.push({ raw, inspect, load });
      console.log(
        `round ${round}: plain COPY ${raw.toFixed(2)} s; inspect (sha256 + utf-8) ${inspect.toFixed(2)} s; ` +
          `read + copyIntoTransit ${load.toFixed(2)} s; ratio ${(load / raw).toFixed(2)}x, ` +
          `with inspect ${((inspect + load) / raw).toFixed(2)}x`,
      );
    }
    const best = (key: 'raw' | 'inspect' | 'load') => Math.min(...results.map((r) => r[key]));
    console.log(
      `best: plain COPY ${best('raw').toFixed(2)} s, read + copyIntoTransit ${best('load').toFixed(2)} s ` +
        `(${(ROWS / best('load') / 1000).toFixed(0)}k rows/s), ratio ${(best('load') / best('raw')).toFixed(2)}x ` +
        `(target about 1.5x), with inspect ${((best('inspect') + best('load')) / best('raw')).toFixed(2)}x; ` +
        `peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`,
    );
  } finally {
    await client.end();
    await admin.query(`drop database if exists ${database} with (force)`);
    await admin.end();
    await embedded?.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
}

await main();
