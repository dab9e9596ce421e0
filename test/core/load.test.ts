import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyIntoTransit, copyText, transitPartition } from '../../core/load.ts';
import {
  FileRejectedError,
  inspectFile,
  openDailyFile,
  type Row,
} from '../../core/reader/index.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { TRANSIT_COLUMNS } from '../../contracts/daily-file.ts';

let db: TestDatabase;
let client: pg.PoolClient;
const dir = mkdtempSync(path.join(tmpdir(), 'qdp-load-'));

beforeAll(async () => {
  db = await createTestDatabase();
  client = await db.pool.connect();
});

afterAll(async () => {
  client.release();
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

async function newImport(): Promise<string> {
  const { rows } = await client.query<{ id: string }>(
    `insert into qdp.imports (source_name, sha256, size_bytes)
     values ('daily.csv', repeat('a', 64), 0) returning id`,
  );
  const id = rows[0]?.id as string;
  await client.query(
    `create table qdp.transit_${id} partition of qdp.transit for values in (${id})`,
  );
  return id;
}

async function* batches(...groups: Row[][]): AsyncIterable<Row[]> {
  for (const group of groups) yield group;
}

async function transitRows(importId: string) {
  const { rows } = await client.query(
    `select * from qdp.transit where import_id = $1 order by line_no`,
    [importId],
  );
  return rows as Record<string, unknown>[];
}

const VALUES = [
  'TSTPRS80A01L781X',
  'PROVA',
  'PRIMO',
  'M',
  '01/01/1980',
  '023091',
  'VERONA',
  'VIA ROMA 1',
  '3330000001',
  'MMG001',
  'DR. FINTO UNO',
  'POSITIVO',
  '01/11/2020',
  '11/11/2020',
];

describe('copyIntoTransit', () => {
  it('declares exactly the columns of qdp.transit', async () => {
    const { rows } = await client.query<{ column_name: string }>(
      `select column_name from information_schema.columns
       where table_schema = 'qdp' and table_name = 'transit' order by ordinal_position`,
    );
    expect(rows.map((r) => r.column_name)).toEqual(['import_id', 'line_no', ...TRANSIT_COLUMNS]);
  });

  it('escapes values for COPY text format', () => {
    expect(copyText(null)).toBe('\\N');
    expect(copyText('')).toBe('');
    expect(copyText('\\N')).toBe('\\\\N');
    expect(copyText('a\tb\nc\rd\\e\0f')).toBe('a\\tb\\nc\\rd\\\\e\uFFFDf');
    expect(transitPartition('42')).toBe('qdp.transit_42');
    expect(() => transitPartition(0)).toThrow('import id must be a positive integer, got "0"');
    expect(() => transitPartition('1; drop table x')).toThrow(
      'import id must be a positive integer, got "1; drop table x"',
    );
  });

  it('round-trips tabs, backslashes, newlines, NULL, empty strings and Unicode', async () => {
    const importId = await newImport();
    const awkward = [
      'TAB\tINSIDE',
      'BACK\\SLASH',
      'NEW\nLINE',
      'CARRIAGE\r\nRETURN',
      '\\N',
      '',
      null,
      'NICOLÒ ÈVA 😀',
      'NUL\0BYTE',
      '"QUOTED";',
      ' PADDED ',
      null,
      '\\t',
      'END',
    ];
    const count = await copyIntoTransit(
      client,
      importId,
      batches(
        [
          { lineNo: 2, values: VALUES, plain: true },
          { lineNo: 3, values: awkward },
        ],
        [],
        [{ lineNo: 7, values: Array(14).fill(null) }],
      ),
    );
    expect(count).toBe(3);
    const rows = await transitRows(importId);
    const expected = (lineNo: number, values: (string | null)[]) => ({
      import_id: importId,
      line_no: lineNo,
      ...Object.fromEntries(TRANSIT_COLUMNS.map((c, i) => [c, values[i]])),
    });
    expect(rows).toEqual([
      expected(2, VALUES),
      expected(
        3,
        awkward.map((v) => (v === 'NUL\0BYTE' ? 'NUL\uFFFDBYTE' : v)),
      ),
      expected(7, Array(14).fill(null)),
    ]);
  });

  it('loads a Windows-1252 .csv file end to end, accents arriving as Unicode', async () => {
    const importId = await newImport();
    const filePath = path.join(dir, 'cp1252.csv');
    const lines = [TRANSIT_COLUMNS.join(';').toUpperCase()];
    for (let i = 0; i < 20_000; i++) lines.push(VALUES.join(';'));
    writeFileSync(
      filePath,
      Buffer.concat([
        Buffer.from(lines.join('\r\n') + '\r\nTSTPRS80A01L781X;D'),
        Buffer.from([0xe0]), // à
        Buffer.from(';'),
        Buffer.from([0xc8]), // È
        Buffer.from('VA;F;01/01/1980;023091;;"VIA\r\nNUOVA";;;;CONTATTO;01/11/2020;11/11/2020\r\n'),
      ]),
    );
    const inspected = await inspectFile(filePath);
    expect(inspected.encoding).toBe('windows-1252');
    const daily = await openDailyFile(filePath, inspected);
    expect(await copyIntoTransit(client, importId, daily.rows)).toBe(20_001);
    const { rows } = await client.query(
      `select count(*)::int as n, min(line_no) as first, max(line_no) as last,
              count(*) filter (where codice_fiscale = $2 and nome = 'PRIMO')::int as same
       from qdp.transit where import_id = $1`,
      [importId, VALUES[0]],
    );
    expect(rows[0]).toEqual({ n: 20_001, first: 2, last: 20_002, same: 20_000 });
    const last = await client.query(
      `select cognome, nome, comune_residenza, indirizzo_residenza, telefono
       from qdp.transit where import_id = $1 and line_no = 20002`,
      [importId],
    );
    expect(last.rows).toEqual([
      {
        cognome: 'Dà',
        nome: 'ÈVA',
        comune_residenza: '',
        indirizzo_residenza: 'VIA\r\nNUOVA',
        telefono: '',
      },
    ]);
  });

  it('passes a file rejection met mid-stream on, leaving nothing half-written and the connection usable', async () => {
    const importId = await newImport();
    const filePath = path.join(dir, 'unclosed.csv');
    const lines = [TRANSIT_COLUMNS.join(';').toUpperCase()];
    for (let i = 0; i < 30_000; i++) lines.push(VALUES.join(';'));
    writeFileSync(filePath, lines.join('\n') + '\nTSTPRS80A01L781X;"PROVA\n');
    const daily = await openDailyFile(filePath, await inspectFile(filePath));
    await client.query('begin');
    await expect(copyIntoTransit(client, importId, daily.rows)).rejects.toThrow(
      new FileRejectedError('line 30002: a quoted field is not closed before the end of the file'),
    );
    await client.query('rollback');
    expect(await transitRows(importId)).toEqual([]);
    expect((await client.query('select 1 as one')).rows).toEqual([{ one: 1 }]);
  });

  it('fails with the database error when the partition does not exist', async () => {
    await expect(
      copyIntoTransit(client, 999_999, batches([{ lineNo: 2, values: VALUES }])),
    ).rejects.toThrow('relation "qdp.transit_999999" does not exist');
  });
});
