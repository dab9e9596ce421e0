// The `qdp` command line. Each command is a thin adapter over core/, db/ and local/.
// Exit codes: 0 success (import published), 2 import not published (duplicate, rejected, held),
// 3 the same file is being imported by another process right now (nothing registered), 1 error
// (bad usage, missing file, database down, import failed).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { writeFile } from 'node:fs/promises';
import {
  accessReportCsv,
  accessReportMarkdown,
  AccessReportError,
  checkFiscalCode,
  readAccessReport,
  REPORT_FORMATS,
  REPORT_LANGUAGES,
  type ReportFormat,
  type ReportLanguage,
} from '../core/access-report.ts';
import { loadConfig, type Config } from '../core/config.ts';
import { importDailyFile } from '../core/importer.ts';
import { ImportRequestError, importReport } from '../core/import-report.ts';
import { pgSql } from '../db/sql.ts';
import {
  keptReasons,
  PRIVACY_WORDS,
  privacyRecordMarkdown,
  readPrivacyRecord,
  readRetentionPreview,
  retentionMarkdown,
  type PurgeKept,
  type RecordLanguage,
} from '../core/privacy-record.ts';
import { migrate } from '../db/migrate.ts';
import { withUserSession } from '../db/session.ts';
import { syncMunicipalities } from '../core/municipalities.ts';
import { rejectLines, rejectsReportCsv, rejectsReportText } from '../core/rejects-report.ts';
import { writeSyntheticDailyFile } from '../core/synth/index.ts';
import { openDatabase, type Database } from '../local/database.ts';

export const USAGE = `usage: qdp <command> [options]

commands:
  db migrate                 apply pending SQL migrations and load the municipalities
  import FILE [--json]       import a daily file (.csv or .xlsx) and print the outcome
  imports [--json]           the import history, newest first
  rejects ID [--csv]         the rejected lines of an import (the error report)
  publish ID                 publish a held import (it becomes the latest)
  discard ID                 discard a held import
  rollback ID                make an earlier published import the latest again
  purge [--days N]           delete imports and rejects older than the retention (never the latest,
                             a held or an in-flight import) and audit entries older than
                             audit_retention_months too (at least 24); says what it kept and why
  settings [set KEY VALUE]   show or change the limits the database applies
  privacy record [--format md|json] [--lang en|it]
                             the record of processing (GDPR art. 30), generated now from the
                             database's grants, policies and settings
  privacy retention [--days N] [--format md|json] [--lang en|it]
                             every retention in force and what the next purge would remove
  access-report CF --by ADMIN [--format md|csv|pdf] [--lang it|en] [--out FILE]
                             who saw this person's data (GDPR art. 15): every access within
                             audit_retention_months, asked as the administrator ADMIN (audited
                             under that name); pdf needs --out
  synth --rows N [--seed S] [--day D] [--format csv|xlsx] [--out FILE] [--bad-share X]
                             write a synthetic daily file (fictitious people)
  start                      local mode: embedded database, demo data, inbox watcher

environment: DATABASE_URL (else the embedded PostgreSQL under .qdp/), QDP_TERRITORY_PROVINCES
(default VR), QDP_INBOX, QDP_DATA_DIR, QDP_WEBHOOK_URL`;

export class UsageError extends Error {}

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/**
 * Writes to a standard stream whose reader may go away (`qdp imports | head`): EPIPE ends the
 * output quietly, never the command with an unhandled error; any other stream error still throws.
 */
export function pipeSafeWriter(stream: NodeJS.WritableStream): (text: string) => void {
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    closed = true;
  });
  return (text) => {
    if (!closed) stream.write(text);
  };
}

let standardIo: Io | undefined;
function defaultIo(): Io {
  standardIo ??= { out: pipeSafeWriter(process.stdout), err: pipeSafeWriter(process.stderr) };
  return standardIo;
}

function parse<const T extends NonNullable<ParseArgsConfig['options']>>(
  args: string[],
  options: T,
) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

function importIdArgument(positionals: string[], command: string): string {
  const id = positionals[0];
  if (!id || !/^[1-9][0-9]*$/.test(id) || positionals.length > 1) {
    throw new UsageError(`qdp ${command} needs one import id (a positive whole number)`);
  }
  return id;
}

async function withDatabase<T>(config: Config, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase(config);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

const EXIT_FOR_STATUS: Record<string, number> = {
  published: 0,
  duplicate: 2,
  rejected: 2,
  held: 2,
};

/** Exit code of `qdp import` when another process is importing the same bytes. */
export const EXIT_IN_PROGRESS = 3;

async function commandImport(config: Config, args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { json: { type: 'boolean', default: false } });
  const file = positionals[0];
  if (!file || positionals.length > 1) throw new UsageError('qdp import needs one FILE');
  return withDatabase(config, async (db) => {
    const { summary, message, inProgress } = await importDailyFile(db.pool, file);
    if (inProgress) {
      const text = `Import ${summary.importId} of ${summary.sourceName} (the same file) is being imported by another process right now: nothing was imported; its outcome will show in qdp imports.`;
      io.out(
        values.json
          ? `${JSON.stringify({ importId: summary.importId, status: 'in_progress', message: text })}\n`
          : `${text}\n`,
      );
      return EXIT_IN_PROGRESS;
    }
    if (values.json) {
      io.out(
        `${JSON.stringify({
          importId: summary.importId,
          status: summary.status,
          rowsTotal: summary.rowsTotal ?? 0,
          rowsAccepted: summary.rowsAccepted ?? 0,
          rowsRejected: summary.rowsRejected ?? 0,
          message: message.text,
          topic: message.topic,
          summary,
        })}\n`,
      );
    } else {
      io.out(`[${message.topic}] ${message.subject}\n${message.text}\n`);
    }
    return EXIT_FOR_STATUS[summary.status] ?? 1;
  });
}

interface ImportRow {
  id: string;
  source_name: string;
  status: string;
  received_at: Date;
  published_at: Date | null;
  rows_total: number | null;
  rows_accepted: number | null;
  rows_rejected: number | null;
  is_latest: boolean;
  error: string | null;
}

async function commandImports(config: Config, args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { json: { type: 'boolean', default: false } });
  return withDatabase(config, async (db) => {
    // An import whose process died shows as failed rather than loading forever.
    await db.pool.query('select qdp.fail_stale_imports()');
    const { rows } = await db.pool.query<ImportRow>(
      `select id, source_name, status, received_at, published_at, rows_total, rows_accepted,
              rows_rejected, id = qdp.latest_import_id() as is_latest, error
         from qdp.imports order by id desc`,
    );
    if (values.json) {
      io.out(`${JSON.stringify(rows)}\n`);
      return 0;
    }
    if (rows.length === 0) {
      io.out('no imports yet\n');
      return 0;
    }
    io.out('id      status     latest  received (UTC)        total  accepted  rejected  file\n');
    for (const r of rows) {
      io.out(
        `${r.id.padEnd(7)} ${r.status.padEnd(10)} ${(r.is_latest ? 'yes' : '').padEnd(7)} ${r.received_at.toISOString().slice(0, 19).replace('T', ' ')}  ${String(r.rows_total ?? '-').padStart(7)} ${String(r.rows_accepted ?? '-').padStart(9)} ${String(r.rows_rejected ?? '-').padStart(9)}  ${r.source_name}${r.error ? `\n        ${r.error}` : ''}\n`,
      );
    }
    return 0;
  });
}

async function commandRejects(config: Config, args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, { csv: { type: 'boolean', default: false } });
  const id = importIdArgument(positionals, 'rejects');
  return withDatabase(config, async (db) => {
    const exists = await db.pool.query('select 1 from qdp.imports where id = $1', [id]);
    if (exists.rowCount === 0) throw new ImportRequestError(`import ${id} does not exist`);
    const lines = await rejectLines(db.pool, id);
    for (const line of values.csv ? rejectsReportCsv(lines) : rejectsReportText(id, lines)) {
      io.out(line);
    }
    return 0;
  });
}

async function commandLifecycle(
  config: Config,
  command: 'publish' | 'discard' | 'rollback',
  args: string[],
  io: Io,
): Promise<number> {
  const { positionals } = parse(args, {});
  const id = importIdArgument(positionals, command);
  const fn = { publish: 'publish_import', discard: 'discard_import', rollback: 'rollback_to' }[
    command
  ];
  return withDatabase(config, async (db) => {
    await db.pool.query(`select qdp.${fn}($1, $2)`, [id, process.env.USER ?? 'qdp']);
    const { summary } = await importReport(pgSql(db.pool), id);
    const done = {
      publish: `import ${id} is published: it is now the latest`,
      discard: `import ${id} is discarded`,
      rollback: `import ${id} is the latest again`,
    }[command];
    io.out(`${done} (${summary.inQuarantine ?? 0} people in quarantine)\n`);
    return 0;
  });
}

async function commandPurge(config: Config, args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { days: { type: 'string' } });
  const days = retentionDaysOption(values.days);
  return withDatabase(config, async (db) => {
    const { rows } = await db.pool.query<{ result: PurgeResult }>(
      'select qdp.purge($1) as result',
      [days],
    );
    const result = rows[0]!.result;
    io.out(`${describePurge(result)}\n`);
    return 0;
  });
}

/** What qdp.purge returns (db/functions/lifecycle/purge.sql). */
interface PurgeResult {
  imports: number;
  auditEntries: number;
  patients: number;
  kept: PurgeKept;
}

/** The purge's outcome in two lines: what went, and what stayed although older, and why. */
export function describePurge(result: PurgeResult): string {
  const reasons = keptReasons(result.kept, PRIVACY_WORDS.en);
  return [
    `purged: ${result.imports} import${result.imports === 1 ? '' : 's'}, ${result.auditEntries} audit entr${result.auditEntries === 1 ? 'y' : 'ies'}, ${result.patients} patient${result.patients === 1 ? '' : 's'} no kept import names`,
    `kept although older than the retention: ${reasons.length === 0 ? 'nothing' : reasons.join('; ')}`,
  ].join('\n');
}

function choice<const T extends string>(
  value: string | undefined,
  option: string,
  allowed: T[],
): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new UsageError(`${option} must be ${allowed.join(' or ')}`);
  return found;
}

function retentionDaysOption(value: string | undefined): number | null {
  if (value === undefined) return null;
  if (!/^[0-9]+$/.test(value)) throw new UsageError('--days must be a whole number of days');
  return Number(value);
}

async function commandPrivacy(config: Config, args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    format: { type: 'string', default: 'md' },
    lang: { type: 'string', default: 'en' },
    days: { type: 'string' },
  });
  const [what, ...extra] = positionals;
  if ((what !== 'record' && what !== 'retention') || extra.length > 0) {
    throw new UsageError('qdp privacy takes: record or retention');
  }
  if (what === 'record' && values.days !== undefined) {
    throw new UsageError('--days goes with qdp privacy retention only');
  }
  const format = choice(values.format, '--format', ['md', 'json']);
  const lang: RecordLanguage = choice(values.lang, '--lang', ['en', 'it']);
  const days = retentionDaysOption(values.days);
  return withDatabase(config, async (db) => {
    if (what === 'record') {
      const record = await readPrivacyRecord(db.pool);
      io.out(
        format === 'json'
          ? `${JSON.stringify(record, null, 2)}\n`
          : privacyRecordMarkdown(record, lang),
      );
    } else {
      const preview = await readRetentionPreview(db.pool, days);
      io.out(
        format === 'json'
          ? `${JSON.stringify(preview, null, 2)}\n`
          : retentionMarkdown(preview, lang),
      );
    }
    return 0;
  });
}

async function commandSettings(config: Config, args: string[], io: Io): Promise<number> {
  const { positionals } = parse(args, {});
  return withDatabase(config, async (db) => {
    if (positionals[0] === 'set') {
      const [, key, value] = positionals;
      if (!key || value === undefined || positionals.length !== 3) {
        throw new UsageError('qdp settings set needs KEY and VALUE');
      }
      const updated = await db.pool.query('update qdp.settings set value = $2 where key = $1', [
        key,
        value,
      ]);
      if (updated.rowCount === 0) throw new UsageError(`unknown setting "${key}"`);
      io.out(`${key} = ${value}\n`);
      return 0;
    }
    if (positionals.length > 0) throw new UsageError('qdp settings takes no argument but "set"');
    const { rows } = await db.pool.query<{ key: string; value: string; description: string }>(
      'select key, value, description from qdp.settings order by key',
    );
    for (const r of rows) io.out(`${r.key} = ${r.value}\n    ${r.description}\n`);
    return 0;
  });
}

/** How the command line appears as the client of an audited report. */
export const COMMAND_LINE_CLIENT = 'qdp access-report';

async function commandAccessReport(config: Config, args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    by: { type: 'string' },
    format: { type: 'string', default: 'md' },
    lang: { type: 'string', default: 'it' },
    out: { type: 'string' },
  });
  const [code] = positionals;
  if (code === undefined || positionals.length > 1) {
    throw new UsageError('qdp access-report needs one fiscal code');
  }
  if (!values.by) {
    throw new UsageError(
      'qdp access-report needs --by ADMIN: the administrator who asks (the report is audited under that name)',
    );
  }
  const format = values.format as ReportFormat;
  if (!REPORT_FORMATS.includes(format)) {
    throw new UsageError(`--format must be one of ${REPORT_FORMATS.join(', ')}`);
  }
  const lang = values.lang as ReportLanguage;
  if (!REPORT_LANGUAGES.includes(lang)) {
    throw new UsageError(`--lang must be one of ${REPORT_LANGUAGES.join(', ')}`);
  }
  if (format === 'pdf' && !values.out) throw new UsageError('--format pdf needs --out FILE');
  const by = values.by;
  const fiscalCode = checkFiscalCode(code);
  return withDatabase(config, async (db) => {
    const { rows } = await db.pool.query<{ id: string }>(
      "select id from qdp.users where username = $1 and role = 'admin' and not disabled",
      [by],
    );
    if (rows.length === 0) {
      throw new AccessReportError(`--by: "${by}" is not an enabled administrator of the platform`);
    }
    // As that administrator: a session of theirs (its log-in audited), the report audited by the
    // database in the statement that reads it.
    const report = await withUserSession(db.pool, BigInt(rows[0]!.id), (client) =>
      readAccessReport(client, fiscalCode, COMMAND_LINE_CLIENT),
    );
    let output: string | Buffer;
    if (format === 'pdf') {
      const { accessReportPdf } = await import('../core/access-report-pdf.ts');
      output = await accessReportPdf(report, lang);
    } else {
      output =
        format === 'csv' ? accessReportCsv(report, lang) : accessReportMarkdown(report, lang);
    }
    if (values.out) {
      await writeFile(values.out, output);
      io.out(`${values.out}: ${report.entries.length} accesses\n`);
    } else {
      io.out(String(output));
    }
    return 0;
  });
}

async function commandDb(config: Config, args: string[], io: Io): Promise<number> {
  if (args[0] !== 'migrate' || args.length > 1) throw new UsageError('qdp db takes: migrate');
  return withDatabase(config, async (db) => {
    // Local mode migrates when it opens the database; with DATABASE_URL this is the only way.
    const client = await db.pool.connect();
    try {
      const result = await migrate(client);
      const territory = await syncMunicipalities(client, config.territoryProvinces);
      io.out(
        `${result.applied.length === 0 ? 'schema is current' : `applied ${result.applied.join(', ')}`} (${db.description}); ${territory.municipalities} municipalities, ${territory.inTerritory} in the territory (${config.territoryProvinces.join(', ')})\n`,
      );
    } finally {
      client.release();
    }
    return 0;
  });
}

function positiveInteger(value: string | undefined, option: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^[1-9][0-9]*$/.test(value))
    throw new UsageError(`${option} must be a positive whole number`);
  return Number(value);
}

async function commandSynth(config: Config, args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    rows: { type: 'string' },
    seed: { type: 'string', default: '1' },
    day: { type: 'string' },
    format: { type: 'string', default: 'csv' },
    out: { type: 'string' },
    'bad-share': { type: 'string' },
  });
  if (values.rows === undefined) throw new UsageError('qdp synth needs --rows N');
  const rows = positiveInteger(values.rows, '--rows', 0);
  const day = positiveInteger(values.day, '--day', 1);
  const format = values.format;
  if (format !== 'csv' && format !== 'xlsx') throw new UsageError('--format must be csv or xlsx');
  let badRowShare: number | undefined;
  if (values['bad-share'] !== undefined) {
    badRowShare = Number(values['bad-share']);
    if (!Number.isFinite(badRowShare) || badRowShare < 0 || badRowShare > 0.5) {
      throw new UsageError('--bad-share must be a number from 0 to 0.5');
    }
  }
  const outFile = values.out ?? `quarantene-day${String(day).padStart(3, '0')}.${format}`;
  const result = await writeSyntheticDailyFile({
    rows,
    seed: values.seed ?? '1',
    day,
    format,
    outFile,
    provinces: config.territoryProvinces,
    ...(badRowShare === undefined ? {} : { badRowShare }),
  });
  io.out(`${result.file}: ${result.rows} rows (${result.badRows} bad), day ${day}\n`);
  return 0;
}

export async function main(args: string[], io: Io = defaultIo()): Promise<number> {
  const [command, ...rest] = args;
  try {
    const config = loadConfig();
    switch (command) {
      case 'db':
        return await commandDb(config, rest, io);
      case 'import':
        return await commandImport(config, rest, io);
      case 'imports':
        return await commandImports(config, rest, io);
      case 'rejects':
        return await commandRejects(config, rest, io);
      case 'publish':
      case 'discard':
      case 'rollback':
        return await commandLifecycle(config, command, rest, io);
      case 'purge':
        return await commandPurge(config, rest, io);
      case 'settings':
        return await commandSettings(config, rest, io);
      case 'privacy':
        return await commandPrivacy(config, rest, io);
      case 'synth':
        return await commandSynth(config, rest, io);
      case 'access-report':
        return await commandAccessReport(config, rest, io);
      case 'start': {
        const { startLocalPlatform } = await import('../local/start.ts');
        return await startLocalPlatform(config, io);
      }
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(`${USAGE}\n`);
        return command === undefined ? 1 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (error) {
    // The reader of a file written to a closed pipe went away (`qdp synth --out /dev/stdout | head`).
    if ((error as NodeJS.ErrnoException).code === 'EPIPE') return 0;
    if (error instanceof UsageError) {
      io.err(`qdp: ${error.message}\n${USAGE}\n`);
      return 1;
    }
    const message = error instanceof Error ? error.message : String(error);
    io.err(`qdp: error: ${message}\n`);
    return 1;
  }
}
