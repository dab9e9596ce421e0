// Writes the rows of a daily file into its transit partition with COPY (DESIGN §11: COPY is the
// floor every import is measured against). Rows are serialised once, straight into COPY text
// format, in 64 KiB chunks, and the copy stream's backpressure is respected.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { Row } from './reader/types.ts';
import { TRANSIT_COLUMNS } from '../contracts/daily-file.ts';

// Under V8's large-object threshold, like the reads (see READ_CHUNK_BYTES).
const CHUNK_CHARS = 1 << 16;
// Characters COPY text format gives a meaning to, plus NUL, which PostgreSQL text cannot hold.
const SPECIAL = /[\\\t\n\r\0]/;
const SPECIAL_ALL = /[\\\t\n\r\0]/g;
const ESCAPES: Record<string, string> = {
  '\\': '\\\\',
  '\t': '\\t',
  '\n': '\\n',
  '\r': '\\r',
  '\0': '\uFFFD', // visible, and refused by the validation of any field it lands in
};

/** One value in COPY text format: NULL is \N, the special characters are backslash-escaped. */
export function copyText(value: string | null): string {
  if (value === null) return '\\N';
  return SPECIAL.test(value) ? value.replace(SPECIAL_ALL, (c) => ESCAPES[c] as string) : value;
}

/** The partition of qdp.transit that holds one import's rows. */
export function transitPartition(importId: number | bigint | string): string {
  return `qdp.transit_${importIdOf(importId)}`;
}

/** pg returns bigint ids as strings: accept those too, but only digits reach the SQL text. */
function importIdOf(importId: number | bigint | string): bigint {
  const text = String(importId);
  if (!/^[1-9][0-9]{0,18}$/.test(text)) {
    throw new Error(`import id must be a positive integer, got ${JSON.stringify(text)}`);
  }
  return BigInt(text);
}

async function* copyChunks(
  prefix: string,
  rows: AsyncIterable<Row[]>,
  counter: { rows: number },
): AsyncGenerator<Buffer> {
  let chunk = '';
  for await (const batch of rows) {
    for (const row of batch) {
      if (row.copyText !== undefined) {
        chunk += prefix + row.lineNo + '\t' + row.copyText + '\n';
        continue;
      }
      if (row.plain) {
        // One flat string per row: far cheaper to encode than a rope of 30 pieces.
        chunk += prefix + row.lineNo + '\t' + row.values.join('\t') + '\n';
        continue;
      }
      let line = prefix + row.lineNo;
      for (const value of row.values) line += '\t' + copyText(value);
      chunk += line + '\n';
    }
    counter.rows += batch.length;
    if (chunk.length >= CHUNK_CHARS) {
      yield Buffer.from(chunk, 'utf8');
      chunk = '';
    }
  }
  if (chunk.length > 0) yield Buffer.from(chunk, 'utf8');
}

/**
 * COPYs the rows into qdp.transit_<importId> (the partition must exist) and returns how many
 * rows were written. Runs on the caller's client, so it joins the caller's transaction.
 */
export async function copyIntoTransit(
  client: pg.PoolClient | pg.Client,
  importId: number | bigint | string,
  rows: AsyncIterable<Row[]>,
): Promise<number> {
  const table = transitPartition(importId);
  const counter = { rows: 0 };
  const copy = client.query(
    copyFrom(
      `copy ${table} (import_id, line_no, ${TRANSIT_COLUMNS.join(', ')}) from stdin (format text)`,
    ),
  );
  // Readable.from pulls the next chunk only when the copy stream asks for more.
  await pipeline(
    Readable.from(copyChunks(`${importIdOf(importId)}\t`, rows, counter), { highWaterMark: 2 }),
    copy,
  );
  if (copy.rowCount !== counter.rows) {
    throw new Error(`COPY wrote ${copy.rowCount} rows, the file gave ${counter.rows}`);
  }
  return counter.rows;
}
