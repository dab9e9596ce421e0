// The portal in local mode (npm start): its own login role on the local database, member of
// qdp_portal and not a superuser; the demo users log in with the demo password (then enrol a
// second factor: every role needs one by default) or through the demo identity provider.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, seedDemoUsers } from '../../local/demo.ts';
import { freePort } from '../../local/embedded.ts';
import { startLocalSignIn } from '../../local/identity-provider.ts';
import type { RunningPortal } from '../../portal/main.ts';
import { LOCAL_PORTAL_LOGIN, startLocalPortal } from '../../portal/local.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { PortalClient } from './http-client.ts';
import { signInAtProvider } from './identity-provider.ts';

let db: TestDatabase;
let portal: RunningPortal;
let signIn: Awaited<ReturnType<typeof startLocalSignIn>>;
const printed: string[] = [];

beforeAll(async () => {
  db = await createTestDatabase();
  await seedDemoUsers(db.pool);
  const port = String(await freePort());
  signIn = await startLocalSignIn(db.pool, { QDP_PORTAL_PORT: port }, (line) => printed.push(line));
  portal = await startLocalPortal(db.pool, { QDP_PORTAL_PORT: port, ...signIn.env });
});

afterAll(async () => {
  await portal?.close();
  await signIn?.close();
  await db?.drop();
});

/** Through the portal's provider button and the demo provider's form, back to the portal. */
async function providerSignIn(login: string): Promise<{ c: PortalClient; callback: Response }> {
  const c = new PortalClient(portal.url);
  const start = await c.get('/login/oidc');
  expect(start.status).toBe(303);
  const back = await signInAtProvider(new URL(start.headers.get('location')!), login);
  return { c, callback: await c.get(back.pathname + back.search) };
}

describe('startLocalPortal', () => {
  it('connects as a login role that is a member of qdp_portal, never a superuser', async () => {
    const { rows } = await portal.pool.query(
      "select current_user as who, (select rolsuper from pg_roles where rolname = current_user) as super, pg_has_role(current_user, 'qdp_portal', 'member') as member",
    );
    expect(rows).toEqual([{ who: LOCAL_PORTAL_LOGIN, super: false, member: true }]);
  });

  it('the demo password over plain HTTP on localhost leads to enrolling a second factor', async () => {
    expect(portal.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const c = new PortalClient(portal.url);
    const r = await c.login('comune', DEMO_PASSWORD);
    expect(r.status).toBe(303);
    expect(r.headers.get('location')).toBe('/login/enrol?next=%2Fquarantene');
    expect((await c.get('/login/enrol')).status).toBe(200);
  });

  it('the demo identity provider signs a demo identity in as its demo user', async () => {
    expect(printed[0]).toBe(
      `demo identity provider: ${signIn.env.QDP_PORTAL_OIDC_ISSUER} (OpenID Connect, any password)`,
    );
    expect(printed).toContain('    sso-comune       → comune');
    const { c, callback } = await providerSignIn('sso-comune');
    expect(callback.status).toBe(200);
    const html = await (await c.get('/quarantene')).text();
    expect(html).toContain('(comune, municipality)');
    expect(html).toContain('Nessuna importazione pubblicata.');
  });

  it('its identity nobody registered is refused', async () => {
    const { c, callback } = await providerSignIn('sso-sconosciuto');
    expect(callback.status).toBe(403);
    expect((await c.get('/quarantene')).headers.get('location')).toBe('/login?next=%2Fquarantene');
  });
});
