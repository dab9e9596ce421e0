// Which columns of a table the transaction's role may read (column privileges, DESIGN §6): the
// pages show those. Cached per role: grants change only by migration.
import type pg from 'pg';

const readableCache = new Map<string, ReadonlySet<string>>();

export async function readableColumns(
  client: pg.ClientBase,
  dbRole: string,
  table: string,
): Promise<ReadonlySet<string>> {
  const key = `${dbRole}:${table}`;
  const cached = readableCache.get(key);
  if (cached) return cached;
  const { rows } = await client.query<{ attname: string }>(
    `select attname from pg_catalog.pg_attribute
     where attrelid = $1::regclass and attnum > 0 and not attisdropped
       and has_column_privilege($1::regclass, attname, 'select')`,
    [table],
  );
  const set = new Set(rows.map((r) => r.attname));
  readableCache.set(key, set);
  return set;
}
