// The sign-in functions (0050, 0052) as the portal's login role calls them: the database checks
// every proof itself (a password's Argon2id output against the stored verifier, a TOTP code
// against the encrypted secret, a recovery code's output), a code is accepted once, a recovery
// code used once, failures counted the same way for every method and none for an unknown user.
// Nothing opens a session without a proof (single sign-on's: provider-sign-in.test.ts).
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../core/passwords.ts';
import { withUserSession } from '../../db/session.ts';
import { argon2Proof, secondFactorKey } from '../../portal/sign-in/proof.ts';
import {
  codeAt,
  hashRecoveryCode,
  newRecoveryCodes,
  newTotpSecret,
  type RecoveryCode,
} from '../../portal/sign-in/second-factor.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { createPortalLogin, type PortalLogin } from './access-fixtures.ts';

let db: TestDatabase;
let login: PortalLogin;
let userId: number;

const PASSWORD = 'the test user password';
const KEY = secondFactorKey('a cookie secret of at least 32 characters');
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
    [await hashPassword(PASSWORD)],
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

async function params(username: string): Promise<string> {
  return (
    await login.pool.query<{ p: string }>('select qdp.portal_password_params($1) as p', [username])
  ).rows[0]!.p;
}

/** Password sign-in as the portal does it: the outcome and the token hash it was under. */
async function signIn(password = PASSWORD, username = 't-staff') {
  const hash = token();
  const proof = await argon2Proof(await params(username), password);
  const { rows } = await login.pool.query<{ outcome: string }>(
    'select qdp.portal_password_sign_in($1, $2, $3, $4) as outcome',
    [username, proof, hash, '10.0.0.1'],
  );
  return { outcome: rows[0]!.outcome, hash };
}

async function sessionsOf(id: number): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(
    'select count(*)::int as n from qdp.portal_sessions where user_id = $1',
    [id],
  );
  return rows[0]!.n;
}

/** A TOTP code (or anything typed) at a step: true when the session opened. */
async function code(step: Buffer, typed: string, codes?: RecoveryCode[]): Promise<boolean> {
  const { rows } = await login.pool.query<{ ok: boolean }>(
    'select qdp.portal_second_factor_sign_in($1, $2, $3, $4, $5, $6, $7) as ok',
    [
      step,
      typed,
      KEY,
      token(),
      '10.0.0.1',
      codes ? codes.map((c) => c.selector) : null,
      codes ? await Promise.all(codes.map((c) => hashRecoveryCode(c.code))) : null,
    ],
  );
  return rows[0]!.ok;
}

/** Enrols `secret` for the test user with `codes` at a password's enrolment step. */
/**
 * When the last enrolment's code was made: a test that reuses "the same code" makes it for this
 * moment, not for now (a 30-second step may have begun in between, with a fresh code).
 */
let enrolledAt = 0;

async function enrol(secret: Buffer, codes = newRecoveryCodes(2)) {
  const { outcome, hash } = await signIn();
  expect(outcome).toBe('enrol');
  await login.pool.query('select qdp.portal_second_factor_enrol($1, $2, $3)', [hash, secret, KEY]);
  enrolledAt = Date.now();
  expect(await code(hash, codeAt(secret, enrolledAt), codes)).toBe(true);
  return codes;
}

describe('passwords: the database checks the proof', () => {
  it('stores the parameters and the SHA-256 of the output, never the output', async () => {
    const hash = await hashPassword(PASSWORD);
    const { rows } = await db.pool.query<{ password_hash: string; password_verifier: Buffer }>(
      `update qdp.users set password_hash = $1 where id = $2 returning password_hash, password_verifier`,
      [hash, userId],
    );
    const output = hash.slice(hash.lastIndexOf('$') + 1);
    expect(rows[0]!.password_hash).toBe(hash.slice(0, hash.lastIndexOf('$')));
    expect(rows[0]!.password_verifier).toEqual(
      createHash('sha256').update(Buffer.from(output, 'base64')).digest(),
    );
    await expect(
      db.pool.query("update qdp.users set password_hash = 'plain' where id = $1", [userId]),
    ).rejects.toThrow(
      'qdp.users.password_hash of user "t-staff" must be a whole Argon2id hash ($argon2id$v=19$m=…,t=…,p=…$salt$output, a 32-byte output) as core/passwords.ts writes it',
    );
    // An upsert's excluded.password_hash is the split parameters: new parameters kept with the
    // stored verifier would lock the user out silently, so they are refused; with their own
    // verifier (the pair copied) they pass.
    const other = await hashPassword('another password');
    await expect(
      db.pool.query(
        `insert into qdp.users (username, display_name, role, password_hash) values ('t-staff', 'x', 'staff', $1)
         on conflict (username) do update set password_hash = excluded.password_hash`,
        [other],
      ),
    ).rejects.toThrow('qdp.users.password_hash of user "t-staff" must be a whole Argon2id hash');
    const copied = await db.pool.query<{ password_hash: string }>(
      `insert into qdp.users (username, display_name, role, password_hash) values ('t-staff', 'x', 'staff', $1)
       on conflict (username) do update set password_hash = excluded.password_hash,
         password_verifier = excluded.password_verifier
       returning password_hash`,
      [other],
    );
    expect(copied.rows[0]!.password_hash).toBe(other.slice(0, other.lastIndexOf('$')));
    await db.pool.query('update qdp.users set password_hash = $1 where id = $2', [hash, userId]);
  });

  it('what follows a right password: enrolment, a session, a code once enrolled', async () => {
    expect((await signIn()).outcome).toBe('enrol');
    await db.pool.query(
      "update qdp.settings set value = 'admin' where key = 'second_factor_roles'",
    );
    const before = await sessionsOf(userId);
    expect((await signIn()).outcome).toBe('session');
    expect(await sessionsOf(userId)).toBe(before + 1);
    await db.pool.query(
      "update qdp.settings set value = 'staff' where key = 'second_factor_roles'",
    );
    await enrol(newTotpSecret());
    await db.pool.query("update qdp.settings set value = '' where key = 'second_factor_roles'");
    expect((await signIn()).outcome).toBe('code');
  });

  it('a wrong password, an unknown, disabled or locked user: failed, and no session', async () => {
    await db.pool.query("update qdp.settings set value = '' where key = 'second_factor_roles'");
    const before = await sessionsOf(userId);
    const since = await lastAuditId();
    expect((await signIn('a wrong password')).outcome).toBe('failed');
    expect((await signIn(PASSWORD, 'nobody')).outcome).toBe('failed');
    await db.pool.query("update qdp.users set locked_until = now() + interval '1 minute'");
    expect((await signIn()).outcome).toBe('failed');
    await db.pool.query('update qdp.users set locked_until = null, disabled = true');
    expect((await signIn()).outcome).toBe('failed');
    expect(await sessionsOf(userId)).toBe(before);
    // Why, the audit log says (the answer never does).
    const audit = await db.pool.query(
      'select user_id, detail from qdp.audit_log where id > $1 order by id',
      [since],
    );
    const failed = (user: number | null, reason?: string) => ({
      user_id: user === null ? null : String(user),
      detail: reason ? { method: 'password', reason } : { method: 'password' },
    });
    expect(audit.rows).toEqual([
      failed(userId),
      failed(null),
      failed(userId, 'locked'),
      failed(userId, 'disabled user'),
    ]);
  });

  it('the proof cannot be replaced by what the login role can read', async () => {
    await db.pool.query("update qdp.settings set value = '' where key = 'second_factor_roles'");
    const stored = await params('t-staff');
    for (const proof of [
      Buffer.alloc(32),
      createHash('sha256').update(stored).digest(),
      Buffer.from(stored),
    ]) {
      const { rows } = await login.pool.query<{ outcome: string }>(
        'select qdp.portal_password_sign_in($1, $2, $3, $4) as outcome',
        ['t-staff', proof, token(), '10.0.0.1'],
      );
      expect(rows).toEqual([{ outcome: 'failed' }]);
    }
  });

  it('an unknown name gets stand-in parameters: the same each time, shaped like a real one', async () => {
    const real = await params('t-staff');
    const unknown = await params('nobody');
    expect(await params('nobody')).toBe(unknown);
    expect(await params('somebody else')).not.toBe(unknown);
    const shape = /^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]{22}$/;
    expect(real).toMatch(shape);
    expect(unknown).toMatch(shape);
    expect(unknown.slice(0, unknown.lastIndexOf('$'))).toBe(real.slice(0, real.lastIndexOf('$')));
    await db.pool.query('update qdp.users set disabled = true');
    expect(await params('t-staff')).not.toBe(real);
  });
});

describe('a TOTP code, checked by the database, is accepted once', () => {
  it('the secret is stored encrypted, opened only with the portal key', async () => {
    const secret = newTotpSecret();
    await enrol(secret);
    const { rows } = await db.pool.query<{ sealed: Buffer; opened: Buffer }>(
      'select secret_sealed as sealed, qdp_crypto.pgp_sym_decrypt_bytea(secret_sealed, $1) as opened from qdp.user_second_factors',
      [KEY],
    );
    expect(rows[0]!.opened).toEqual(secret);
    expect(rows[0]!.sealed.includes(secret)).toBe(false);
    const { hash } = await signIn();
    await expect(
      login.pool.query('select qdp.portal_second_factor_sign_in($1, $2, $3, $4, $5)', [
        hash,
        codeAt(secret, Date.now() + 30_000),
        secondFactorKey('another cookie secret of 32 characters'),
        token(),
        '10.0.0.1',
      ]),
    ).rejects.toThrow(/does not open with the portal's key/);
  });

  it("the same code twice, or an earlier one: refused; the next step's code: accepted", async () => {
    const secret = newTotpSecret();
    await enrol(secret);
    const { outcome, hash } = await signIn();
    expect(outcome).toBe('code');
    expect(await code(hash, codeAt(secret, enrolledAt))).toBe(false);
    expect(await code(hash, codeAt(secret, enrolledAt - 30_000))).toBe(false);
    expect(await code(hash, 'abcdef')).toBe(false);
    const before = await sessionsOf(userId);
    expect(await code(hash, codeAt(secret, enrolledAt + 30_000))).toBe(true);
    expect(await sessionsOf(userId)).toBe(before + 1);
    // The step ended with the session.
    expect(await code(hash, codeAt(secret, enrolledAt + 30_000))).toBe(false);
  });

  it('a step token that is unknown, too old or of the other kind accepts nothing', async () => {
    const secret = newTotpSecret();
    await enrol(secret);
    const next = codeAt(secret, Date.now() + 30_000);
    expect(await code(token(), next)).toBe(false);
    // Recovery codes go with an enrolment's code only: at a code step they find no step.
    const codeStep = await signIn();
    expect(await code(codeStep.hash, next, newRecoveryCodes(2))).toBe(false);
    const stored = await db.pool.query(
      'select count(*)::int as n from qdp.user_recovery_codes where user_id = $1',
      [userId],
    );
    expect(stored.rows).toEqual([{ n: 2 }]);
    const old = await signIn();
    await db.pool.query(
      "update qdp.portal_sign_in_steps set created_at = now() - interval '6 minutes'",
    );
    expect(await code(old.hash, next)).toBe(false);
    expect(
      (await login.pool.query('select * from qdp.portal_sign_in_step($1)', [old.hash])).rows,
    ).toEqual([]);
  });

  it('enrolment never replaces a confirmed authenticator', async () => {
    const secret = newTotpSecret();
    await enrol(secret);
    // A user with a confirmed authenticator is asked for a code, never enrols again.
    const { outcome, hash } = await signIn();
    expect(outcome).toBe('code');
    await expect(
      login.pool.query('select qdp.portal_second_factor_enrol($1, $2, $3)', [
        hash,
        newTotpSecret(),
        KEY,
      ]),
    ).rejects.toThrow('no enrolment step for this token');
    const { rows } = await db.pool.query<{ opened: Buffer }>(
      'select qdp_crypto.pgp_sym_decrypt_bytea(secret_sealed, $1) as opened from qdp.user_second_factors',
      [KEY],
    );
    expect(rows).toEqual([{ opened: secret }]);
  });
});

describe('recovery codes', () => {
  it('each is used once, only in a code step, by the proof of the code', async () => {
    const codes = await enrol(newTotpSecret());
    const recovery = codes[0]!;
    const { hash } = await signIn();
    const use = async (typed: string, selector = recovery.selector) => {
      const p = (
        await login.pool.query<{ p: string | null }>(
          'select qdp.portal_recovery_code_params($1, $2) as p',
          [hash, selector],
        )
      ).rows[0]!.p!;
      return (
        await login.pool.query<{ ok: boolean }>(
          'select qdp.portal_recovery_code_sign_in($1, $2, $3, $4, $5) as ok',
          [hash, selector, await argon2Proof(p, typed), token(), '10.0.0.1'],
        )
      ).rows[0]!.ok;
    };
    expect(await use(codes[1]!.code)).toBe(false);
    expect(await use(recovery.code, 'zzzz')).toBe(false);
    expect(await use(recovery.code)).toBe(true);
    const again = await signIn();
    expect(again.outcome).toBe('code');
    const p = await login.pool.query<{ p: string | null }>(
      'select qdp.portal_recovery_code_params($1, $2) as p',
      [again.hash, recovery.selector],
    );
    const used = await login.pool.query<{ ok: boolean }>(
      'select qdp.portal_recovery_code_sign_in($1, $2, $3, $4, $5) as ok',
      [
        again.hash,
        recovery.selector,
        await argon2Proof(p.rows[0]!.p!, recovery.code),
        token(),
        '10.0.0.1',
      ],
    );
    expect(used.rows).toEqual([{ ok: false }]);
  });
});

describe('failures', () => {
  it('password and code failures count together and lock at login_max_failures', async () => {
    const secret = newTotpSecret();
    await enrol(secret);
    const { hash } = await signIn();
    for (let i = 0; i < 2; i++) expect((await signIn('a wrong password')).outcome).toBe('failed');
    for (let i = 0; i < 2; i++) expect(await code(hash, '000000')).toBe(false);
    // A right password begins a new step (the earlier one ends) and does not clear the count.
    const second = await signIn();
    expect(second.outcome).toBe('code');
    expect(await code(hash, '000000')).toBe(false);
    expect(await code(second.hash, '000000')).toBe(false);
    expect((await signIn()).outcome).toBe('failed');
    // Locked: the step lives on (its end would tell), and its right code fails as a wrong one.
    const steps = await db.pool.query(
      'select count(*)::int as n from qdp.portal_sign_in_steps where user_id = $1',
      [userId],
    );
    expect(steps.rows).toEqual([{ n: 1 }]);
    const since = await lastAuditId();
    expect(await code(second.hash, codeAt(secret, Date.now() + 30_000))).toBe(false);
    expect((await signIn()).outcome).toBe('failed');
    // Why, the audit log says (the answer never does).
    const audit = await db.pool.query(
      'select detail from qdp.audit_log where id > $1 order by id',
      [since],
    );
    expect(audit.rows).toEqual([
      { detail: { method: 'code', reason: 'locked' } },
      { detail: { method: 'password', reason: 'locked' } },
    ]);
  });

  it('an unknown user changes no account; a failure is audited with its method', async () => {
    const secret = newTotpSecret();
    await enrol(secret);
    const { hash } = await signIn();
    const before = await db.pool.query('select id, failed_logins from qdp.users order by id');
    const since = await lastAuditId();
    expect((await signIn(PASSWORD, 'nobody')).outcome).toBe('failed');
    expect(await code(hash, '000000')).toBe(false);
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
  });

  it('a session opened by a proof is audited as a log-in with its method', async () => {
    await db.pool.query("update qdp.settings set value = '' where key = 'second_factor_roles'");
    const since = await lastAuditId();
    expect((await signIn()).outcome).toBe('session');
    const audit = await db.pool.query(
      'select user_id, action, detail, client_address from qdp.audit_log where id > $1 order by id',
      [since],
    );
    expect(audit.rows).toEqual([
      {
        user_id: String(userId),
        action: 'login',
        detail: { method: 'password' },
        client_address: '10.0.0.1',
      },
    ]);
  });
});

describe('a user locked out or disabled at the code step (issue 13 §3)', () => {
  /** What the portal and the database hold of a step and of the user's codes. */
  async function stepState(hash: Buffer) {
    const step = await login.pool.query('select user_id, next from qdp.portal_sign_in_step($1)', [
      hash,
    ]);
    const user = await db.pool.query(
      `select u.failed_logins, f.last_step, f.confirmed_at is not null as confirmed,
              (select count(*)::int from qdp.user_recovery_codes r
               where r.user_id = u.id and r.used_at is null) as unused_codes
       from qdp.users u left join qdp.user_second_factors f on f.user_id = u.id where u.id = $1`,
      [userId],
    );
    return { step: step.rows, user: user.rows[0] };
  }
  const locks = {
    locked: "update qdp.users set locked_until = now() + interval '1 minute'",
    disabled: 'update qdp.users set disabled = true',
  };
  const unlock = 'update qdp.users set locked_until = null, disabled = false';

  it.each(Object.keys(locks))(
    '%s: the step lives on, the right TOTP code fails as a wrong one (not used), audited',
    async (how) => {
      const secret = newTotpSecret();
      await enrol(secret);
      const { outcome, hash } = await signIn();
      expect(outcome).toBe('code');
      const before = await stepState(hash);
      const sessions = await sessionsOf(userId);
      expect(before.step).toEqual([{ user_id: String(userId), next: 'code' }]);
      await db.pool.query(locks[how as keyof typeof locks]);
      const since = await lastAuditId();
      const right = codeAt(secret, Date.now() + 30_000);
      expect(await code(hash, right)).toBe(false);
      expect(await code(hash, '000000')).toBe(false);
      // Nothing changed: the step is still there, the code not used, no failure counted.
      expect(await stepState(hash)).toEqual(before);
      expect(await sessionsOf(userId)).toBe(sessions);
      const audit = await db.pool.query(
        'select user_id, action, detail from qdp.audit_log where id > $1 order by id',
        [since],
      );
      // The reason is in the audit log only.
      expect(audit.rows).toEqual(
        [1, 2].map(() => ({
          user_id: String(userId),
          action: 'login.failed',
          detail: { method: 'code', reason: how === 'locked' ? 'locked' : 'disabled user' },
        })),
      );
      // Once it may sign in again, the same step takes the same code.
      await db.pool.query(unlock);
      expect(await code(hash, right)).toBe(true);
      expect(await sessionsOf(userId)).toBe(sessions + 1);
    },
  );

  it.each(Object.keys(locks))(
    '%s: a recovery code costs the same hash (its real parameters) and is not used',
    async (how) => {
      const [recovery] = await enrol(newTotpSecret());
      const { hash } = await signIn();
      const paramsOf = async () =>
        (
          await login.pool.query<{ p: string | null }>(
            'select qdp.portal_recovery_code_params($1, $2) as p',
            [hash, recovery!.selector],
          )
        ).rows[0]!.p;
      const real = await paramsOf();
      await db.pool.query(locks[how as keyof typeof locks]);
      expect(await paramsOf()).toBe(real);
      const use = async () =>
        (
          await login.pool.query<{ ok: boolean }>(
            'select qdp.portal_recovery_code_sign_in($1, $2, $3, $4, $5) as ok',
            [
              hash,
              recovery!.selector,
              await argon2Proof(real!, recovery!.code),
              token(),
              '10.0.0.1',
            ],
          )
        ).rows[0]!.ok;
      const before = await stepState(hash);
      expect(await use()).toBe(false);
      expect(await stepState(hash)).toEqual(before);
      await db.pool.query(unlock);
      expect(await use()).toBe(true);
      expect((await stepState(hash)).user).toEqual({ ...before.user, unused_codes: 1 });
    },
  );

  it.each(Object.keys(locks))(
    '%s at enrolment: the page still works, the right code confirms nothing, stores no codes',
    async (how) => {
      const { outcome, hash } = await signIn();
      expect(outcome).toBe('enrol');
      await db.pool.query(locks[how as keyof typeof locks]);
      const secret = newTotpSecret();
      await login.pool.query('select qdp.portal_second_factor_enrol($1, $2, $3)', [
        hash,
        secret,
        KEY,
      ]);
      const pending = async () =>
        (
          await login.pool.query<{ s: Buffer | null }>(
            'select qdp.portal_second_factor_pending($1, $2) as s',
            [hash, KEY],
          )
        ).rows[0]!.s;
      expect(await pending()).toEqual(secret);
      expect(await code(hash, codeAt(secret), newRecoveryCodes(2))).toBe(false);
      expect(await stepState(hash)).toEqual({
        step: [{ user_id: String(userId), next: 'enrol' }],
        user: { failed_logins: 0, last_step: null, confirmed: false, unused_codes: 0 },
      });
      expect(await pending()).toEqual(secret);
      await db.pool.query(unlock);
      // An enrolment's code comes with recovery codes: without them it finds no step.
      expect(await code(hash, codeAt(secret))).toBe(false);
      expect((await stepState(hash)).user).toMatchObject({ failed_logins: 0, confirmed: false });
      expect(await code(hash, codeAt(secret), newRecoveryCodes(2))).toBe(true);
      expect((await stepState(hash)).user).toMatchObject({ confirmed: true, unused_codes: 2 });
    },
  );
});

describe('a second factor of one’s own accord', () => {
  /** Runs `sql` in a live session of `id` (opened by the owner, as after a sign-in). */
  const own = (id: number, sql: string, values: unknown[] = []) =>
    withUserSession(db.pool, id, async (c) => (await c.query(sql, values)).rows[0]);

  it('a local account whose role needs none enrols one, once, through an enrolment step', async () => {
    await db.pool.query("update qdp.settings set value = '' where key = 'second_factor_roles'");
    expect(await own(userId, 'select qdp.portal_own_second_factor() as f')).toEqual({ f: false });
    const step = token();
    await own(userId, 'select qdp.portal_own_second_factor_begin($1)', [step]);
    const { rows } = await login.pool.query(
      'select user_id, next from qdp.portal_sign_in_step($1)',
      [step],
    );
    expect(rows).toEqual([{ user_id: String(userId), next: 'enrol' }]);
    const secret = newTotpSecret();
    await login.pool.query('select qdp.portal_second_factor_enrol($1, $2, $3)', [
      step,
      secret,
      KEY,
    ]);
    expect(await code(step, codeAt(secret), newRecoveryCodes(2))).toBe(true);
    expect(await own(userId, 'select qdp.portal_own_second_factor() as f')).toEqual({ f: true });
    // Now the password leads to the code, and a second enrolment is refused.
    expect((await signIn()).outcome).toBe('code');
    await expect(
      own(userId, 'select qdp.portal_own_second_factor_begin($1)', [token()]),
    ).rejects.toThrow('enrol a second factor: this account has one already');
  });

  it('is refused without a live session and to an account without a password', async () => {
    const client = await login.pool.connect();
    try {
      await client.query('set role qdp_staff');
      await expect(
        client.query('select qdp.portal_own_second_factor_begin($1)', [token()]),
      ).rejects.toThrow('enrol a second factor: no live session');
      expect((await client.query('select qdp.portal_own_second_factor() as f')).rows).toEqual([
        { f: null },
      ]);
    } finally {
      await client.query('reset role');
      client.release();
    }
    const { rows } = await db.pool.query<{ id: string }>(
      "insert into qdp.users (username, display_name, role) values ('t-sso-only', 'SSO only', 'staff') returning id",
    );
    const ssoOnly = Number(rows[0]!.id);
    expect(await own(ssoOnly, 'select qdp.portal_own_second_factor() as f')).toEqual({ f: null });
    await expect(
      own(ssoOnly, 'select qdp.portal_own_second_factor_begin($1)', [token()]),
    ).rejects.toThrow('enrol a second factor: only an account with a password has one here');
  });
});
