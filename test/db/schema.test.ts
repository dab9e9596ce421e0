// db/schema.sql is the schema of a freshly migrated database as pg_dump prints it: a test dumps a
// new database (scripts/schema.ts, on an embedded PostgreSQL of pg_dump's major) and compares.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SCHEMA_FILE, freshSchemaDump } from '../../scripts/schema.ts';

describe('db/schema.sql', () => {
  it('is the dump of a freshly migrated database (regenerate: npm run db:schema)', async () => {
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    const dumped = await freshSchemaDump();
    expect(dumped.split('\n')[0], 'pg_dump major of the committed file').toBe(
      committed.split('\n')[0],
    );
    expect(dumped === committed, 'db/schema.sql is out of date: run npm run db:schema').toBe(true);
  });
});
