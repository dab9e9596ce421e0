// Validation and reconciliation of one import, on a real PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import {
  CodiceFiscale,
  importRows,
  load,
  omocodia,
  register,
  rejectsOf,
  sha,
  syntheticFiscalCode,
  validRow,
} from './import-fixtures.ts';

let db: TestDatabase;

function withWrongCheck(code: string): string {
  return code.slice(0, 15) + (code[15] === 'A' ? 'B' : 'A');
}

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db?.drop();
});

describe('qdp.fiscal_code_is_valid', () => {
  it('agrees with codice-fiscale-js on thousands of synthetic codes, omocodia included', async () => {
    const valid: string[] = [];
    for (let n = 0; n < 3000; n++) {
      const code = syntheticFiscalCode(n);
      valid.push(code);
      // Omocodia: digits replaced by letters from the last one, check character recomputed.
      if (n % 10 === 0) for (let k = 1; k <= 7; k++) valid.push(omocodia(code, k));
    }
    for (const code of valid) expect(CodiceFiscale.check(code)).toBe(true);
    // The same code with every other check character is invalid.
    const wrong = valid.slice(0, 500).map((code) => {
      const check = code.charCodeAt(15) - 65;
      return code.slice(0, 15) + String.fromCharCode(65 + ((check + 1 + (code.length % 25)) % 26));
    });
    const { rows } = await db.pool.query<{ ok: number; wrong_ok: number; checks: string[] }>(
      `select
         (select count(*)::int from unnest($1::text[]) c where qdp.fiscal_code_is_valid(c)) as ok,
         (select count(*)::int from unnest($2::text[]) c where qdp.fiscal_code_is_valid(c)) as wrong_ok,
         (select array_agg(qdp.fiscal_code_check_character(c) order by o)
            from unnest($1::text[]) with ordinality u(c, o)) as checks`,
      [valid, wrong],
    );
    expect(rows[0]!.ok).toBe(valid.length);
    expect(rows[0]!.wrong_ok).toBe(0);
    expect(rows[0]!.checks).toEqual(valid.map((c) => CodiceFiscale.getCheckCode(c.slice(0, 15))));
  });

  it('refuses wrong shapes, lower case and null', async () => {
    const good = syntheticFiscalCode(1);
    const { rows } = await db.pool.query<{ c: string | null; v: boolean }>(
      `select c, qdp.fiscal_code_is_valid(c) as v
       from unnest($1::text[]) with ordinality u(c, o) order by o`,
      [[good, good.toLowerCase(), good.slice(0, 15), `${good}X`, 'ABCDEF12A01Z123X', null]],
    );
    expect(rows.map((r) => r.v)).toEqual([true, false, false, false, false, false]);
  });
});

describe('qdp.parse_date', () => {
  it('reads dd/mm/yyyy, d/m/yyyy and ISO dates and refuses dates that do not exist', async () => {
    const inputs = [
      '31/12/2020',
      '1/2/2020',
      '2020-02-29',
      '29/02/2021',
      '31/04/2020',
      '29/02/1900',
      '29/02/2000',
      '2020-13-01',
      '00/01/2020',
      '2020/01/01',
      '1-1-2020',
      'ieri',
      '',
      null,
    ];
    const { rows } = await db.pool.query<{ d: string | null }>(
      `select qdp.parse_date(v)::text as d from unnest($1::text[]) with ordinality u(v, o) order by o`,
      [inputs],
    );
    expect(rows.map((r) => r.d)).toEqual([
      '2020-12-31',
      '2020-02-01',
      '2020-02-29',
      null,
      null,
      null,
      '2000-02-29',
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ]);
  });
});

describe('qdp.reconcile_import validation', () => {
  it('rejects every kind of bad line with its field and reason, and accepts the rest', async () => {
    const first = syntheticFiscalCode(100);
    const rows = [
      validRow(1), // line 2: accepted
      validRow(2, { codice_fiscale: null }),
      validRow(3, { codice_fiscale: '  ' }),
      validRow(4, { codice_fiscale: 'ABC' }),
      validRow(5, { codice_fiscale: '1234567890123456' }),
      validRow(6, { codice_fiscale: withWrongCheck(syntheticFiscalCode(6)) }),
      validRow(7, { cognome: ' ', nome: null }),
      validRow(8, { sesso: 'X' }),
      validRow(9, { sesso: null }),
      validRow(10, { data_nascita: '31/02/2020' }),
      validRow(11, { data_nascita: '01/01/2150' }),
      validRow(12, { data_nascita: 'Mario Rossi' }),
      validRow(13, { cod_istat_residenza: '23091' }),
      validRow(14, { cod_istat_residenza: '999999' }),
      validRow(15, { cod_istat_residenza: 'VERONA' }),
      validRow(16, { cod_istat_residenza: '' }),
      validRow(17, { motivo: 'guarito' }),
      validRow(18, { motivo: null }),
      validRow(19, { data_inizio: '', data_fine: '32/01/2020' }),
      validRow(20, { data_inizio: '10/03/2020', data_fine: '09/03/2020' }),
      validRow(21, { data_nascita: null, data_fine: null }),
      validRow(100), // line 23: first valid line of this code
      validRow(100, { sesso: 'Q' }), // line 24: same code, also invalid
      validRow(100, { cognome: 'Altro' }), // line 25: same code, otherwise valid
      // line 26: lower case, spaces, omocodia and a resident outside the territory (Rome)
      validRow(26, {
        codice_fiscale: ` ${omocodia(syntheticFiscalCode(26), 3).toLowerCase()} `,
        cognome: ' de prova ',
        sesso: ' f ',
        cod_istat_residenza: '058091',
        motivo: 'contatto',
        data_inizio: '2020-03-01',
        data_fine: '2020-03-01',
        cod_medico: ' ',
        medico: 'IGNORATO',
      }),
    ];
    expect(rows[21]!.codice_fiscale).toBe(first);
    const { importId, status } = await importRows(db.pool, rows);
    expect(status).toBe('held');
    expect(await rejectsOf(db.pool, importId)).toEqual([
      { line_no: 3, field: 'CODICE_FISCALE', reason: 'required' },
      { line_no: 4, field: 'CODICE_FISCALE', reason: 'required' },
      { line_no: 5, field: 'CODICE_FISCALE', reason: 'must be 16 characters long: 3' },
      { line_no: 6, field: 'CODICE_FISCALE', reason: 'does not match the fiscal code pattern' },
      { line_no: 7, field: 'CODICE_FISCALE', reason: 'check character is wrong' },
      { line_no: 8, field: 'COGNOME', reason: 'required' },
      { line_no: 8, field: 'NOME', reason: 'required' },
      { line_no: 9, field: 'SESSO', reason: 'must be M or F' },
      { line_no: 10, field: 'SESSO', reason: 'required' },
      { line_no: 11, field: 'DATA_NASCITA', reason: 'not a valid date: "31/02/2020"' },
      { line_no: 12, field: 'DATA_NASCITA', reason: 'is in the future: "01/01/2150"' },
      { line_no: 13, field: 'DATA_NASCITA', reason: 'not a valid date' },
      { line_no: 14, field: 'COD_ISTAT_RESIDENZA', reason: 'must be 6 digits: "23091"' },
      { line_no: 15, field: 'COD_ISTAT_RESIDENZA', reason: 'unknown municipality: "999999"' },
      { line_no: 16, field: 'COD_ISTAT_RESIDENZA', reason: 'must be 6 digits' },
      { line_no: 17, field: 'COD_ISTAT_RESIDENZA', reason: 'required' },
      { line_no: 18, field: 'MOTIVO', reason: 'must be POSITIVO or CONTATTO' },
      { line_no: 19, field: 'MOTIVO', reason: 'required' },
      { line_no: 20, field: 'DATA_FINE', reason: 'not a valid date: "32/01/2020"' },
      { line_no: 20, field: 'DATA_INIZIO', reason: 'required' },
      { line_no: 21, field: 'DATA_FINE', reason: 'before DATA_INIZIO' },
      { line_no: 22, field: 'DATA_FINE', reason: 'required' },
      { line_no: 22, field: 'DATA_NASCITA', reason: 'required' },
      { line_no: 24, field: 'CODICE_FISCALE', reason: 'same fiscal code as an earlier line: 23' },
      { line_no: 24, field: 'SESSO', reason: 'must be M or F' },
      { line_no: 25, field: 'CODICE_FISCALE', reason: 'same fiscal code as an earlier line: 23' },
    ]);
    const { rows: imports } = await db.pool.query(
      'select rows_total, rows_accepted, rows_rejected, error from qdp.imports where id = $1',
      [importId],
    );
    expect(imports).toEqual([
      {
        rows_total: 25,
        rows_accepted: 3,
        rows_rejected: 22,
        error: 'held: 88.0% of rows rejected (limit 20.0%)',
      },
    ]);
    const { rows: quarantines } = await db.pool.query(
      `select line_no, fiscal_code = $2 as first_code, surname, name, sex, birth_date::text,
         residence_istat, residence_name, address, phone, gp_code, gp_name, reason,
         start_date::text, end_date::text, change
       from qdp.quarantines where import_id = $1 order by line_no`,
      [importId, first],
    );
    const common = {
      name: 'NOME PROVA',
      birth_date: '1980-02-01',
      residence_name: 'VERONA',
      address: 'VIA DI PROVA 1',
      phone: '0450000000',
      change: 'new',
    };
    expect(quarantines).toEqual([
      {
        ...common,
        line_no: 2,
        first_code: false,
        surname: 'COGNOME PROVA',
        sex: 'M',
        residence_istat: '023091',
        gp_code: 'GP001',
        gp_name: 'MEDICO PROVA',
        reason: 'POSITIVO',
        start_date: '2020-03-01',
        end_date: '2020-03-15',
      },
      {
        ...common,
        line_no: 23,
        first_code: true,
        surname: 'COGNOME PROVA',
        sex: 'M',
        residence_istat: '023091',
        gp_code: 'GP001',
        gp_name: 'MEDICO PROVA',
        reason: 'POSITIVO',
        start_date: '2020-03-01',
        end_date: '2020-03-15',
      },
      {
        ...common,
        line_no: 26,
        first_code: false,
        surname: 'DE PROVA',
        sex: 'F',
        residence_istat: '058091',
        gp_code: null,
        gp_name: null,
        reason: 'CONTATTO',
        start_date: '2020-03-01',
        end_date: '2020-03-01',
      },
    ]);
    const { rows: codes } = await db.pool.query(
      'select fiscal_code from qdp.quarantines where import_id = $1 and line_no = 26',
      [importId],
    );
    expect(codes[0].fiscal_code).toBe(omocodia(syntheticFiscalCode(26), 3));
  });

  it('rejects a file without data rows', async () => {
    const { importId, status } = await importRows(db.pool, [], sha('empty'));
    expect(status).toBe('rejected');
    const { rows } = await db.pool.query(
      'select status, error, rows_total, rows_accepted, rows_rejected from qdp.imports where id = $1',
      [importId],
    );
    expect(rows).toEqual([
      {
        status: 'rejected',
        error: 'the file has no data rows',
        rows_total: 0,
        rows_accepted: 0,
        rows_rejected: 0,
      },
    ]);
    expect(await rejectsOf(db.pool, importId)).toEqual([
      { line_no: 0, field: null, reason: 'the file has no data rows' },
    ]);
  });

  it('refuses to reconcile an import that is not loaded, naming it and its status', async () => {
    const registered = await register(db.pool, sha('not loaded'));
    await expect(
      db.pool.query('select qdp.reconcile_import($1)', [registered.import_id]),
    ).rejects.toThrow(
      `import ${registered.import_id} is loading, only a loaded import can be reconciled`,
    );
    await load(db.pool, registered.import_id, [validRow(1)]);
    await expect(
      db.pool.query('select qdp.mark_loaded($1)', [registered.import_id]),
    ).rejects.toThrow(
      `import ${registered.import_id} is loaded, only a loading import can be marked loaded`,
    );
    await expect(db.pool.query('select qdp.reconcile_import(999999)')).rejects.toThrow(
      'import 999999 does not exist',
    );
  });
});
