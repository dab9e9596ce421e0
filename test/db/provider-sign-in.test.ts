// Single sign-on verified by the database (0053): the portal's login role hands over the provider's
// ID token, and qdp.portal_provider_sign_in opens a session only for a token signed (RS256) by a
// key of the registered provider, for its client, not expired, used once, whose identity an
// administrator registered on an enabled user. Every refusal is returned and audited. The keys
// are written only by the owner or an administrator's live session, never by the login role.
import { createSign, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../core/passwords.ts';
import { withUserSession } from '../../db/session.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { createPortalLogin, type PortalLogin } from './access-fixtures.ts';

const ISSUER = 'https://login.example.org/realms/ulss';
const CLIENT_ID = 'qdp-portal';
const CLAIM = 'fiscalNumber';
const IDENTITY = 'TINIT-RSSMRA80A01L781X';

let db: TestDatabase;
let login: PortalLogin;
let userId: number;
let adminId: number;
const providerKey = generateKeyPairSync('rsa', { modulusLength: 2048 });
const otherKey = generateKeyPairSync('rsa', { modulusLength: 2048 });

const keySet = (key: KeyObject, kid: string) => ({
  keys: [{ ...key.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' }],
});

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A compact JWS of `claims` over the usual ID token's claims, signed RS256 with `key`. */
function idToken(
  claims: Record<string, unknown> = {},
  options: { key?: KeyObject; header?: Record<string, unknown> } = {},
): string {
  const now = Math.floor(Date.now() / 1000);
  const header = b64({ alg: 'RS256', kid: 'k1', typ: 'JWT', ...options.header });
  const payload = b64({
    iss: ISSUER,
    aud: CLIENT_ID,
    sub: 'subject-1',
    iat: now,
    exp: now + 300,
    nonce: randomBytes(8).toString('hex'),
    [CLAIM]: IDENTITY,
    ...claims,
  });
  const signature = createSign('RSA-SHA256')
    .update(`${header}.${payload}`)
    .sign(options.key ?? providerKey.privateKey)
    .toString('base64url');
  return `${header}.${payload}.${signature}`;
}

async function signIn(token: string) {
  const hash = randomBytes(32);
  const { rows } = await login.pool.query<{ user_id: string | null; refusal: string | null }>(
    'select user_id, refusal from qdp.portal_provider_sign_in($1, $2, $3)',
    [token, hash, '10.0.0.3'],
  );
  const sessions = await db.pool.query<{ user_id: string; method: string }>(
    'select user_id, method from qdp.portal_sessions where token_hash = $1',
    [hash],
  );
  return { ...rows[0]!, sessions: sessions.rows };
}

async function lastAuditId(): Promise<string> {
  const { rows } = await db.pool.query<{ id: string }>(
    'select coalesce(max(id), 0) as id from qdp.audit_log',
  );
  return rows[0]!.id;
}

async function auditSince(since: string) {
  const { rows } = await db.pool.query<{ user_id: string | null; action: string; detail: unknown }>(
    'select user_id, action, detail from qdp.audit_log where id > $1 order by id',
    [since],
  );
  return rows;
}

beforeAll(async () => {
  db = await createTestDatabase();
  login = await createPortalLogin(db);
  const { rows } = await db.pool.query<{ id: string }>(
    `insert into qdp.users (username, display_name, role) values
       ('t-sso-staff', 'Test staff', 'staff'), ('t-sso-admin', 'Test admin', 'admin')
     returning id`,
  );
  userId = Number(rows[0]!.id);
  adminId = Number(rows[1]!.id);
  await db.pool.query(
    `insert into qdp.user_identities (issuer, claim, value, user_id, registered_by)
     values ($1, $2, $3, $4, 'test')`,
    [ISSUER, CLAIM, IDENTITY, userId],
  );
});

afterAll(async () => {
  await login?.drop();
  await db?.drop();
});

beforeEach(async () => {
  await db.pool.query("select qdp.identity_provider_set($1, $2, $3, $4, 'test')", [
    ISSUER,
    CLIENT_ID,
    CLAIM,
    keySet(providerKey.publicKey, 'k1'),
  ]);
  await db.pool.query('update qdp.users set disabled = false');
});

describe('the ID token, checked by the database', () => {
  it('a good token opens its user’s session once, audited', async () => {
    const since = await lastAuditId();
    const token = idToken();
    expect(await signIn(token)).toEqual({
      user_id: String(userId),
      refusal: null,
      sessions: [{ user_id: String(userId), method: 'provider' }],
    });
    expect(await signIn(token)).toEqual({
      user_id: null,
      refusal: 'token already used',
      sessions: [],
    });
    expect(await auditSince(since)).toEqual([
      { user_id: String(userId), action: 'login', detail: { method: 'provider' } },
      {
        user_id: null,
        action: 'login.refused',
        detail: { method: 'provider', reason: 'token already used' },
      },
    ]);
  });

  it('refuses every token that does not pass, saying why, opening nothing', async () => {
    const now = Math.floor(Date.now() / 1000);
    const good = idToken();
    const [h, p] = good.split('.');
    const cases: [string, string][] = [
      [idToken({}, { key: otherKey.privateKey }), 'signature not made by a registered key'],
      [
        idToken({ [CLAIM]: 'TINIT-SOMEONE-ELSE' }).replace(/\.[^.]+$/, `.${good.split('.')[2]}`),
        'signature not made by a registered key',
      ],
      [`${h}.${p}.`, 'signature not made by a registered key'],
      [`${b64({ alg: 'none' })}.${p}.`, 'signature algorithm none refused: RS256 only'],
      [idToken({}, { header: { alg: 'HS256' } }), 'signature algorithm HS256 refused: RS256 only'],
      [idToken({ aud: 'another-service' }), 'token for another client'],
      [idToken({ aud: ['another-service', 'a-third'] }), 'token for another client'],
      [idToken({ exp: now - 1 }), 'token expired'],
      [idToken({ exp: undefined }), 'token expired'],
      [idToken({ iat: now + 3600 }), 'token issued in the future'],
      [idToken({ iss: 'https://evil.example.org' }), 'issuer not registered'],
      [idToken({ [CLAIM]: 42 }), `the token has no "${CLAIM}" claim`],
      ['not.a.token', 'malformed token'],
      ['abc', 'malformed token'],
    ];
    const since = await lastAuditId();
    const refusals: string[] = [];
    for (const [token, reason] of cases) {
      const outcome = await signIn(token);
      expect(outcome.user_id, reason).toBeNull();
      expect(outcome.sessions, reason).toEqual([]);
      expect(outcome.refusal!.startsWith(reason), `${outcome.refusal} / ${reason}`).toBe(true);
      refusals.push(outcome.refusal!);
    }
    expect(await auditSince(since)).toEqual(
      refusals.map((reason) => ({
        user_id: null,
        action: 'login.refused',
        detail: { method: 'provider', reason },
      })),
    );
  });

  it('an audience list holding the client, and a token without kid, pass', async () => {
    expect((await signIn(idToken({ aud: ['another-service', CLIENT_ID] }))).user_id).toBe(
      String(userId),
    );
    expect((await signIn(idToken({}, { header: { kid: undefined } }))).user_id).toBe(
      String(userId),
    );
  });

  it('a good token of an unknown identity or a disabled user opens nothing, audited', async () => {
    const since = await lastAuditId();
    expect(await signIn(idToken({ [CLAIM]: 'TINIT-NOBODY' }))).toEqual({
      user_id: null,
      refusal: 'unknown identity',
      sessions: [],
    });
    await db.pool.query('update qdp.users set disabled = true where id = $1', [userId]);
    expect(await signIn(idToken())).toEqual({
      user_id: null,
      refusal: 'disabled user',
      sessions: [],
    });
    const identity = { method: 'provider', issuer: ISSUER, claim: CLAIM };
    expect(await auditSince(since)).toEqual([
      {
        user_id: null,
        action: 'login.refused',
        detail: { ...identity, reason: 'unknown identity', identity: 'TINIT-NOBODY' },
      },
      {
        user_id: String(userId),
        action: 'login.refused',
        detail: { ...identity, reason: 'disabled user', identity: IDENTITY },
      },
    ]);
  });

  it('an unknown identity and a disabled user: the same answer, in the same time', async () => {
    // The database's own work, without the portal: medians within one Argon2id hash (the
    // tolerance of issue 13 §3), measured in the same rounds on this shared machine.
    await db.pool.query('update qdp.users set disabled = true where id = $1', [userId]);
    const attempts = {
      unknown: () => signIn(idToken({ [CLAIM]: 'TINIT-NOBODY' })),
      disabled: () => signIn(idToken()),
    };
    const times: Record<string, number[]> = {};
    const answers = new Set<string>();
    const hashTimes: number[] = [];
    for (let round = 0; round < 11; round++) {
      for (const [name, attempt] of Object.entries(attempts)) {
        const started = performance.now();
        const { refusal, user_id, sessions } = await attempt();
        (times[name] ??= []).push(performance.now() - started);
        answers.add(JSON.stringify({ user_id, sessions }));
        expect(refusal).toBe(name === 'unknown' ? 'unknown identity' : 'disabled user');
      }
      const started = performance.now();
      await hashPassword('x'.repeat(20));
      hashTimes.push(performance.now() - started);
    }
    expect([...answers]).toEqual([JSON.stringify({ user_id: null, sessions: [] })]);
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    expect(Math.abs(median(times.unknown!) - median(times.disabled!))).toBeLessThan(
      median(hashTimes),
    );
  });

  it('a user locked out by wrong passwords or codes still signs in through the provider', async () => {
    // The lock-out counts the local credentials (password, codes): anyone who knows a username
    // can lock it, which must not shut the person out of single sign-on.
    await db.pool.query(
      "update qdp.users set locked_until = now() + interval '10 minutes' where id = $1",
      [userId],
    );
    try {
      const { user_id, refusal, sessions } = await signIn(idToken());
      expect({ user_id, refusal }).toEqual({ user_id: String(userId), refusal: null });
      expect(sessions).toEqual([{ user_id: String(userId), method: 'provider' }]);
    } finally {
      await db.pool.query('update qdp.users set locked_until = null where id = $1', [userId]);
    }
  });

  it('after the provider rotated its keys, its new tokens pass only once they are registered', async () => {
    const rotated = idToken({}, { key: otherKey.privateKey, header: { kid: 'k2' } });
    expect((await signIn(rotated)).refusal).toMatch(/^signature not made by a registered key/);
    await db.pool.query("select qdp.identity_provider_set($1, $2, $3, $4, 'test')", [
      ISSUER,
      CLIENT_ID,
      CLAIM,
      {
        keys: [
          ...keySet(providerKey.publicKey, 'k1').keys,
          ...keySet(otherKey.publicKey, 'k2').keys,
        ],
      },
    ]);
    expect(
      (await signIn(idToken({}, { key: otherKey.privateKey, header: { kid: 'k2' } }))).user_id,
    ).toBe(String(userId));
  });
});

describe('the provider’s keys', () => {
  it('the login role can neither read nor write them', async () => {
    await expect(login.pool.query('select * from qdp.identity_providers')).rejects.toThrow(
      'permission denied for table identity_providers',
    );
    await expect(
      login.pool.query("select qdp.identity_provider_set($1, $2, $3, $4, 'x')", [
        ISSUER,
        CLIENT_ID,
        CLAIM,
        keySet(otherKey.publicKey, 'k9'),
      ]),
    ).rejects.toThrow('permission denied for function identity_provider_set');
    for (const role of ['qdp_admin', 'qdp_staff']) {
      const client = await login.pool.connect();
      try {
        await client.query(`set role ${role}`);
        await expect(
          client.query('select qdp.portal_identity_provider_refresh($1, $2, $3, $4, $5)', [
            ISSUER,
            CLIENT_ID,
            CLAIM,
            keySet(otherKey.publicKey, 'k9'),
            '10.0.0.3',
          ]),
          role,
        ).rejects.toThrow(/refresh the keys of identity provider/);
      } finally {
        await client.query('reset role');
        client.release();
      }
    }
    expect(
      (await signIn(idToken({}, { key: otherKey.privateKey, header: { kid: 'k9' } }))).refusal,
    ).toMatch(/^signature not made by a registered key/);
  });

  /** The refresh as the portal calls it in a user's transaction. */
  const refresh = (jwks: unknown) => (c: pg.PoolClient) =>
    c.query('select qdp.portal_identity_provider_refresh($1, $2, $3, $4, $5)', [
      ISSUER,
      CLIENT_ID,
      CLAIM,
      jwks,
      '10.0.0.4',
    ]);

  it('an administrator’s session refreshes them, audited; another role’s session is refused', async () => {
    const since = await lastAuditId();
    const jwks = keySet(otherKey.publicKey, 'k3');
    await withUserSession(db.pool, adminId, refresh(jwks));
    const { rows } = await db.pool.query(
      'select client_id, claim, keys, updated_by from qdp.identity_providers',
    );
    expect(rows).toEqual([
      { client_id: CLIENT_ID, claim: CLAIM, keys: jwks, updated_by: 't-sso-admin' },
    ]);
    expect(await auditSince(since)).toEqual([
      {
        user_id: String(adminId),
        action: 'provider.keys',
        detail: { issuer: ISSUER, client_id: CLIENT_ID, claim: CLAIM, kids: ['k3'] },
      },
    ]);
    await expect(withUserSession(db.pool, userId, refresh(jwks))).rejects.toThrow(
      /refresh the keys of identity provider/,
    );
  });

  it('a key set without an RSA signing key is refused, naming the provider', async () => {
    await expect(
      db.pool.query("select qdp.identity_provider_set($1, $2, $3, $4, 'test')", [
        ISSUER,
        CLIENT_ID,
        CLAIM,
        { keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b' }] },
      ]),
    ).rejects.toThrow(`the key set of ${ISSUER} has no RSA signing key`);
  });
});
