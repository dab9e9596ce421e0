// The record of processing (qdp.privacy_record) follows what the database enforces: its field list
// per role is what a session of that role can select, column by column; revoking a column or
// changing a role's purpose changes it; the deployment's facts and the security measures come from
// the live settings; administrators' sessions only.
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withUserSession } from '../../db/session.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import {
  createPortalLogin,
  NON_ADMIN_USERS,
  seedTerritory,
  type PortalLogin,
  type Territory,
  type UserKey,
} from './access-fixtures.ts';

let db: TestDatabase;
let t: Territory;
let login: PortalLogin;

beforeAll(async () => {
  db = await createTestDatabase();
  t = await seedTerritory(db.pool);
  login = await createPortalLogin(db, { opensSessions: true });
});

afterAll(async () => {
  await login.drop();
  await db.drop();
});

interface RecordColumn {
  column: string;
  dataSubjects: string | null;
  category: string | null;
}
interface RecordTable {
  table: string;
  columns: RecordColumn[];
  rowLevelSecurity: boolean;
  policies: { name: string; command: string; using: string }[];
}
interface RecordRole {
  role: string;
  dbRole: string;
  purpose: string;
  legalBasis: string;
  aggregatesOnly: boolean;
  tables: RecordTable[];
}
interface PrivacyRecord {
  controller: string | null;
  dataRegion: string | null;
  roles: RecordRole[];
  personalData: { dataSubjects: string; category: string; fields: string[] }[];
  retention: { data: string; setting: string; value: string | null }[];
  security: Record<string, unknown>;
}

async function record(): Promise<PrivacyRecord> {
  const { rows } = await db.pool.query<{ r: PrivacyRecord }>('select qdp.privacy_record() as r');
  return rows[0]!.r;
}

function fieldsOf(r: PrivacyRecord, role: string): string[] {
  const found = r.roles.find((x) => x.role === role);
  if (!found) throw new Error(`no role ${role} in the record`);
  return found.tables.flatMap((tb) => tb.columns.map((c) => `${tb.table}.${c.column}`));
}

const USER_OF_ROLE: Record<string, UserKey> = {
  admin: 'admin',
  staff: 'staff',
  prefecture: 'prefecture',
  municipality: 'munA',
  gp: 'gp1',
};

/** Every column of every table and view (not partitions) outside the system schemas. */
async function everyColumn(): Promise<{ schema: string; table: string; column: string }[]> {
  const { rows } = await db.pool.query<{ schema: string; table: string; column: string }>(
    `select n.nspname as schema, c.relname as table, a.attname as column
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
     join pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
     where c.relkind in ('r', 'p', 'v', 'm', 'f') and not c.relispartition
       and n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_'
     order by n.nspname, c.relname, a.attnum`,
  );
  return rows;
}

/** The columns a live session of the user can select, tried one by one. */
async function selectableAs(user: number): Promise<string[]> {
  const columns = await everyColumn();
  return withUserSession(login.pool, user, async (client: pg.PoolClient) => {
    const readable: string[] = [];
    for (const { schema, table, column } of columns) {
      await client.query('savepoint probe');
      try {
        await client.query(`select "${column}" from "${schema}"."${table}" limit 0`);
        readable.push(`${schema}.${table}.${column}`);
        await client.query('release savepoint probe');
      } catch (error) {
        expect((error as Error).message).toMatch(/^permission denied for (table|schema|view) /);
        await client.query('rollback to savepoint probe');
      }
    }
    return readable;
  });
}

describe('record of processing', () => {
  it('lists for each role exactly the columns a session of that role can select', async () => {
    const r = await record();
    expect(r.roles.map((x) => x.role)).toEqual([
      'admin',
      'gp',
      'municipality',
      'prefecture',
      'staff',
    ]);
    for (const role of Object.keys(USER_OF_ROLE)) {
      const selectable = await selectableAs(t.users[USER_OF_ROLE[role]!]);
      expect(fieldsOf(r, role), role).toEqual(selectable);
    }
    // DESIGN §6 as the record states it for the quarantines.
    const quarantineFields = (role: string) =>
      r.roles
        .find((x) => x.role === role)!
        .tables.find((tb) => tb.table === 'qdp.quarantines')!
        .columns.map((c) => c.column);
    expect(quarantineFields('prefecture')).toEqual([
      'import_id',
      'line_no',
      'fiscal_code',
      'surname',
      'name',
      'sex',
      'birth_date',
      'residence_istat',
      'residence_name',
      'address',
      'start_date',
      'end_date',
      'change',
    ]);
    // The municipality also reads the phone (to reach its residents); neither reads reason or GP.
    const prefecture = quarantineFields('prefecture');
    expect(quarantineFields('municipality')).toEqual([
      ...prefecture.slice(0, prefecture.indexOf('address') + 1),
      'phone',
      ...prefecture.slice(prefecture.indexOf('address') + 1),
    ]);
    const gpQuarantines = r.roles
      .find((x) => x.role === 'gp')!
      .tables.find((tb) => tb.table === 'qdp.quarantines')!;
    expect(gpQuarantines.rowLevelSecurity).toBe(true);
    expect(gpQuarantines.policies).toEqual([
      {
        name: 'quarantines_gp',
        command: 'SELECT',
        // Read only by the GP's reader (0072), through the function that audits each read.
        using:
          "((CURRENT_USER = 'qdp_gp_reader'::name) AND (import_id = latest_import_id()) AND (gp_code = current_gp_code()))",
      },
    ]);
    expect(gpQuarantines.columns.find((c) => c.column === 'reason')).toEqual({
      column: 'reason',
      dataSubjects: 'quarantined',
      category: 'health',
    });
  });

  it('follows a revoked column and a changed purpose at once', async () => {
    const before = await record();
    expect(fieldsOf(before, 'municipality')).toContain('qdp.quarantines.phone');
    await db.pool.query('revoke select (phone) on qdp.quarantines from qdp_municipality');
    await db.pool.query(
      "update qdp.roles set purpose = 'Food and medicine delivery only.' where name = 'municipality'",
    );
    try {
      const after = await record();
      expect(fieldsOf(after, 'municipality')).toEqual(
        fieldsOf(before, 'municipality').filter((f) => f !== 'qdp.quarantines.phone'),
      );
      expect(after.roles.find((x) => x.role === 'municipality')!.purpose).toBe(
        'Food and medicine delivery only.',
      );
      expect(fieldsOf(after, 'municipality')).toEqual(await selectableAs(t.users.munA));
      // The other roles did not move.
      for (const role of ['admin', 'staff', 'prefecture', 'gp']) {
        expect(fieldsOf(after, role)).toEqual(fieldsOf(before, role));
      }
    } finally {
      await db.pool.query('grant select (phone) on qdp.quarantines to qdp_municipality');
    }
    expect(fieldsOf(await record(), 'municipality')).toEqual(fieldsOf(before, 'municipality'));
  });

  it('states the controller, region, categories, retention and security measures from the live settings', async () => {
    const empty = await record();
    expect([empty.controller, empty.dataRegion, empty.security.encryptionKeyArn]).toEqual([
      null,
      null,
      null,
    ]);
    await db.pool.query(
      `update qdp.settings set value = case key
         when 'controller_name' then 'Azienda ULSS 9 Scaligera'
         when 'data_region' then 'eu-south-1'
         when 'encryption_key_arn' then 'arn:aws:kms:eu-south-1:123456789012:key/0000'
         when 'second_factor_roles' then 'admin, staff'
         when 'retention_days' then '400' end
       where key in ('controller_name', 'data_region', 'encryption_key_arn', 'second_factor_roles', 'retention_days')`,
    );
    const r = await record();
    expect([r.controller, r.dataRegion]).toEqual(['Azienda ULSS 9 Scaligera', 'eu-south-1']);
    expect(r.retention.map(({ data, setting, value }) => [data, setting, value])).toEqual([
      ['dailyFiles', 'raw_file_retention_days', null],
      ['imports', 'retention_days', '400'],
      ['rejects', 'retention_days', '400'],
      ['accessLogs', 'audit_retention_months', '24'],
    ]);
    const { rlsTables } = (
      await db.pool.query<{ rlsTables: string[] }>(
        `select array_agg(n.nspname || '.' || c.relname order by n.nspname, c.relname) as "rlsTables"
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
         where n.nspname in ('qdp', 'qdp_analytics') and c.relkind in ('r', 'p')
           and not c.relispartition and c.relrowsecurity and c.relforcerowsecurity`,
      )
    ).rows[0]!;
    expect(r.security).toEqual({
      encryptionKeyArn: 'arn:aws:kms:eu-south-1:123456789012:key/0000',
      databaseTls: false,
      connectionTls: false,
      auditLog: { appendOnly: true, retentionMonths: 24 },
      rowLevelSecurity: rlsTables,
      secondFactorRoles: ['admin', 'staff'],
      sessionIdleMinutes: 30,
      sessionMaxHours: 12,
      loginMaxFailures: 5,
      loginLockoutMinutes: 15,
      dashboardMinCount: 5,
    });
    expect(rlsTables).toContain('qdp.quarantines');
    // A disabled append-only trigger shows.
    await db.pool.query('alter table qdp.audit_log disable trigger user');
    try {
      expect((await record()).security.auditLog).toEqual({
        appendOnly: false,
        retentionMonths: 24,
      });
    } finally {
      await db.pool.query('alter table qdp.audit_log enable trigger user');
    }
    const categories = r.personalData.map((p) => `${p.dataSubjects}/${p.category}`);
    expect(categories).toEqual([
      'gp/identity',
      'quarantined/access',
      'quarantined/care',
      'quarantined/contact',
      'quarantined/health',
      'quarantined/identity',
      'quarantined/residence',
      'user/access',
      'user/account',
      'user/credentials',
      'user/identity',
    ]);
    expect(r.personalData.find((p) => p.category === 'health')!.fields).toEqual([
      'qdp.quarantines.reason',
      'qdp.quarantines.start_date',
      'qdp.quarantines.end_date',
      'qdp.quarantines.change',
      'qdp.transit.motivo',
      'qdp.transit.data_inizio',
      'qdp.transit.data_fine',
    ]);
  });

  it('catalogues only columns that exist, and every credential column of the sign-in tables', async () => {
    // A migration that renames or replaces a catalogued column must update the catalogue: the
    // record lists only catalogued columns that exist, so a stale row would drop a field silently.
    const { rows: stale } = await db.pool.query<{ field: string }>(
      `select f.table_schema || '.' || f.table_name || '.' || f.column_name as field
       from qdp.personal_data_fields f
       where not exists (
         select 1 from pg_attribute a
         join pg_class c on c.oid = a.attrelid
         join pg_namespace n on n.oid = c.relnamespace
         where n.nspname = f.table_schema and c.relname = f.table_name
           and a.attname = f.column_name and a.attnum > 0 and not a.attisdropped)
       order by 1`,
    );
    expect(stale).toEqual([]);
    const r = await record();
    expect(r.personalData.find((p) => p.category === 'credentials')!.fields).toEqual([
      'qdp.user_recovery_codes.user_id',
      'qdp.user_recovery_codes.code_params',
      'qdp.user_recovery_codes.code_verifier',
      'qdp.user_second_factors.user_id',
      'qdp.user_second_factors.secret_sealed',
      'qdp.users.password_hash',
      'qdp.users.password_verifier',
    ]);
  });

  it('is read by an administrator’s session and refused to every other role', async () => {
    const roles = await withUserSession(login.pool, t.users.admin, async (c) => {
      const { rows } = await c.query<{ r: PrivacyRecord }>('select qdp.privacy_record() as r');
      return rows[0]!.r.roles.length;
    });
    expect(roles).toBe(5);
    for (const [user, role] of NON_ADMIN_USERS) {
      await expect(
        withUserSession(login.pool, t.users[user], (c) => c.query('select qdp.privacy_record()')),
      ).rejects.toThrow(
        `read the record of processing: only an administrator's session may do this, not a ${role} session`,
      );
    }
    await expect(login.pool.query('select qdp.privacy_record()')).rejects.toThrow(
      'permission denied for function privacy_record',
    );
  });
});
