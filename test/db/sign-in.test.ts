// The sign-in functions (0050/0051) as the portal's login role calls them, with the TOTP and
// recovery-code module: a code accepted once, a recovery code used once, failures counted the same
// way for every method and none for an unknown user, identities registered on users.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../core/passwords.ts';
import {
  acceptedStep,
  codeAt,
  hashRecoveryCode,
  newRecoveryCodes,
  newTotpSecret,
  verifyRecoveryCode,
} from '../../portal/sign-in/second-factor.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { createPortalLogin, type PortalLogin } from './access-fixtures.ts';

let db: TestDatabase;
let login: PortalLogin;
let userId: number;

const token = () => randomBytes(32);

/** The audit log is append-only: a test reads the rows after this id. */
async function lastAuditId(): Promise<string> {
  const { rows } = await db.pool.query<{ id: string }>(
    'select coalesce(max(id), 0) as id from qdp.audit_log',
  );
  return rows[0]!.id;
}

beforeAll(async () => {
  db = await createTestDatabase();
  login = await createPortalLogin(db);
  const { rows } = await db.pool.query<{ id: string }>(
    `insert into qdp.users (username, display_name, role, password_hash)
     values ('t-staff', 'Test staff', 'staff', $1) returning id`,
    [await hashPassword('irrelevant-password')],
  );
  userId = Number(rows[0]!.id);
});

afterAll(async () => {
  await login?.drop();
  await db?.drop();
});

beforeEach(async () => {
  await db.pool.query('delete from qdp.user_second_factors; delete from qdp.user_recovery_codes');
  await db.pool.query(
    'update qdp.users set failed_logins = 0, locked_until = null, disabled = false',
  );
  await db.pool.query(
    "update qdp.settings set value = 'admin,staff,prefecture,municipality,gp' where key = 'second_factor_roles'",
  );
});

async function lookup(username: string) {
  return (
    await login.pool.query<{ user_id: string; locked: boolean; next: string }>(
      'select user_id, locked, next from qdp.portal_sign_in_lookup($1)',
      [username],
    )
  ).rows;
}

async function step(next: 'code' | 'enrol'): Promise<Buffer> {
  const hash = token();
  await login.pool.query('select qdp.portal_sign_in_step_begin($1, $2, $3)', [userId, hash, next]);
  return hash;
}

async function accept(hash: Buffer, stepNumber: number, codes?: { s: string[]; h: string[] }) {
  const { rows } = await login.pool.query<{ ok: boolean }>(
    'select qdp.portal_second_factor_accept($1, $2, $3, $4) as ok',
    [hash, stepNumber, codes?.s ?? null, codes?.h ?? null],
  );
  return rows[0]!.ok;
}

/** Enrols `secret` for the test user with `codes`, as the enrolment page does. */
async function enrol(secret: string, codes = newRecoveryCodes(2)) {
  const hash = await step('enrol');
  await login.pool.query('select qdp.portal_second_factor_enrol($1, $2)', [hash, secret]);
  const now = Date.now();
  const s = acceptedStep(secret, codeAt(secret, now), now)!;
  expect(
    await accept(hash, s, {
      s: codes.map((c) => c.selector),
      h: await Promise.all(codes.map((c) => hashRecoveryCode(c.code))),
    }),
  ).toBe(true);
  return { codes, step: s };
}

describe('what follows a right password', () => {
  it('enrolment when the role needs a factor, a code once enrolled, a session otherwise', async () => {
    expect(await lookup('t-staff')).toEqual([
      { user_id: String(userId), locked: false, next: 'enrol' },
    ]);
    await db.pool.query(
      "update qdp.settings set value = 'admin' where key = 'second_factor_roles'",
    );
    expect((await lookup('t-staff'))[0]!.next).toBe('session');
    await enrol(newTotpSecret());
    expect((await lookup('t-staff'))[0]!.next).toBe('code');
    expect(await lookup('nobody')).toEqual([]);
  });
});

describe('a code is accepted once', () => {
  it('the same step twice, or an earlier one: refused', async () => {
    const secret = newTotpSecret();
    const { step: enrolled } = await enrol(secret);
    const hash = await step('code');
    expect(await accept(hash, enrolled)).toBe(false);
    expect(await accept(hash, enrolled - 1)).toBe(false);
    expect(await accept(hash, enrolled + 1)).toBe(true);
    expect(await accept(hash, enrolled + 1)).toBe(false);
  });

  it('a step token that is unknown, too old, or of a locked user accepts nothing', async () => {
    const { step: enrolled } = await enrol(newTotpSecret());
    expect(await accept(token(), enrolled + 1)).toBe(false);
    const old = await step('code');
    await db.pool.query(
      "update qdp.portal_sign_in_steps set created_at = now() - interval '6 minutes'",
    );
    expect(await accept(old, enrolled + 1)).toBe(false);
    const live = await step('code');
    await db.pool.query("update qdp.users set locked_until = now() + interval '1 minute'");
    expect(await accept(live, enrolled + 1)).toBe(false);
  });

  it('enrolment never replaces a confirmed authenticator', async () => {
    const secret = newTotpSecret();
    await enrol(secret);
    const hash = await step('enrol');
    await login.pool.query('select qdp.portal_second_factor_enrol($1, $2)', [
      hash,
      newTotpSecret(),
    ]);
    const { rows } = await db.pool.query('select secret from qdp.user_second_factors');
    expect(rows).toEqual([{ secret }]);
  });
});

describe('recovery codes', () => {
  it('each is used once, and only in a code step', async () => {
    const { codes } = await enrol(newTotpSecret());
    const code = codes[0]!;
    const hash = await step('code');
    const stored = await login.pool.query<{ h: string | null }>(
      'select qdp.portal_recovery_code_hash($1, $2) as h',
      [hash, code.selector],
    );
    expect(await verifyRecoveryCode(stored.rows[0]!.h!, code.code)).toBe(true);
    const use = async () =>
      (
        await login.pool.query<{ ok: boolean }>(
          'select qdp.portal_recovery_code_use($1, $2) as ok',
          [hash, code.selector],
        )
      ).rows[0]!.ok;
    expect(await use()).toBe(true);
    expect(await use()).toBe(false);
    const again = await login.pool.query<{ h: string | null }>(
      'select qdp.portal_recovery_code_hash($1, $2) as h',
      [hash, code.selector],
    );
    expect(again.rows).toEqual([{ h: null }]);
  });
});

describe('failures', () => {
  const fail = (user: number | null, method: string) =>
    login.pool.query('select qdp.portal_sign_in_failed($1, $2, $3)', [user, method, '10.0.0.1']);

  it('password, code and recovery failures count together and lock at login_max_failures', async () => {
    const hash = await step('code');
    for (const method of ['password', 'code', 'recovery', 'code']) await fail(userId, method);
    expect((await lookup('t-staff'))[0]!.locked).toBe(false);
    await fail(userId, 'code');
    expect((await lookup('t-staff'))[0]!.locked).toBe(true);
    const steps = await db.pool.query(
      'select count(*)::int as n from qdp.portal_sign_in_steps where token_hash = $1',
      [hash],
    );
    expect(steps.rows).toEqual([{ n: 0 }]);
  });

  it('an unknown user changes no account; every failure is audited with its method only', async () => {
    const before = await db.pool.query('select id, failed_logins from qdp.users order by id');
    const since = await lastAuditId();
    await fail(null, 'password');
    await fail(userId, 'code');
    expect(
      (await db.pool.query('select id, failed_logins from qdp.users order by id')).rows,
    ).toEqual(
      before.rows.map((r: { id: string }) => ({
        ...r,
        failed_logins: r.id === String(userId) ? 1 : 0,
      })),
    );
    const audit = await db.pool.query(
      'select user_id, username, action, detail, client_address from qdp.audit_log where id > $1 order by id',
      [since],
    );
    expect(audit.rows).toEqual([
      {
        user_id: null,
        username: null,
        action: 'login.failed',
        detail: { method: 'password' },
        client_address: '10.0.0.1',
      },
      {
        user_id: String(userId),
        username: 't-staff',
        action: 'login.failed',
        detail: { method: 'code' },
        client_address: '10.0.0.1',
      },
    ]);
    await expect(fail(userId, 'guess')).rejects.toThrow(/unknown sign-in method "guess"/);
  });
});

describe('single sign-on identities', () => {
  const ISSUER = 'https://login.example.org/realms/ulss';
  const signIn = async (value: string) =>
    (
      await login.pool.query<{ id: string | null }>(
        'select qdp.portal_provider_sign_in($1, $2, $3, $4, $5) as id',
        [ISSUER, 'email', value, token(), '10.0.0.2'],
      )
    ).rows[0]!.id;

  it('a registered identity opens its user’s session; unknown or disabled: nothing, audited', async () => {
    await db.pool.query(
      `insert into qdp.user_identities (issuer, claim, value, user_id, registered_by)
       values ($1, 'email', 'staff@example.org', $2, 'test')`,
      [ISSUER, userId],
    );
    const since = await lastAuditId();
    expect(await signIn('staff@example.org')).toBe(String(userId));
    const sessions = await db.pool.query(
      'select method from qdp.portal_sessions where user_id = $1',
      [userId],
    );
    expect(sessions.rows).toEqual([{ method: 'provider' }]);
    expect(await signIn('someone@example.org')).toBeNull();
    await db.pool.query('update qdp.users set disabled = true where id = $1', [userId]);
    expect(await signIn('staff@example.org')).toBeNull();
    const audit = await db.pool.query(
      'select user_id, action, detail from qdp.audit_log where id > $1 order by id',
      [since],
    );
    expect(audit.rows).toEqual([
      {
        user_id: null,
        action: 'login.refused',
        detail: {
          method: 'provider',
          reason: 'unknown identity',
          issuer: ISSUER,
          claim: 'email',
          identity: 'someone@example.org',
        },
      },
      {
        user_id: String(userId),
        action: 'login.refused',
        detail: {
          method: 'provider',
          reason: 'disabled user',
          issuer: ISSUER,
          claim: 'email',
          identity: 'staff@example.org',
        },
      },
    ]);
  });
});
