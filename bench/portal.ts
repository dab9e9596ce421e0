// Benchmark: the portal's list page under load. A latest import of 1,000,000 quarantines on top of
// a year of published history (loaded directly with SQL, as bench/history.ts does), the portal as
// its own process (`node --import tsx portal/main.ts`, connected as a member of qdp_portal), and
// autocannon on the first page of the list, as a GP (a few thousand patients) and as the
// Prefecture (the whole million), with 1, 10 and 50 concurrent connections
// (BENCH_PORTAL_CONNECTIONS). Baseline, in the same run and at the same concurrency: the same SQL
// query (portal/queries/list.ts) run directly through pg by as many clients, their connections
// switched to the same role and user, so that row-level security applies alike. Targets (issue 12):
// at 50 connections p99 under 100 ms and the page's CPU per request (portal, database, load
// generator) at most 2.5× the query's (database, pg clients); at 10 connections p99 under 30 ms.
// The CPU each side used per request is read from Linux /proc.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { hashPassword } from '../core/passwords.ts';
import { listFiltersSchema, listReadRequest } from '../portal/queries/list.ts';
import { readQuarantinesStatement } from '../portal/queries/read-quarantines.ts';
import { readableColumns } from '../portal/queries/columns.ts';
import { migrate } from '../db/migrate.ts';
import { oneTripSession } from '../db/session.ts';
import { databaseUrl, freshDatabase, ROOT, startServer } from './support.ts';

const LATEST_ROWS = Number(process.env.BENCH_PORTAL_ROWS ?? 1_000_000);
const HISTORY_DAYS = Number(process.env.BENCH_HISTORY_DAYS ?? 365);
const HISTORY_ROWS = Number(process.env.BENCH_PORTAL_HISTORY_ROWS ?? 20_000);
// The issue's target is at 50 concurrent connections; fewer show how latency grows with load.
const CONNECTION_COUNTS = (process.env.BENCH_PORTAL_CONNECTIONS ?? '1,10,50')
  .split(',')
  .map((c) => Number(c.trim()));
const TARGET_CONNECTIONS = 50;
/** p99 targets by concurrent connections. */
const TARGET_P99_MS: Record<number, number> = { 10: 30, 50: 100 };
const TARGET_CPU_RATIO = 2.5;
const DURATION_S = Number(process.env.BENCH_PORTAL_SECONDS ?? 15);
const PAGE_SIZE = 50;
const PASSWORD = 'bench-portal-password';

async function one<T extends pg.QueryResultRow>(
  client: pg.ClientBase,
  sql: string,
  params: unknown[] = [],
): Promise<T> {
  return (await client.query<T>(sql, params)).rows[0]!;
}

/** One published import of `rows` quarantines, written directly and attached as reconcile_import does. */
async function addImport(
  client: pg.Client,
  day: number,
  rows: number,
  istat: string[],
): Promise<number> {
  await client.query('begin');
  const { id } = await one<{ id: string }>(
    client,
    `insert into qdp.imports (source_name, sha256, size_bytes, status, received_at, loaded_at,
                              published_at, finished_at, rows_total, rows_accepted, rows_rejected)
     values ($1, encode(sha256(convert_to($1, 'UTF8')), 'hex'), 0, 'published',
             now() - make_interval(days => $2), now() - make_interval(days => $2),
             now() - make_interval(days => $2), now() - make_interval(days => $2), $3, $3, 0)
     returning id`,
    [`bench-portal-day-${day}.csv`, HISTORY_DAYS - day + 1, rows],
  );
  await client.query(
    `create table qdp.quarantines_${id} (like qdp.quarantines including defaults including constraints)`,
  );
  // A rolling population: consecutive days overlap by about 90%.
  await client.query(
    `insert into qdp.quarantines_${id}
       (import_id, line_no, fiscal_code, surname, name, sex, birth_date, residence_istat,
        residence_name, address, phone, gp_code, gp_name, reason, start_date, end_date, change)
     select $1, g + 2, 'BNC' || lpad((g + $2 * ($3 / 10))::text, 13, '0'),
            'COGNOME' || (g % 997), 'NOME' || (g % 101),
            case when g % 2 = 0 then 'M' else 'F' end, date '1950-01-01' + (g % 20000),
            ($4::text[])[1 + g % array_length($4::text[], 1)], 'COMUNE', 'VIA ROMA ' || (g % 300), '0450000000',
            'MG' || lpad((g % 400)::text, 5, '0'), 'DOTT. MEDICO ' || (g % 400),
            case when g % 3 = 0 then 'POSITIVO' else 'CONTATTO' end,
            current_date - 400 + $2 - (g % 10), current_date - 386 + $2 + (g % 5),
            case when g % 10 = 0 then 'new' else 'unchanged' end
       from generate_series(0, $3 - 1) as g`,
    [id, day, rows, istat],
  );
  await client.query('select qdp.attach_quarantines_partition($1)', [id]);
  await client.query(`insert into qdp.publications (import_id, action) values ($1, 'publish')`, [
    id,
  ]);
  await client.query('commit');
  return Number(id);
}

interface Stats {
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  /** CPU milliseconds per request: the portal process, the database, this process (load or client). */
  cpu: { portal: number; database: number; bench: number } | undefined;
}

// Where the CPU goes, from Linux's /proc (clock ticks of 10 ms): every process named `postgres`
// (the embedded server and its backends, plus what the postmaster reaped from backends that
// ended), the portal's process, and this process (autocannon, or the baseline's pg clients). Not
// available when BENCH_DATABASE_URL points elsewhere or off Linux (then only latencies are shown).
const TICK_MS = 10;

function ticksOf(pid: number, withReapedChildren = false): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime, stime (fields 14, 15), cutime, cstime (16, 17); the split drops fields 1 and 2.
    const own = Number(fields[11]) + Number(fields[12]);
    return withReapedChildren ? own + Number(fields[13]) + Number(fields[14]) : own;
  } catch {
    return 0;
  }
}

function procEntries(): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map(Number);
}

function parentOf(pid: number): number | undefined {
  try {
    return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
  } catch {
    return undefined; // the process ended meanwhile
  }
}

/** The CPU ticks of a process and its children (the portal's primary and its workers). */
function processTreeTicks(pid: number): number {
  let total = ticksOf(pid);
  for (const child of procEntries()) if (parentOf(child) === pid) total += ticksOf(child);
  return total;
}

/** The CPU ticks of the server on `port` (its postmaster, its backends, the backends it reaped). */
function databaseTicks(port: string): number | undefined {
  // Only a server on this machine (found by its port) can be measured.
  if (process.platform !== 'linux') return undefined;
  const postmaster = procEntries().find((pid) => {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      return argv[0]!.endsWith('/postgres') && argv[argv.indexOf('-p') + 1] === port;
    } catch {
      return false;
    }
  });
  if (postmaster === undefined) return undefined;
  let total = ticksOf(postmaster, true);
  for (const pid of procEntries()) {
    if (parentOf(pid) === postmaster) total += ticksOf(pid);
  }
  return total;
}

/** Measures the CPU that `run` makes each part use, per request it reports. */
async function withCpu(
  databasePort: string,
  portalPid: number | undefined,
  run: () => Promise<Omit<Stats, 'cpu'>>,
): Promise<Stats> {
  const db0 = databaseTicks(databasePort);
  const portal0 = portalPid === undefined ? 0 : processTreeTicks(portalPid);
  const bench0 = process.cpuUsage();
  const stats = await run();
  const bench = process.cpuUsage(bench0);
  const db1 = databaseTicks(databasePort);
  const n = Math.max(stats.requests, 1);
  return {
    ...stats,
    cpu:
      db0 === undefined || db1 === undefined
        ? undefined
        : {
            portal:
              portalPid === undefined ? 0 : ((processTreeTicks(portalPid) - portal0) * TICK_MS) / n,
            database: ((db1 - db0) * TICK_MS) / n,
            bench: (bench.user + bench.system) / 1000 / n,
          },
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/**
 * What the list's database work costs without the portal: `connections` clients in a loop for
 * DURATION_S seconds through pg. `query`: the bare list query (the baseline); `audited`: that
 * query as the page sends it, writing its one audit entry with the fiscal codes shown (issue 14);
 * `page`: the page's whole database exchange, as the portal sends it in one round trip
 * (db/session.ts oneTripSession: BEGIN, the session's opening, the audited query, the check,
 * COMMIT), each client in a session of its own, so that the page's database cost is seen apart
 * from the portal's.
 */
/** The first failure of each kind of direct measurement in this run, printed after the tables. */
const firstErrors: Partial<Record<'query' | 'audited' | 'page', string>> = {};

async function directQuery(
  url: string,
  login: { role: string; password: string },
  userId: number,
  role: string,
  latestImportId: number,
  connections: number,
  mode: 'query' | 'audited' | 'page',
): Promise<Omit<Stats, 'cpu'> & { end(): Promise<void> }> {
  const audited = mode !== 'query';
  const dbUrl = new URL(url);
  dbUrl.username = login.role;
  dbUrl.password = login.password;
  const filters = listFiltersSchema.parse({});
  const clients: pg.Client[] = [];
  let query: { text: string; values: unknown[] } | undefined;
  // Sessions are opened by the owner: the login role opens one only with a proof (0052).
  const owner = new pg.Client({ connectionString: url });
  await owner.connect();
  for (let i = 0; i < connections; i++) {
    // The bare query reads as the role's reader (0072), which only the owner may switch to; the
    // audited statement calls the reader's function as the portal does, as the login role.
    const c = new pg.Client({ connectionString: audited ? dbUrl.toString() : url });
    await c.connect();
    // A live session of the user, as the log-in opens one: the policies see a user only through
    // the session's token hash (db/functions/access/session_binding.sql).
    const hash = randomBytes(32);
    await owner.query("select qdp.portal_login_succeeded($1, $2, 'bench')", [userId, hash]);
    await c.query(`set role ${audited ? role : `${role}_reader`}`);
    await c.query("select set_config('qdp.session_token_hash', $1, false)", [hash.toString('hex')]);
    if (!query) {
      // What the page shows: the role's readable columns, asked as the portal asks.
      const readable = await readableColumns(c, role, 'qdp.quarantines');
      const { request } = listReadRequest(
        filters,
        { readable, importId: latestImportId, referenceDay: null, limit: PAGE_SIZE + 1, offset: 0 },
        {
          action: 'list.view',
          shownLimit: PAGE_SIZE,
          clientAddress: 'bench',
        },
      );
      // The bare query is the statement the reader's function runs for the same request.
      const text = audited
        ? readQuarantinesStatement(role, request)
        : (
            await c.query<{ sql: string }>('select qdp.read_quarantines_sql($1) as sql', [
              JSON.stringify(request),
            ])
          ).rows[0]!.sql;
      query = { text, values: [] };
    }
    clients.push(c);
  }
  // The page's exchange: a pool of as many connections, one live session per client.
  const pagePool =
    mode === 'page' ? new pg.Pool({ connectionString: dbUrl.toString(), max: connections }) : null;
  // An idle connection ended by the server's stop at the end of the run is not the run's error.
  pagePool?.on('error', () => undefined);
  const pageSessions: Buffer[] = [];
  if (pagePool) {
    for (let i = 0; i < connections; i++) {
      const hash = randomBytes(32);
      await owner.query("select qdp.portal_login_succeeded($1, $2, 'bench')", [userId, hash]);
      pageSessions.push(hash);
    }
  }
  await owner.end();
  const pageStatement = pagePool ? query!.text : '';
  const runOnce = async (c: pg.Client, i: number): Promise<number | null> => {
    if (!pagePool) return (await c.query(query!.text, query!.values)).rowCount;
    const { results } = await oneTripSession(
      pagePool,
      pageSessions[i]!,
      { dbRole: role, latestImportId },
      [pageStatement],
    );
    return results[0]!.length;
  };
  const latencies: number[] = [];
  const end = Date.now() + DURATION_S * 1000;
  let errors = 0;
  await Promise.all(
    clients.map(async (c, i) => {
      while (Date.now() < end) {
        const start = process.hrtime.bigint();
        try {
          const rows = await runOnce(c, i);
          if (rows !== PAGE_SIZE + 1) {
            errors += 1;
            firstErrors[mode] ??= `${rows} rows instead of ${PAGE_SIZE + 1}`;
          }
        } catch (error) {
          errors += 1;
          // Synthetic data only: the message says what failed (a SQLSTATE and its text).
          const { code, message } = error as { code?: string; message?: string };
          firstErrors[mode] ??= `${code ?? 'error'}: ${message ?? String(error)}`;
        }
        latencies.push(Number(process.hrtime.bigint() - start) / 1e6);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    requests: latencies.length,
    errors,
    // Ended by the caller after the CPU is read: an ended backend's CPU moves to its parent only
    // once reaped.
    end: async () => {
      await Promise.all(clients.map((c) => c.end()));
      await pagePool?.end();
    },
  };
}

async function logIn(base: string, username: string): Promise<string> {
  const cookies = new Map<string, string>();
  const keep = (r: Response) => {
    for (const line of r.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair!.indexOf('=');
      cookies.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
  };
  const header = () => [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const page = await fetch(`${base}/login`);
  keep(page);
  const token = /name="_csrf" value="([^"]+)"/.exec(await page.text())![1]!;
  const r = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: header() },
    body: new URLSearchParams({ username, password: PASSWORD, _csrf: token }).toString(),
  });
  if (r.status !== 303) throw new Error(`log-in of ${username} failed: ${r.status}`);
  keep(r);
  return header();
}

async function loadPage(
  base: string,
  cookie: string,
  connections: number,
): Promise<Omit<Stats, 'cpu'>> {
  const result = await autocannon({
    url: `${base}/quarantene`,
    connections,
    duration: DURATION_S,
    headers: { cookie },
  });
  return {
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    errors: result.non2xx + result.errors + result.timeouts,
  };
}

const server = await startServer();
let portalProcess: ReturnType<typeof spawn> | undefined;
try {
  // BENCH_PORTAL_REUSE=1 with BENCH_DATABASE_URL: the database a previous run loaded on that server
  // is migrated to the current schema and measured again, without loading it anew.
  const reuse = process.env.BENCH_PORTAL_REUSE === '1';
  const url = reuse
    ? databaseUrl(server.adminUrl, 'qdp_bench_portal')
    : await freshDatabase(server.adminUrl, 'qdp_bench_portal');
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  let latest: number;
  if (reuse) {
    await migrate(admin);
    latest = Number((await one<{ id: string }>(admin, 'select qdp.latest_import_id() as id')).id);
    console.log(`data: reused (latest import ${latest}), migrated to the current schema`);
  } else {
    const istat = (
      await one<{ codes: string[] }>(
        admin,
        'select array_agg(istat_code order by istat_code) as codes from qdp.municipalities where in_territory',
      )
    ).codes;
    const loadStart = Date.now();
    for (let day = 1; day < HISTORY_DAYS; day++) {
      await addImport(admin, day, HISTORY_ROWS, istat);
      if (day % 73 === 0) console.log(`  history: ${day}/${HISTORY_DAYS} days`);
    }
    latest = await addImport(admin, HISTORY_DAYS, LATEST_ROWS, istat);
    await admin.query('analyze');
    console.log(
      `data: ${HISTORY_DAYS - 1} days × ${HISTORY_ROWS.toLocaleString('en-GB')} + latest import ${latest} with ${LATEST_ROWS.toLocaleString('en-GB')} quarantines, loaded in ${((Date.now() - loadStart) / 1000).toFixed(0)} s`,
    );
  }
  const gp = (
    await one<{ gp: string }>(
      admin,
      'select gp_code as gp from qdp.quarantines where import_id = $1 group by 1 order by count(*) desc, 1 limit 1',
      [latest],
    )
  ).gp;
  const hash = await hashPassword(PASSWORD);
  const users: Record<'gp' | 'prefecture', number> = { gp: 0, prefecture: 0 };
  for (const role of ['gp', 'prefecture'] as const) {
    users[role] = Number(
      (
        await one<{ id: string }>(
          admin,
          `insert into qdp.users (username, display_name, role, gp_code, password_hash)
           values ($1, $1, $2, $3, $4)
           on conflict (username) do update set gp_code = excluded.gp_code,
             password_hash = excluded.password_hash, password_verifier = excluded.password_verifier
           returning id`,
          [`bench-${role}`, role, role === 'gp' ? gp : null, hash],
        )
      ).id,
    );
  }
  // The benchmark measures pages, not signing in: a password alone opens the session.
  await admin.query("update qdp.settings set value = '' where key = 'second_factor_roles'");
  const gpRows = (
    await one<{ n: string }>(
      admin,
      'select count(*) as n from qdp.quarantines where import_id = $1 and gp_code = $2',
      [latest, gp],
    )
  ).n;
  const loginRole = {
    role: `qdp_bench_portal_${randomBytes(3).toString('hex')}`,
    password: randomBytes(12).toString('hex'),
  };
  await admin.query(
    `create role ${loginRole.role} login password '${loginRole.password}' in role qdp_portal`,
  );
  await admin.end();

  const portalUrl = new URL(url);
  portalUrl.username = loginRole.role;
  portalUrl.password = loginRole.password;
  const port = 21_000 + Math.floor(Math.random() * 10_000);
  portalProcess = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'portal', 'main.ts')],
    {
      env: {
        ...process.env,
        QDP_PORTAL_DATABASE_URL: portalUrl.toString(),
        QDP_PORTAL_COOKIE_SECRET: randomBytes(32).toString('hex'),
        QDP_PORTAL_SECURE_COOKIES: 'false',
        QDP_PORTAL_PORT: String(port),
        QDP_PORTAL_PAGE_SIZE: String(PAGE_SIZE),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    portalProcess!.stdout!.on('data', (c: Buffer) => {
      if (c.toString().includes('portal listening')) resolve();
    });
    portalProcess!.on('exit', (code) => reject(new Error(`portal exited with ${code}`)));
  });
  const base = `http://127.0.0.1:${port}`;

  const rows: string[] = [];
  const cpuRows: string[] = [];
  const auditRows: string[] = [];
  const pageSqlRows: string[] = [];
  let ok = true;
  let measuredTarget = false;
  for (const role of ['gp', 'prefecture'] as const) {
    const cookie = await logIn(base, `bench-${role}`);
    await loadPage(base, cookie, Math.max(...CONNECTION_COUNTS)); // warm-up: caches, pool, JIT
    for (const connections of CONNECTION_COUNTS) {
      const page = await withCpu(new URL(url).port, portalProcess.pid, () =>
        loadPage(base, cookie, connections),
      );
      // The clients end after the CPU is read (an ended backend's CPU is reaped later).
      const measureQuery = async (mode: 'query' | 'audited' | 'page') => {
        let endClients: () => Promise<void> = async () => undefined;
        const stats = await withCpu(new URL(url).port, undefined, async () => {
          const measured = await directQuery(
            url,
            loginRole,
            users[role],
            `qdp_${role}`,
            latest,
            connections,
            mode,
          );
          endClients = measured.end;
          return measured;
        });
        await endClients();
        return stats;
      };
      const query = await measureQuery('query');
      const audited = await measureQuery('audited');
      const pageSql = await measureQuery('page');
      const ratio = page.p50 / query.p50;
      const total = (c: NonNullable<Stats['cpu']>) => c.portal + c.database + c.bench;
      const cpuRatio = page.cpu && query.cpu ? total(page.cpu) / total(query.cpu) : undefined;
      const p99Target = TARGET_P99_MS[connections];
      if (p99Target !== undefined) {
        const pass =
          page.p99 < p99Target &&
          (connections !== TARGET_CONNECTIONS ||
            (cpuRatio !== undefined && cpuRatio <= TARGET_CPU_RATIO)) &&
          page.errors === 0 &&
          query.errors === 0;
        ok &&= pass;
        if (connections === TARGET_CONNECTIONS) measuredTarget = true;
      }
      rows.push(
        `| ${role} (${role === 'gp' ? `${Number(gpRows).toLocaleString('en-GB')} rows` : `${LATEST_ROWS.toLocaleString('en-GB')} rows`}) | ${connections} | ${page.p50.toFixed(1)} | ${page.p99.toFixed(1)} | ${page.requests} | ${query.p50.toFixed(2)} | ${query.p99.toFixed(2)} | ${ratio.toFixed(2)}× | ${page.errors + query.errors} |`,
      );
      auditRows.push(
        `| ${role} | ${connections} | ${query.p50.toFixed(2)} | ${audited.p50.toFixed(2)} | ${(audited.p50 / query.p50).toFixed(2)}× | ${query.p99.toFixed(2)} | ${audited.p99.toFixed(2)} | ${query.cpu && audited.cpu ? `${(total(audited.cpu) / total(query.cpu)).toFixed(2)}×` : 'n/a'} | ${audited.errors} |`,
      );
      pageSqlRows.push(
        `| ${role} | ${connections} | ${pageSql.p50.toFixed(2)} | ${pageSql.p99.toFixed(2)} | ${pageSql.cpu ? pageSql.cpu.database.toFixed(2) : 'n/a'} | ${page.cpu ? page.cpu.database.toFixed(2) : 'n/a'} | ${page.cpu ? page.cpu.portal.toFixed(2) : 'n/a'} | ${pageSql.cpu && query.cpu ? `${(total(pageSql.cpu) / total(query.cpu)).toFixed(2)}×` : 'n/a'} | ${pageSql.errors} |`,
      );
      if (page.cpu && query.cpu) {
        cpuRows.push(
          `| ${role} | ${connections} | ${page.cpu.portal.toFixed(2)} | ${page.cpu.database.toFixed(2)} | ${page.cpu.bench.toFixed(2)} | ${total(page.cpu).toFixed(2)} | ${query.cpu.database.toFixed(2)} | ${query.cpu.bench.toFixed(2)} | ${total(query.cpu).toFixed(2)} | ${cpuRatio!.toFixed(2)}× |`,
        );
      }
    }
  }
  console.log(
    `\n${DURATION_S} s each, first page (${PAGE_SIZE} rows, sorted by fiscal code), portal workers: ${process.env.QDP_PORTAL_WORKERS ?? `${availableParallelism()} (one per CPU)`}\n` +
      '| list as | connections | page p50 (ms) | page p99 (ms) | pages | query p50 (ms) | query p99 (ms) | page/query p50 | errors |\n|---|---|---|---|---|---|---|---|---|\n' +
      rows.join('\n'),
  );
  console.log(
    "\nThe list's audit (issue 14): the same query as the page sends it, writing one audit entry with the fiscal codes shown, against the bare query\n" +
      '| list as | connections | query p50 (ms) | audited p50 (ms) | audited/query p50 | query p99 (ms) | audited p99 (ms) | audited/query CPU | errors |\n|---|---|---|---|---|---|---|---|---|\n' +
      auditRows.join('\n'),
  );
  console.log(
    "\nThe page's database exchange without the portal (one round trip as the portal sends it, through pg, one session per client): where the page's time goes\n" +
      "| list as | connections | page SQL p50 (ms) | page SQL p99 (ms) | its database CPU (ms) | the page's database CPU (ms) | the page's portal CPU (ms) | page SQL/query CPU | errors |\n|---|---|---|---|---|---|---|---|---|\n" +
      pageSqlRows.join('\n'),
  );
  if (cpuRows.length > 0) {
    console.log(
      '\nCPU per request (ms): the page (portal process, database, autocannon) and the query (database, pg clients)\n' +
        '| list as | connections | page: portal | page: database | page: autocannon | page: total | query: database | query: clients | query: total | page/query CPU |\n|---|---|---|---|---|---|---|---|---|---|\n' +
        cpuRows.join('\n'),
    );
  }
  for (const [mode, message] of Object.entries(firstErrors)) {
    console.log(`\nfirst error of the ${mode} measurements: ${message}`);
  }
  console.log(
    measuredTarget
      ? `\ntargets: p99 < ${TARGET_P99_MS[10]} ms at 10 connections; at ${TARGET_CONNECTIONS}, p99 < ${TARGET_P99_MS[TARGET_CONNECTIONS]} ms and page CPU ≤ ${TARGET_CPU_RATIO}× the query's: ${ok ? 'met' : 'NOT MET'}`
      : `\ntarget not measured: BENCH_PORTAL_CONNECTIONS does not include ${TARGET_CONNECTIONS}`,
  );
  process.exitCode = ok && measuredTarget ? 0 : 1;
} finally {
  portalProcess?.kill('SIGTERM');
  await server.stop();
}
