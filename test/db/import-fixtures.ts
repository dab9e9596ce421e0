// Helpers for the import-lifecycle tests: synthetic fiscal codes and transit rows written directly
// with INSERT (the TypeScript reader is tested on its own).
import { createHash } from 'node:crypto';
import type pg from 'pg';
import cfModule from 'codice-fiscale-js';

// The package's CommonJS bundle exports { CodiceFiscale }, while its types declare a default export.
export const CodiceFiscale = (
  cfModule as unknown as {
    CodiceFiscale: { getCheckCode(code: string): string; check(code: string): boolean };
  }
).CodiceFiscale;

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const MONTHS = 'ABCDEHLMPRST';

/** A deterministic, synthetic (not a real person's) valid fiscal code for the number n. */
export function syntheticFiscalCode(n: number): string {
  let state = (n * 2_654_435_761 + 12_345) >>> 0;
  const next = (size: number): number => {
    state = (Math.imul(state, 1_103_515_245) + 12_345) >>> 0;
    return (state >>> 8) % size;
  };
  let code = '';
  for (let i = 0; i < 6; i++) code += LETTERS[next(26)];
  code += String(next(100)).padStart(2, '0');
  code += MONTHS[next(12)];
  code += String(1 + next(28) + (next(2) === 1 ? 40 : 0)).padStart(2, '0');
  code += LETTERS[next(26)] + String(next(1000)).padStart(3, '0');
  return code + CodiceFiscale.getCheckCode(code);
}

// Positions (0-based) of the digits that omocodia replaces, from the last one.
const OMOCODIA_POSITIONS = [14, 13, 12, 10, 9, 7, 6];
const OMOCODIA_LETTERS = 'LMNPQRSTUV';

/** The omocodia variant of a code with its last `replaced` digits turned into letters. */
export function omocodia(code: string, replaced: number): string {
  const chars = code.slice(0, 15).split('');
  for (const position of OMOCODIA_POSITIONS.slice(0, replaced)) {
    chars[position] = OMOCODIA_LETTERS[Number(chars[position])]!;
  }
  const body = chars.join('');
  return body + CodiceFiscale.getCheckCode(body);
}

export interface TransitRow {
  codice_fiscale: string | null;
  cognome: string | null;
  nome: string | null;
  sesso: string | null;
  data_nascita: string | null;
  cod_istat_residenza: string | null;
  comune_residenza: string | null;
  indirizzo_residenza: string | null;
  telefono: string | null;
  cod_medico: string | null;
  medico: string | null;
  motivo: string | null;
  data_inizio: string | null;
  data_fine: string | null;
}

const COLUMNS: (keyof TransitRow)[] = [
  'codice_fiscale',
  'cognome',
  'nome',
  'sesso',
  'data_nascita',
  'cod_istat_residenza',
  'comune_residenza',
  'indirizzo_residenza',
  'telefono',
  'cod_medico',
  'medico',
  'motivo',
  'data_inizio',
  'data_fine',
];

/** A valid row for person n (synthetic names), resident in Verona (023091). */
export function validRow(n: number, overrides: Partial<TransitRow> = {}): TransitRow {
  return {
    codice_fiscale: syntheticFiscalCode(n),
    cognome: 'Cognome Prova',
    nome: 'Nome Prova',
    sesso: 'M',
    data_nascita: '01/02/1980',
    cod_istat_residenza: '023091',
    comune_residenza: 'VERONA',
    indirizzo_residenza: 'VIA DI PROVA 1',
    telefono: '0450000000',
    cod_medico: 'GP001',
    medico: 'MEDICO PROVA',
    motivo: 'POSITIVO',
    data_inizio: '01/03/2020',
    data_fine: '15/03/2020',
    ...overrides,
  };
}

export function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export interface Registered {
  import_id: string;
  status: string;
  duplicate_of: string | null;
}

export async function register(pool: pg.Pool, fileSha: string, name = 'quarantene.csv') {
  const { rows } = await pool.query<Registered>('select * from qdp.register_import($1, $2, $3)', [
    name,
    fileSha,
    1234,
  ]);
  return rows[0]!;
}

/** Writes the rows and marks the import loaded. */
export async function load(pool: pg.Pool, importId: string, rows: TransitRow[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    if (rows.length > 0) {
      // Line numbers from 2: line 1 is the header.
      await client.query(
        `insert into qdp.transit (import_id, line_no, ${COLUMNS.join(', ')})
         select $1, r.line_no, ${COLUMNS.map((c) => `r.${c}`).join(', ')}
         from jsonb_to_recordset($2::jsonb)
           as r(line_no int, ${COLUMNS.map((c) => `${c} text`).join(', ')})`,
        [importId, JSON.stringify(rows.map((row, i) => ({ ...row, line_no: i + 2 })))],
      );
    }
    await client.query('select qdp.mark_loaded($1)', [importId]);
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  } finally {
    client.release();
  }
}

/** register -> load -> reconcile, as the importer does; returns the import id and final status. */
export async function importRows(
  pool: pg.Pool,
  rows: TransitRow[],
  fileSha = sha(JSON.stringify(rows)),
): Promise<{ importId: string; status: string }> {
  const registered = await register(pool, fileSha);
  if (registered.status === 'duplicate') {
    return { importId: registered.import_id, status: 'duplicate' };
  }
  await load(pool, registered.import_id, rows);
  const { rows: result } = await pool.query<{ status: string }>(
    'select qdp.reconcile_import($1) as status',
    [registered.import_id],
  );
  return { importId: registered.import_id, status: result[0]!.status };
}

export interface RejectRow {
  line_no: number;
  field: string | null;
  reason: string;
}

export async function rejectsOf(pool: pg.Pool, importId: string): Promise<RejectRow[]> {
  const { rows } = await pool.query<RejectRow>(
    `select line_no, field, reason from qdp.rejects where import_id = $1
     order by line_no, field nulls first, reason`,
    [importId],
  );
  return rows;
}

/**
 * Fills an import's transit partition with `count` valid synthetic rows generated in SQL (fiscal
 * codes built with the SQL check character), then marks it loaded. `endDay` varies the end date
 * so that two imports differ. Used by the atomicity test and the 1M-row measurement.
 */
export async function loadGenerated(
  db: pg.Pool | pg.ClientBase,
  importId: string,
  count: number,
  endDay = 15,
): Promise<void> {
  await db.query(
    `insert into qdp.transit
     select $1, g.i + 1, c.body || qdp.fiscal_code_check_character(c.body), 'COGNOME ' || g.i,
       'NOME', case when g.i % 2 = 0 then 'M' else 'F' end, '01/02/1980', '023091', 'VERONA',
       'VIA DI PROVA ' || g.i, null, 'GP' || (g.i % 700), 'MEDICO ' || (g.i % 700),
       case when g.i % 3 = 0 then 'POSITIVO' else 'CONTATTO' end, '01/03/2020',
       lpad($3::text, 2, '0') || '/03/2020'
     from generate_series(1, $2::integer) g(i)
     cross join lateral (select chr(65 + g.i % 26) || chr(65 + g.i / 26 % 26)
       || chr(65 + g.i / 676 % 26) || chr(65 + g.i / 17576 % 26) || chr(65 + g.i / 456976 % 26)
       || 'X80A01L781' as body) c`,
    [importId, count, endDay],
  );
  await db.query('select qdp.mark_loaded($1)', [importId]);
}
