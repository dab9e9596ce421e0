// The portal in local mode (npm start): its own login role on the local database, member of
// qdp_portal and not a superuser; the demo users log in with the demo password.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_PASSWORD, seedDemoUsers } from '../../local/demo.ts';
import type { RunningPortal } from '../../portal/main.ts';
import { LOCAL_PORTAL_LOGIN, startLocalPortal } from '../../portal/local.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { PortalClient } from './http-client.ts';

let db: TestDatabase;
let portal: RunningPortal;

beforeAll(async () => {
  db = await createTestDatabase();
  await seedDemoUsers(db.pool);
  portal = await startLocalPortal(db.pool, { QDP_PORTAL_PORT: '0' });
});

afterAll(async () => {
  await portal?.close();
  await db?.drop();
});

describe('startLocalPortal', () => {
  it('connects as a login role that is a member of qdp_portal, never a superuser', async () => {
    const { rows } = await portal.pool.query(
      "select current_user as who, (select rolsuper from pg_roles where rolname = current_user) as super, pg_has_role(current_user, 'qdp_portal', 'member') as member",
    );
    expect(rows).toEqual([{ who: LOCAL_PORTAL_LOGIN, super: false, member: true }]);
  });

  it('serves the demo users with the demo password over plain HTTP on localhost', async () => {
    expect(portal.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const c = new PortalClient(portal.url);
    const r = await c.login('comune', DEMO_PASSWORD);
    expect(r.status).toBe(303);
    const html = await (await c.get('/quarantene')).text();
    expect(html).toContain('(comune, municipality)');
    expect(html).toContain('Nessuna importazione pubblicata.');
  });
});
