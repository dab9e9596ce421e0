// Which columns of a table a portal role may read (column privileges, DESIGN §6): the pages show
// those. Asked about the role by name, so any connection can ask before switching to it; cached
// per role: grants change only by migration.
import type pg from 'pg';

const readableCache = new Map<string, ReadonlySet<string>>();

export async function readableColumns(
  db: pg.Pool | pg.ClientBase,
  dbRole: string,
  table: string,
): Promise<ReadonlySet<string>> {
  const key = `${dbRole}:${table}`;
  const cached = readableCache.get(key);
  if (cached) return cached;
  const { rows } = await db.query<{ attname: string }>(
    `select attname from pg_catalog.pg_attribute
     where attrelid = $1::regclass and attnum > 0 and not attisdropped
       and has_column_privilege($2::name, $1::regclass, attname, 'select')`,
    [table, dbRole],
  );
  const set = new Set(rows.map((r) => r.attname));
  readableCache.set(key, set);
  return set;
}
