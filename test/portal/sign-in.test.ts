// Signing in, in Debian's Chromium, against a real OpenID provider (oidc-provider on a free port):
// single sign-on per role, every refusal with its page and nothing leaked (an unknown identity, a
// disabled user, a tampered state, a replayed code, a token for another client, an expired one, a
// token the database cannot verify after the provider's keys rotated, until an administrator
// refreshes them),
// sign-out at the portal and the provider; the TOTP second factor (enrolment first and nothing
// else, a code, a wrong one, a reused one, recovery codes once, throttle and lock-out counting
// wrong codes); and nothing learned from a failed password (§3: same message, status and time).
import { createHash, generateKeyPairSync } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../../core/passwords.ts';
import { freePort } from '../../local/embedded.ts';
import { codeAt, newRecoveryCodes } from '../../portal/sign-in/second-factor.ts';
import { launchChromium } from './browser.ts';
import { PortalClient } from './http-client.ts';
import {
  registerTestProvider,
  startTestProvider,
  TEST_CLAIM,
  type TestProvider,
} from './identity-provider.ts';
import { PASSWORD, startPortalFixture, type PortalFixture, type RoleKey } from './support.ts';

const ROLES: RoleKey[] = ['admin', 'staff', 'prefecture', 'municipality', 'gp'];
const SESSION = 'qdp_session';
const PROVIDER_LABEL = 'Test IdP';
const CODE_FAILED = 'Codice errato o già usato, oppure utente bloccato.';
const fiscalNumber = (role: string) => `TINIT-TST${role.slice(0, 3).toUpperCase()}80A01L781X`;

let f: PortalFixture;
let provider: TestProvider;
let browser: Browser;
let disabledUser: number;

beforeAll(async () => {
  const port = await freePort();
  const portalUrl = `http://127.0.0.1:${port}`;
  provider = await startTestProvider(portalUrl, [
    ...ROLES.map((role) => ({
      login: `sso-${role}`,
      claims: { fiscalNumber: fiscalNumber(role), name: `SSO ${role}` },
    })),
    { login: 'sso-unknown', claims: { fiscalNumber: 'TINIT-UNKNWN80A01L781X' } },
    { login: 'sso-disabled', claims: { fiscalNumber: 'TINIT-DSBLED80A01L781X' } },
  ]);
  f = await startPortalFixture({
    rows: 40,
    held: false,
    port,
    secondFactorRoles: 'admin',
    env: {
      QDP_PORTAL_OIDC_ISSUER: provider.issuer,
      QDP_PORTAL_OIDC_CLIENT_ID: provider.client.clientId,
      QDP_PORTAL_OIDC_CLIENT_SECRET: provider.client.clientSecret,
      QDP_PORTAL_OIDC_SCOPES: 'openid profile fiscal_number',
      QDP_PORTAL_OIDC_CLAIM: TEST_CLAIM,
      QDP_PORTAL_OIDC_LABEL: PROVIDER_LABEL,
      QDP_PORTAL_PUBLIC_URL: portalUrl,
    },
  });
  await registerTestProvider(f.db.pool, provider);
  const register = (userId: number, value: string) =>
    f.db.pool.query(
      `insert into qdp.user_identities (issuer, claim, value, user_id, registered_by)
       values ($1, $2, $3, $4, 'test')`,
      [new URL(provider.issuer).href, TEST_CLAIM, value, userId],
    );
  for (const role of ROLES) await register(f.users[role].id, fiscalNumber(role));
  const { rows } = await f.db.pool.query<{ id: string }>(
    `insert into qdp.users (username, display_name, role, disabled, password_hash)
     values ('t-disabled', 'Disabled', 'staff', true, $1) returning id`,
    [await hashPassword(PASSWORD)],
  );
  disabledUser = Number(rows[0]!.id);
  await register(disabledUser, 'TINIT-DSBLED80A01L781X');
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await f?.close();
  await provider?.close();
});

beforeEach(async () => {
  await f.db.pool.query(
    "update qdp.settings set value = case key when 'login_max_failures' then '5' else '1000' end where key in ('login_max_failures', 'login_attempts_per_minute')",
  );
  await f.db.pool.query('update qdp.users set failed_logins = 0, locked_until = null');
});

/** The audit rows written since `since` (the log is append-only). */
async function auditSince(since: string) {
  const { rows } = await f.db.pool.query<{
    user_id: string | null;
    action: string;
    detail: unknown;
  }>('select user_id, action, detail from qdp.audit_log where id > $1 order by id', [since]);
  return rows;
}
async function lastAuditId(): Promise<string> {
  const { rows } = await f.db.pool.query<{ id: string }>(
    'select coalesce(max(id), 0) as id from qdp.audit_log',
  );
  return rows[0]!.id;
}

async function hasSession(context: BrowserContext): Promise<boolean> {
  return (await context.cookies()).some((c) => c.name === SESSION);
}

/** From the portal's log-in page through the provider's form as `login`, back to the portal. */
async function providerSignIn(page: Page, login: string): Promise<number | undefined> {
  await page.goto(`${f.url}/login`);
  await page.getByRole('link', { name: `Accedi con ${PROVIDER_LABEL}` }).click();
  await page.waitForURL((u) => u.origin === provider.issuer);
  // The provider remembers a signed-in person: its form only shows the first time.
  if (await page.locator('input[name=login]').count()) {
    await page.locator('input[name=login]').fill(login);
    await page.locator('input[name=password]').fill('any');
    const back = page.waitForResponse((r) => r.url().startsWith(`${f.url}/login/oidc/callback`));
    await page.getByRole('button', { name: 'Sign-in' }).click();
    return (await back).status();
  }
  return undefined;
}

/** An administrator signed in with the password alone (the second factor is waived meanwhile). */
async function adminByPassword(): Promise<PortalClient> {
  const admin = new PortalClient(f.url);
  await f.db.pool.query("update qdp.settings set value = '' where key = 'second_factor_roles'");
  try {
    expect((await admin.login(f.users.admin.username, PASSWORD)).status).toBe(303);
  } finally {
    await f.db.pool.query(
      "update qdp.settings set value = 'admin' where key = 'second_factor_roles'",
    );
  }
  return admin;
}

/** The refusal page shows only that: no user, no navigation, no identity, no session. */
async function expectRefused(page: Page, context: BrowserContext, text: string) {
  await expect.poll(() => page.locator('.alert').first().textContent()).toContain(text);
  expect(await page.locator('[data-testid=whoami]').count()).toBe(0);
  expect(await page.locator('nav').count()).toBe(0);
  const html = await page.content();
  expect(html).not.toMatch(/TINIT-/);
  expect(await hasSession(context)).toBe(false);
}

describe('single sign-on', () => {
  it.each(ROLES)('%s signs in through the provider and sees its own portal', async (role) => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const since = await lastAuditId();
    expect(await providerSignIn(page, `sso-${role}`)).toBe(200);
    await page.waitForURL(`${f.url}/quarantene`);
    expect(await page.getByTestId('whoami').textContent()).toContain(
      `(${f.users[role].username}, ${role})`,
    );
    const [signedIn, ...after] = await auditSince(since);
    expect(signedIn).toEqual({
      user_id: String(f.users[role].id),
      action: 'login',
      detail: { method: 'provider' },
    });
    // Then only the list the user landed on (audited with what it showed).
    expect(after.map((r) => `${r.user_id}:${r.action}`)).toEqual([`${f.users[role].id}:list.view`]);
    // A second-factor role signing in through the provider is not asked for a code.
    await context.close();
  });

  it('an unknown identity and a disabled user: the same refusal page, recorded', async () => {
    const since = await lastAuditId();
    const pages = new Set<string>();
    for (const login of ['sso-unknown', 'sso-disabled']) {
      const context = await browser.newContext();
      const page = await context.newPage();
      expect(await providerSignIn(page, login)).toBe(403);
      expect(await page.locator('h1').textContent()).toBe('Accesso non consentito');
      await expectRefused(page, context, 'Questa identità non è abilitata al portale.');
      // The same page to the letter: the reason is only in the audit log (§3).
      pages.add(await page.locator('main').innerHTML());
      await page.goto(`${f.url}/quarantene`);
      expect(new URL(page.url()).pathname).toBe('/login');
      await context.close();
    }
    expect(pages.size).toBe(1);
    // The issuer as registered in the database (without a final slash).
    const issuer = provider.issuer.replace(/\/$/, '');
    expect(await auditSince(since)).toEqual([
      {
        user_id: null,
        action: 'login.refused',
        detail: {
          method: 'provider',
          reason: 'unknown identity',
          issuer,
          claim: TEST_CLAIM,
          identity: 'TINIT-UNKNWN80A01L781X',
        },
      },
      {
        user_id: String(disabledUser),
        action: 'login.refused',
        detail: {
          method: 'provider',
          reason: 'disabled user',
          issuer,
          claim: TEST_CLAIM,
          identity: 'TINIT-DSBLED80A01L781X',
        },
      },
    ]);
  });

  it('a user locked out by wrong passwords still signs in through the provider', async () => {
    // The lock-out counts local credentials (§3): anyone who knows a username can lock it, which
    // must not shut the person out of single sign-on.
    const c = new PortalClient(f.url);
    for (let i = 0; i < 5; i++)
      expect((await c.login(f.users.staff.username, 'a-wrong-password')).status).toBe(401);
    const { rows } = await f.db.pool.query<{ locked: boolean }>(
      'select locked_until > now() as locked from qdp.users where id = $1',
      [f.users.staff.id],
    );
    expect(rows).toEqual([{ locked: true }]);
    const context = await browser.newContext();
    const page = await context.newPage();
    expect(await providerSignIn(page, 'sso-staff')).toBe(200);
    await page.waitForURL(`${f.url}/quarantene`);
    expect(await page.getByTestId('whoami').textContent()).toContain(
      `(${f.users.staff.username}, staff)`,
    );
    await context.close();
  });

  it('a tampered state is refused before the code is spent', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    provider.tamperNextCallback((url) => url.searchParams.set('state', 'another-state'));
    const since = await lastAuditId();
    expect(await providerSignIn(page, 'sso-staff')).toBe(401);
    await expectRefused(page, context, 'Accesso tramite il fornitore di identità non riuscito.');
    expect(await auditSince(since)).toEqual([
      { user_id: null, action: 'login.refused', detail: { method: 'provider', reason: 'flow' } },
    ]);
    await context.close();
  });

  it('a replayed code (with the flow cookie it came with) is refused by the provider', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    let callback: URL | undefined;
    provider.tamperNextCallback((url) => (callback = new URL(url)));
    await page.goto(`${f.url}/login`);
    await page.getByRole('link', { name: `Accedi con ${PROVIDER_LABEL}` }).click();
    await page.waitForURL((u) => u.origin === provider.issuer);
    const flowCookies = (await context.cookies(f.url)).filter((c) => c.name === 'qdp_oidc');
    expect(flowCookies).toHaveLength(1);
    await page.locator('input[name=login]').fill('sso-staff');
    await page.locator('input[name=password]').fill('any');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await page.waitForURL(`${f.url}/quarantene`);
    await context.close();
    const replay = await browser.newContext();
    await replay.addCookies(flowCookies);
    const again = await replay.newPage();
    const since = await lastAuditId();
    expect((await again.goto(callback!.href))?.status()).toBe(401);
    await expectRefused(again, replay, 'Accesso tramite il fornitore di identità non riuscito.');
    expect(await auditSince(since)).toEqual([
      {
        user_id: null,
        action: 'login.refused',
        detail: { method: 'provider', reason: 'provider' },
      },
    ]);
    await replay.close();
  });

  it('an ID token for another client, or an expired one, is refused', async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const edit of [
      (c: Record<string, unknown>) => (c.aud = provider.otherClient.clientId),
      (c: Record<string, unknown>) => {
        c.iat = now - 7200;
        c.exp = now - 3600;
      },
    ]) {
      const context = await browser.newContext();
      const page = await context.newPage();
      provider.tamperNextIdToken(edit);
      const since = await lastAuditId();
      expect(await providerSignIn(page, 'sso-staff')).toBe(401);
      await expectRefused(page, context, 'Accesso tramite il fornitore di identità non riuscito.');
      expect(await auditSince(since)).toEqual([
        { user_id: null, action: 'login.refused', detail: { method: 'provider', reason: 'token' } },
      ]);
      await context.close();
    }
  });

  it('an administrator registers an identity on a user and removes it, audited', async () => {
    const admin = await adminByPassword();
    const issuer = new URL(provider.issuer).href;
    const value = 'TINIT-NEWSTF80A01L781X';
    const since = await lastAuditId();
    const path = `/utenti/${f.users.staff.id}/identita`;
    expect((await admin.post(path, { value }, '/utenti')).status).toBe(303);
    const page = await (await admin.get('/utenti')).text();
    expect(page).toContain(`<code>${value}</code>`);
    // One identity, one user: registering it again (here on another user) is refused.
    const again = await admin.post(`/utenti/${f.users.gp.id}/identita`, { value }, '/utenti');
    expect(again.status).toBe(400);
    expect(await again.text()).toContain('identità già registrata su un utente');
    const removed = await admin.post(
      `${path}/rimuovi`,
      { value, issuer, claim: TEST_CLAIM },
      '/utenti',
    );
    expect(removed.status).toBe(303);
    const detail = { user_id: f.users.staff.id, issuer, claim: TEST_CLAIM, value };
    expect(await auditSince(since)).toEqual([
      { user_id: String(f.users.admin.id), action: 'user.identity-register', detail },
      { user_id: String(f.users.admin.id), action: 'user.identity-remove', detail },
    ]);
    const left = await f.db.pool.query(
      'select count(*)::int as n from qdp.user_identities where value = $1',
      [value],
    );
    expect(left.rows).toEqual([{ n: 0 }]);
  });

  it('the database checks the ID token: after the provider rotated its keys, sign-in waits for an administrator’s refresh', async () => {
    // The database holds another key than the provider signs with, as after a rotation.
    const rotatedAway = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    await f.db.pool.query("select qdp.identity_provider_set($1, $2, $3, $4, 'test')", [
      provider.issuer,
      provider.client.clientId,
      TEST_CLAIM,
      { keys: [{ ...rotatedAway.export({ format: 'jwk' }), kid: 'old', use: 'sig' }] },
    ]);
    const admin = await adminByPassword();
    try {
      const context = await browser.newContext();
      const page = await context.newPage();
      const since = await lastAuditId();
      // openid-client accepts the token (the provider's own key); the database does not.
      expect(await providerSignIn(page, 'sso-staff')).toBe(401);
      await expectRefused(page, context, 'Accesso tramite il fornitore di identità non riuscito.');
      const refused = await auditSince(since);
      expect(refused).toHaveLength(1);
      expect(refused[0]!.action).toBe('login.refused');
      expect((refused[0]!.detail as { reason: string }).reason).toMatch(
        /^signature not made by a registered key of the provider/,
      );
      const before = await (await admin.get('/utenti')).text();
      expect(before).toMatch(
        /data-testid="provider-keys">Chiavi del fornitore \(old\) registrate il [^<]+ da test\.</,
      );
      // Only an administrator's session makes the portal fetch and register the keys.
      const staff = new PortalClient(f.url);
      expect((await staff.login(f.users.staff.username, PASSWORD)).status).toBe(303);
      const refreshedAt = await lastAuditId();
      expect((await staff.post('/utenti/fornitore', {}, '/password')).status).toBe(403);
      expect(await auditSince(refreshedAt)).toEqual([]);
      expect((await admin.post('/utenti/fornitore', {}, '/utenti')).status).toBe(303);
      expect(await auditSince(refreshedAt)).toEqual([
        {
          user_id: String(f.users.admin.id),
          action: 'provider.keys',
          detail: {
            issuer: provider.issuer,
            client_id: provider.client.clientId,
            claim: TEST_CLAIM,
            kids: [provider.keyId],
          },
        },
      ]);
      const after = await (await admin.get('/utenti')).text();
      expect(after).toContain(`Chiavi del fornitore (${provider.keyId}) registrate il `);
      expect(after).toContain(` da ${f.users.admin.username}.`);
      await context.close();
      const again = await browser.newContext();
      const next = await again.newPage();
      expect(await providerSignIn(next, 'sso-staff')).toBe(200);
      await next.waitForURL(`${f.url}/quarantene`);
      expect(await hasSession(again)).toBe(true);
      await again.close();
    } finally {
      await registerTestProvider(f.db.pool, provider);
    }
  });

  it('sign-out ends the portal session and the provider’s (RP-initiated logout)', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    expect(await providerSignIn(page, 'sso-gp')).toBe(200);
    await page.waitForURL(`${f.url}/quarantene`);
    const token = (await context.cookies()).find((c) => c.name === SESSION)!.value;
    await page.getByRole('button', { name: 'Esci' }).click();
    await page.waitForURL((u) => u.origin === provider.issuer);
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.waitForURL(`${f.url}/login`);
    expect(await hasSession(context)).toBe(false);
    const stored = await f.db.pool.query(
      "select count(*)::int as n from qdp.portal_sessions where token_hash = sha256(convert_to($1, 'UTF8'))",
      [token],
    );
    expect(stored.rows).toEqual([{ n: 0 }]);
    // The provider asks who it is again.
    await page.getByRole('link', { name: `Accedi con ${PROVIDER_LABEL}` }).click();
    await page.waitForURL((u) => u.origin === provider.issuer);
    expect(await page.locator('input[name=login]').count()).toBe(1);
    await context.close();
  });
});

describe('second factor (TOTP) for password sign-in', () => {
  // The admin role needs one (second_factor_roles = 'admin' in this fixture).
  let secret: string;
  let recovery: string[];

  async function passwordSignIn(username = f.users.admin.username) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${f.url}/login`);
    await page.getByLabel('Nome utente').fill(username);
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Accedi', exact: true }).click();
    return { context, page };
  }

  async function submitCode(page: Page, code: string): Promise<number> {
    await page.getByLabel('Codice').fill(code);
    const answer = page.waitForResponse(
      (r) => r.request().method() === 'POST' && r.url() === `${f.url}/login/code`,
    );
    await page.getByRole('button', { name: 'Verifica' }).click();
    return (await answer).status();
  }

  it('a role that needs one enrols after the password and sees nothing else first', async () => {
    const { context, page } = await passwordSignIn();
    await page.waitForURL(/\/login\/enrol/);
    expect(await hasSession(context)).toBe(false);
    await page.goto(`${f.url}/quarantene`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.goBack();
    await page.goto(`${f.url}/login/enrol`);
    const src = await page.getByTestId('totp-qr').getAttribute('src');
    expect(src).toMatch(/^data:image\/png;base64,/);
    secret = (await page.getByTestId('totp-secret').textContent())!.replaceAll(' ', '');
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    // A wrong code keeps the page (and counts as a failure).
    await page.getByLabel('Codice').fill(wrongCode(secret));
    await page.getByRole('button', { name: 'Conferma' }).click();
    expect(await page.locator('.alert').first().textContent()).toContain(CODE_FAILED);
    await page.getByLabel('Codice').fill(codeAt(secret));
    await page.getByRole('button', { name: 'Conferma' }).click();
    recovery = (await page.getByTestId('recovery-codes').locator('li').allTextContents()).map((s) =>
      s.trim(),
    );
    expect(recovery).toHaveLength(10);
    await page.getByRole('link', { name: 'Continua' }).click();
    await page.waitForURL(`${f.url}/quarantene`);
    expect(await page.getByTestId('whoami').textContent()).toContain('(t-admin, admin)');
    const stored = await f.db.pool.query(
      'select count(*)::int as n, bool_and(code_params like $2 and length(code_verifier) = 32) as hashed from qdp.user_recovery_codes where user_id = $1',
      [f.users.admin.id, '$argon2id$%'],
    );
    expect(stored.rows).toEqual([{ n: 10, hashed: true }]);
    await context.close();
  });

  it('then a code after the password; a wrong one and a reused one are refused', async () => {
    const next = codeAt(secret, Date.now() + 30_000); // the step after enrolment's
    for (const [code, status] of [
      [wrongCode(secret), 401],
      [next, 303],
    ] as const) {
      const { context, page } = await passwordSignIn();
      await page.waitForURL(/\/login\/code/);
      expect(await hasSession(context)).toBe(false);
      expect(await submitCode(page, code)).toBe(status);
      if (status === 303) {
        await page.waitForURL(`${f.url}/quarantene`);
        expect(await hasSession(context)).toBe(true);
      } else {
        expect(await page.locator('.alert').first().textContent()).toContain(CODE_FAILED);
        expect(await hasSession(context)).toBe(false);
      }
      await context.close();
    }
    const { context, page } = await passwordSignIn();
    await page.waitForURL(/\/login\/code/);
    expect(await submitCode(page, next)).toBe(401);
    expect(await page.locator('.alert').first().textContent()).toContain(CODE_FAILED);
    expect(await hasSession(context)).toBe(false);
    await context.close();
  });

  it('a recovery code signs in once', async () => {
    for (const status of [303, 401]) {
      const { context, page } = await passwordSignIn();
      await page.waitForURL(/\/login\/code/);
      expect(await submitCode(page, recovery[0]!.toUpperCase())).toBe(status);
      expect(await hasSession(context)).toBe(status === 303);
      await context.close();
    }
  });

  it('wrong codes count towards the lock-out; then even the right password fails', async () => {
    await f.db.pool.query("update qdp.settings set value = '3' where key = 'login_max_failures'");
    const { context, page } = await passwordSignIn();
    await page.waitForURL(/\/login\/code/);
    for (let i = 0; i < 3; i++) expect(await submitCode(page, wrongCode(secret))).toBe(401);
    // Locked, which nothing shows (§3): the right code gets the wrong one's page, the step goes
    // on, and a right password is refused like a wrong one.
    expect(await submitCode(page, codeAt(secret, Date.now() + 30_000))).toBe(401);
    expect(await page.locator('h1').textContent()).toBe('Codice di verifica');
    expect(await page.locator('.alert').first().textContent()).toContain(CODE_FAILED);
    expect(await hasSession(context)).toBe(false);
    const { rows } = await f.db.pool.query<{ locked: boolean }>(
      'select locked_until > now() as locked from qdp.users where id = $1',
      [f.users.admin.id],
    );
    expect(rows).toEqual([{ locked: true }]);
    await context.close();
    const again = await passwordSignIn();
    expect(await again.page.locator('.alert').first().textContent()).toContain(
      'Nome utente o password errati',
    );
    expect(new URL(again.page.url()).pathname).toBe('/login');
    await again.context.close();
  });

  it('code attempts count towards the per-address throttle', async () => {
    await f.db.pool.query(
      "update qdp.settings set value = '4' where key = 'login_attempts_per_minute'",
    );
    await f.db.pool.query('delete from qdp.portal_login_attempts');
    const { context, page } = await passwordSignIn(); // attempt 1
    await page.waitForURL(/\/login\/code/);
    expect(await submitCode(page, wrongCode(secret))).toBe(401); // 2
    expect(await submitCode(page, wrongCode(secret))).toBe(401); // 3
    expect(await submitCode(page, wrongCode(secret))).toBe(401); // 4
    expect(await submitCode(page, codeAt(secret, Date.now() + 30_000))).toBe(429);
    expect(await page.locator('.alert').first().textContent()).toContain('Troppi tentativi');
    expect(await hasSession(context)).toBe(false);
    await context.close();
  });

  it('an administrator resets a second factor (audited): the user enrols again', async () => {
    // The admin signs in with the password alone here: staff is the role that needs a factor.
    await f.db.pool.query(
      "update qdp.settings set value = 'staff' where key = 'second_factor_roles'",
    );
    await f.db.pool.query('delete from qdp.user_second_factors where user_id = $1', [
      f.users.admin.id,
    ]);
    await f.db.pool.query(
      "insert into qdp.user_second_factors (user_id, secret_sealed, confirmed_at) values ($1, qdp_crypto.pgp_sym_encrypt_bytea($2, 'any key of 32 characters or more.'), now())",
      [f.users.staff.id, Buffer.alloc(20)],
    );
    try {
      const staff = new PortalClient(f.url);
      expect((await staff.login(f.users.staff.username, PASSWORD)).headers.get('location')).toBe(
        '/login/code?next=%2Fquarantene',
      );
      const admin = new PortalClient(f.url);
      expect((await admin.login(f.users.admin.username, PASSWORD)).status).toBe(303);
      const since = await lastAuditId();
      const reset = await admin.post(`/utenti/${f.users.staff.id}/second-factor`, {}, '/utenti');
      expect(reset.status).toBe(303);
      expect(await auditSince(since)).toEqual([
        {
          user_id: String(f.users.admin.id),
          action: 'user.second-factor',
          detail: { username: f.users.staff.username },
        },
      ]);
      expect((await staff.login(f.users.staff.username, PASSWORD)).headers.get('location')).toBe(
        '/login/enrol?next=%2Fquarantene',
      );
    } finally {
      await f.db.pool.query(
        "update qdp.settings set value = 'admin' where key = 'second_factor_roles'",
      );
    }
  });
});

describe('a second factor of one’s own accord', () => {
  it('is refused with its page while the account is locked out (wrong passwords typed elsewhere)', async () => {
    const staff = f.users.staff;
    const c = new PortalClient(f.url);
    try {
      expect((await c.login(staff.username, PASSWORD)).status).toBe(303);
      await f.db.pool.query(
        "update qdp.users set locked_until = now() + interval '10 minutes' where id = $1",
        [staff.id],
      );
      // The user's steps as they were (earlier tests may have left one): no step begins.
      const steps = async () =>
        (
          await f.db.pool.query(
            'select token_hash, next from qdp.portal_sign_in_steps where user_id = $1 order by token_hash',
            [staff.id],
          )
        ).rows;
      const before = await steps();
      const refused = await c.post('/password/secondo-fattore', {}, '/password');
      expect(refused.status).toBe(409);
      expect(await refused.text()).toContain(
        'Il secondo fattore non si può attivare ora: l’account è bloccato per troppi tentativi errati. Riprova più tardi.',
      );
      expect(await steps()).toEqual(before);
    } finally {
      await f.db.pool.query('update qdp.users set locked_until = null where id = $1', [staff.id]);
    }
  });

  it('a local account whose role needs none turns it on from its password page', async () => {
    const staff = f.users.staff;
    const c = new PortalClient(f.url);
    try {
      expect((await c.login(staff.username, PASSWORD)).status).toBe(303);
      expect(await (await c.get('/password')).text()).toContain(
        'data-testid="own-second-factor">Il tuo ruolo non richiede un secondo fattore',
      );
      const begun = await c.post('/password/secondo-fattore', {}, '/password');
      expect(begun.status).toBe(303);
      expect(begun.headers.get('location')).toBe('/login/enrol?next=%2Fpassword');
      const enrol = await (await c.get('/login/enrol?next=%2Fpassword')).text();
      const secret = /data-testid="totp-secret">([^<]+)</.exec(enrol)![1]!.replaceAll(' ', '');
      const before = c.cookies.get(SESSION);
      const sessionsOfBefore = async () =>
        (
          await f.db.pool.query(
            'select count(*)::int as n from qdp.portal_sessions where token_hash = $1',
            [createHash('sha256').update(before!).digest()],
          )
        ).rows;
      expect(await sessionsOfBefore()).toEqual([{ n: 1 }]);
      const since = await lastAuditId();
      const done = await c.post(
        '/login/enrol',
        { code: codeAt(secret), next: '/password' },
        '/password',
      );
      expect(done.status).toBe(200);
      expect(await done.text()).toContain('data-testid="recovery-codes"');
      // A new session replaced the one the enrolment began in, which ended.
      expect(c.cookies.get(SESSION)).not.toBe(before);
      expect(await sessionsOfBefore()).toEqual([{ n: 0 }]);
      expect(await auditSince(since)).toEqual([
        {
          user_id: String(staff.id),
          action: 'login',
          detail: { method: 'password+totp (enrolled)' },
        },
      ]);
      expect(await (await c.get('/password')).text()).toContain(
        'data-testid="own-second-factor">Il secondo fattore (app di autenticazione) è attivo',
      );
      // From now on the password leads to the code.
      const next = new PortalClient(f.url);
      const signedIn = await next.login(staff.username, PASSWORD);
      expect(signedIn.headers.get('location')).toMatch(/^\/login\/code/);
    } finally {
      await f.db.pool.query('delete from qdp.user_second_factors where user_id = $1', [staff.id]);
      await f.db.pool.query('delete from qdp.user_recovery_codes where user_id = $1', [staff.id]);
    }
  });
});

describe('nothing learned from a failed password (§3)', () => {
  it('an unknown user, a wrong password and a locked account: same message, status and time', async () => {
    await f.db.pool.query(
      "update qdp.users set locked_until = now() + interval '10 minutes' where id = $1",
      [f.users.municipality.id],
    );
    const c = new PortalClient(f.url);
    const { times, answers, hashTime } = await measureAttempts(
      {
        unknown: () => c.login('nobody-at-all', 'a-wrong-password'),
        wrong: () => c.login(f.users.prefecture.username, 'a-wrong-password'),
        lockedWrong: () => c.login(f.users.municipality.username, 'a-wrong-password'),
        lockedRight: () => c.login(f.users.municipality.username, PASSWORD),
        disabled: () => c.login('t-disabled', PASSWORD),
      },
      // Below the lock-out: the wrong password's user must not lock during the measurement.
      () =>
        f.db.pool.query('update qdp.users set failed_logins = 0 where id = $1', [
          f.users.prefecture.id,
        ]),
    );
    expect(answers).toEqual([
      '401 Accesso: Nome utente o password errati, oppure utente bloccato.',
    ]);
    // The answers' medians differ by less than one Argon2id hash (measured here, on this machine).
    expect(spread(times)).toBeLessThan(hashTime);
    expect(c.cookies.has(SESSION)).toBe(false);
  });
});

describe('nothing learned from a failed code (§3)', () => {
  /** A new local account (its role needs a second factor) at its enrolment page. */
  async function atEnrolment(username: string) {
    const { rows } = await f.db.pool.query<{ id: string }>(
      `insert into qdp.users (username, display_name, role, password_hash)
       values ($1, $1, 'admin', $2) returning id`,
      [username, await hashPassword(PASSWORD)],
    );
    const c = new PortalClient(f.url);
    expect((await c.login(username, PASSWORD)).headers.get('location')).toBe(
      '/login/enrol?next=%2Fquarantene',
    );
    const enrol = await (await c.get('/login/enrol')).text();
    const secret = /data-testid="totp-secret">([^<]+)</.exec(enrol)![1]!.replaceAll(' ', '');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(enrol)![1]!;
    const submit = (code: string) => c.request('POST', '/login/enrol', { code, _csrf: csrf });
    return { id: Number(rows[0]!.id), username, secret, submit };
  }

  /** A new local account enrolled through the pages: its TOTP secret and recovery codes. */
  async function enrolledUser(username: string) {
    const { id, secret, submit } = await atEnrolment(username);
    const done = await (await submit(codeAt(secret))).text();
    const recovery = [...done.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1]!);
    expect(recovery).toHaveLength(10);
    return { id, username, secret, recovery };
  }

  it('at enrolment: a wrong code, and the right one of a user locked out or disabled meanwhile, get the same page', async () => {
    const open = await atEnrolment('t-enrol-open');
    const locked = await atEnrolment('t-enrol-locked');
    const disabled = await atEnrolment('t-enrol-disabled');
    await f.db.pool.query(
      "update qdp.users set locked_until = now() + interval '10 minutes' where id = $1",
      [locked.id],
    );
    await f.db.pool.query('update qdp.users set disabled = true where id = $1', [disabled.id]);
    const answers = new Set<string>();
    for (const [user, code] of [
      [open, wrongCode(open.secret)],
      [locked, codeAt(locked.secret)],
      [disabled, codeAt(disabled.secret)],
    ] as const) {
      const response = await user.submit(code);
      const html = await response.text();
      const title = /<h1[^>]*>([^<]*)</.exec(html)?.[1];
      const alert = /<div class="alert[^>]*>([^<]*)</.exec(html)?.[1];
      answers.add(`${response.status} ${title}: ${alert}`);
      // The same secret shown again, to be confirmed with the next code.
      const shown = /data-testid="totp-secret">([^<]+)</.exec(html)?.[1]?.replaceAll(' ', '');
      expect(shown).toBe(user.secret);
    }
    expect([...answers]).toEqual([`401 Configura il secondo fattore: ${CODE_FAILED}`]);
    const { rows } = await f.db.pool.query(
      `select count(*)::int as n from qdp.user_second_factors
       where user_id = any($1) and confirmed_at is not null`,
      [[open.id, locked.id, disabled.id]],
    );
    expect(rows).toEqual([{ n: 0 }]);
  });

  /** A browser-like client at the code step of `username` (a right password given). */
  async function atCodeStep(username: string) {
    const c = new PortalClient(f.url);
    expect((await c.login(username, PASSWORD)).headers.get('location')).toBe(
      '/login/code?next=%2Fquarantene',
    );
    const csrf = await c.csrf('/login/code');
    return (code: string) => c.request('POST', '/login/code', { code, _csrf: csrf });
  }

  it('a wrong code, and any code of a user locked out or disabled meanwhile: same message, status and time', async () => {
    const open = await enrolledUser('t-code-open');
    const locked = await enrolledUser('t-code-locked');
    const disabled = await enrolledUser('t-code-disabled');
    const openStep = await atCodeStep(open.username);
    const lockedStep = await atCodeStep(locked.username);
    const disabledStep = await atCodeStep(disabled.username);
    // Locked out and disabled after their right password, at the code step.
    await f.db.pool.query(
      "update qdp.users set locked_until = now() + interval '10 minutes' where id = $1",
      [locked.id],
    );
    await f.db.pool.query('update qdp.users set disabled = true where id = $1', [disabled.id]);
    const since = await lastAuditId();
    const [unknownSelector] = newRecoveryCodes(1);
    // The open user's first recovery code with another last group: its selector, a wrong code.
    const wrongRecovery = open.recovery[0]!.replace(/-[a-z2-9]{4}$/, (g) =>
      g === '-2222' ? '-3333' : '-2222',
    );
    // Which kind of code was typed is the client's own choice: a recovery code costs one
    // Argon2id hash more than a TOTP code, so each kind is compared with itself.
    const groups = {
      totp: {
        wrong: () => openStep(wrongCode(open.secret)),
        lockedWrong: () => lockedStep(wrongCode(locked.secret)),
        lockedRight: () => lockedStep(codeAt(locked.secret)),
        disabledRight: () => disabledStep(codeAt(disabled.secret)),
      },
      recovery: {
        unknownSelector: () => openStep(unknownSelector!.code),
        wrong: () => openStep(wrongRecovery),
        lockedRight: () => lockedStep(locked.recovery[0]!),
        disabledRight: () => disabledStep(disabled.recovery[0]!),
      },
    };
    const resetOpen = () =>
      f.db.pool.query('update qdp.users set failed_logins = 0 where id = $1', [open.id]);
    for (const attempts of Object.values(groups)) {
      const { times, answers, hashTime } = await measureAttempts(attempts, resetOpen);
      expect(answers).toEqual([`401 Codice di verifica: ${CODE_FAILED}`]);
      expect(spread(times)).toBeLessThan(hashTime);
    }
    // Nothing was accepted or used, and the locked and disabled users' failures were not counted
    // (the open user's, counted, are reset after each round: resetOpen).
    const { rows } = await f.db.pool.query(
      `select u.username, u.failed_logins, u.locked_until is not null as locked,
              (select count(*)::int from qdp.user_recovery_codes r
               where r.user_id = u.id and r.used_at is null) as unused,
              (select count(*)::int from qdp.portal_sessions s where s.user_id = u.id) as sessions
       from qdp.users u where u.id = any($1) order by u.id`,
      [[open.id, locked.id, disabled.id]],
    );
    expect(rows).toEqual([
      { username: open.username, failed_logins: 0, locked: false, unused: 10, sessions: 1 },
      { username: locked.username, failed_logins: 0, locked: true, unused: 10, sessions: 1 },
      { username: disabled.username, failed_logins: 0, locked: false, unused: 10, sessions: 1 },
    ]);
    // Each failure audited with its method and, for a user who could not sign in anyway, the
    // reason the answer never says.
    const tally: Record<string, number> = {};
    for (const { user_id, action, detail } of await auditSince(since)) {
      const { method, reason } = detail as { method: string; reason?: string };
      const key = `${user_id}:${action}:${method}:${reason ?? '-'}`;
      tally[key] = (tally[key] ?? 0) + 1;
    }
    const rounds = ROUNDS + 1;
    expect(tally).toEqual({
      [`${open.id}:login.failed:code:-`]: rounds,
      [`${locked.id}:login.failed:code:locked`]: 2 * rounds,
      [`${disabled.id}:login.failed:code:disabled user`]: rounds,
      [`${open.id}:login.failed:recovery:-`]: 2 * rounds,
      [`${locked.id}:login.failed:recovery:locked`]: rounds,
      [`${disabled.id}:login.failed:recovery:disabled user`]: rounds,
    });
  });
});

/** How many times each attempt is measured (after one round not counted, which warms up). */
const ROUNDS = 21;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The largest difference between two attempts' median times. */
function spread(times: Record<string, number[]>): number {
  const medians = Object.values(times).map(median);
  return Math.max(...medians) - Math.min(...medians);
}

/**
 * Runs every attempt once a round, each in turn first, for a warm-up round and ROUNDS measured
 * ones (then `afterRound`): each attempt's times, every distinct answer (status, title and
 * alert), and the median time of one Argon2id hash measured in the same rounds, under the same
 * load of this shared machine, as the attempts it is compared with.
 */
async function measureAttempts(
  attempts: Record<string, () => Promise<Response>>,
  afterRound: () => Promise<unknown>,
) {
  const times: Record<string, number[]> = {};
  const answers = new Set<string>();
  const hashTimes: number[] = [];
  const entries = Object.entries(attempts);
  for (let round = -1; round < ROUNDS; round++) {
    // Each round begins with the next attempt, so that none is always first after the hash.
    const first = (round + entries.length) % entries.length;
    const order = [...entries.slice(first), ...entries.slice(0, first)];
    for (const [name, attempt] of order) {
      const started = performance.now();
      const response = await attempt();
      if (round >= 0) (times[name] ??= []).push(performance.now() - started);
      const html = await response.text();
      const title = /<h1[^>]*>([^<]*)</.exec(html)?.[1];
      const alert = /<div class="alert[^>]*>([^<]*)</.exec(html)?.[1];
      answers.add(`${response.status} ${title}: ${alert}`);
    }
    const started = performance.now();
    await hashPassword('x'.repeat(20));
    if (round >= 0) hashTimes.push(performance.now() - started);
    await afterRound();
  }
  return { times, answers: [...answers], hashTime: median(hashTimes) };
}

/** A 6-digit code that is not right for `secret` anywhere in the accepted window. */
function wrongCode(secret: string): string {
  const now = Date.now();
  const right = new Set([-2, -1, 0, 1, 2].map((d) => codeAt(secret, now + d * 30_000)));
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, '0');
    if (!right.has(code)) return code;
  }
}
