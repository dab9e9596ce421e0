// End to end in a real Chromium, per role: exactly which rows and fields the list and the patient
// page show, another scope's patient by URL (not found, nothing leaked), the export and the views
// in the audit, every dashboard drawn, and a held import published by an administrator becoming
// what everyone sees. Screenshots of every page per role go to test-results/portal/.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionSeal } from '../../portal/common.ts';
import { launchChromium, logInWithForm } from './browser.ts';
import { PASSWORD, startPortalFixture, type PortalFixture, type RoleKey } from './support.ts';

const SHOTS = path.resolve('test-results', 'portal');
const ALL = [
  'fiscal_code',
  'surname',
  'name',
  'birth_date',
  'residence_name',
  'address',
  'phone',
  'gp_name',
  'reason',
  'start_date',
  'end_date',
  'change',
];
const EXPECTED_LIST_COLUMNS: Record<RoleKey, string[]> = {
  admin: ALL,
  staff: ALL,
  gp: ALL,
  prefecture: ALL.filter((c) => !['phone', 'gp_name', 'reason'].includes(c)),
  municipality: ALL.filter((c) => !['gp_name', 'reason'].includes(c)),
};
const DETAIL_ALL = [
  'fiscal_code',
  'surname',
  'name',
  'sex',
  'birth_date',
  'residence_name',
  'residence_istat',
  'address',
  'phone',
  'gp_code',
  'gp_name',
  'reason',
  'start_date',
  'end_date',
  'change',
];
const EXPECTED_DETAIL_FIELDS: Record<RoleKey, string[]> = {
  admin: DETAIL_ALL,
  staff: DETAIL_ALL,
  gp: DETAIL_ALL,
  prefecture: DETAIL_ALL.filter((c) => !['phone', 'gp_code', 'gp_name', 'reason'].includes(c)),
  municipality: DETAIL_ALL.filter((c) => !['gp_code', 'gp_name', 'reason'].includes(c)),
};
const ROLES: RoleKey[] = ['admin', 'staff', 'prefecture', 'municipality', 'gp'];

let f: PortalFixture;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
  f = await startPortalFixture({ rows: 300 });
  await mkdir(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await f?.close();
});

/** The SQL scope of a role, as the superuser computes it independently of the portal. */
function scopeWhere(role: RoleKey): { sql: string; params: unknown[] } {
  if (role === 'municipality') return { sql: 'residence_istat = $2', params: [f.istat] };
  if (role === 'gp') return { sql: 'gp_code = $2', params: [f.gp] };
  return { sql: 'true', params: [] };
}

async function latestId(): Promise<number> {
  return Number((await f.db.pool.query('select qdp.latest_import_id() as id')).rows[0].id);
}

async function expectedPage(role: RoleKey): Promise<string[]> {
  const { sql, params } = scopeWhere(role);
  const { rows } = await f.db.pool.query(
    `select fiscal_code from qdp.quarantines where import_id = $1 and ${sql} order by fiscal_code limit 50`,
    [await latestId(), ...params],
  );
  return rows.map((r) => r.fiscal_code as string);
}

async function logIn(role: RoleKey): Promise<{ context: BrowserContext; page: Page }> {
  const {
    context,
    page,
    consoleErrors: errors,
  } = await logInWithForm(browser, f.url, f.users[role].username, PASSWORD, {
    acceptDownloads: true,
  });
  (page as unknown as { qdpErrors: string[] }).qdpErrors = errors;
  return { context, page };
}

const consoleErrors = (page: Page) => (page as unknown as { qdpErrors: string[] }).qdpErrors;

async function shot(page: Page, role: string, name: string): Promise<void> {
  await page.screenshot({ path: path.join(SHOTS, `${role}-${name}.png`), fullPage: true });
}

describe.each(ROLES)('as %s', (role) => {
  it('the list shows exactly the scope rows and the role fields; the patient page the role fields and the timeline', async () => {
    const { context, page } = await logIn(role);
    try {
      await shot(page, role, 'list');
      const headers = await page
        .locator('[data-testid=quarantine-list] thead th')
        .evaluateAll((ths) => ths.map((th) => th.getAttribute('data-column')));
      expect(headers).toEqual(EXPECTED_LIST_COLUMNS[role]);
      const codes = await page
        .locator('[data-testid=quarantine-list] tbody tr')
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-fiscal-code')));
      const expected = await expectedPage(role);
      expect(expected.length).toBeGreaterThan(0);
      expect(codes).toEqual(expected);
      await expect(page.getByTestId('data-note').textContent()).resolves.toContain(
        `importazione ${await latestId()}`,
      );

      // The first person's page.
      await page.locator('[data-testid=quarantine-list] tbody tr').first().locator('a').click();
      await page.waitForURL(/\/persone\//);
      await shot(page, role, 'patient');
      const fields = await page
        .locator('[data-testid=patient-fields] dt')
        .evaluateAll((dts) => dts.map((dt) => dt.getAttribute('data-field')));
      expect(fields).toEqual(EXPECTED_DETAIL_FIELDS[role]);
      const timeline = await page.locator('[data-testid=timeline] tbody tr').count();
      const history = await f.db.pool.query(
        "select count(*)::int as n from qdp.quarantines q join qdp.imports i on i.id = q.import_id and i.status = 'published' where q.fiscal_code = $1",
        [expected[0]],
      );
      expect(timeline).toBe(history.rows[0].n);
      expect(timeline).toBeGreaterThan(0);
      expect(consoleErrors(page)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("another scope's patient, or one absent from the latest import, is not found and nothing leaks", async () => {
    const { context, page } = await logIn(role);
    try {
      const { sql, params } = scopeWhere(role);
      // Outside the scope (municipality, GP) or only in an earlier import (everyone).
      const { rows } = await f.db.pool.query(
        role === 'municipality' || role === 'gp'
          ? `select fiscal_code, surname from qdp.quarantines where import_id = $1 and not (${sql}) limit 1`
          : `select fiscal_code, surname from qdp.quarantines where import_id = $1
               and fiscal_code not in (select fiscal_code from qdp.quarantines where import_id = $2) limit 1`,
        role === 'municipality' || role === 'gp'
          ? [await latestId(), ...params]
          : [f.imports[0], await latestId()],
      );
      const other = rows[0]!;
      // The link as the portal would seal it for this session: only the database can refuse it.
      const session = (await context.cookies()).find((c) => c.name === 'qdp_session')!.value;
      const sealed = new SessionSeal(f.config.cookieSecret, session).seal(
        'patient',
        other.fiscal_code,
      );
      const response = await page.goto(`${f.url}/persone/${sealed}`);
      expect(response!.status()).toBe(404);
      await shot(page, role, 'not-found');
      const body = await page.locator('main').innerText();
      expect(body).not.toContain(other.surname);
      expect(body).not.toContain(other.fiscal_code);
      const audited = await f.db.pool.query(
        "select count(*)::int as n from qdp.audit_log where action = 'patient.view' and fiscal_code = $1",
        [other.fiscal_code],
      );
      expect(audited.rows[0].n).toBe(0);
    } finally {
      await context.close();
    }
  });

  it('every dashboard draws data', async () => {
    const { context, page } = await logIn(role);
    try {
      await page.goto(`${f.url}/cruscotti`);
      await page.waitForSelector('body[data-charts-drawn]');
      const canvases = await page.locator('canvas[data-chart]').count();
      const drawn = await page.locator('canvas[data-drawn=true]').count();
      expect(canvases).toBe({ admin: 6, staff: 5, prefecture: 3, municipality: 3, gp: 4 }[role]);
      expect(drawn).toBe(canvases);
      const ids = await page
        .locator('canvas[data-chart]')
        .evaluateAll((cs) => cs.map((c) => c.getAttribute('data-chart')));
      for (const id of ids) {
        const cells = await page.locator(`[data-testid=table-${id}] tbody td`).allTextContents();
        expect(cells.length, `${role} ${id}`).toBeGreaterThan(0);
        expect(
          cells.some((c) => Number(c) > 0),
          `${role} ${id} has data`,
        ).toBe(true);
      }
      expect(ids.includes('by-municipality'), role).toBe(true);
      expect(ids.includes('reasons')).toBe(['admin', 'staff', 'gp'].includes(role));
      expect(ids.includes('gp-load')).toBe(['admin', 'staff'].includes(role));
      expect(ids.includes('accesses')).toBe(role === 'admin');
      if (role === 'gp') {
        // The GP's own patients by municipality, as the superuser counts them from the quarantines.
        const { rows } = await f.db.pool.query(
          `select coalesce(m.name, q.residence_istat) as name, count(*)::text as people
           from qdp.quarantines q left join qdp.municipalities m on m.istat_code = q.residence_istat
           where q.import_id = $1 and q.gp_code = $2
           group by q.residence_istat, m.name order by count(*) desc, 1 limit 30`,
          [await latestId(), f.gp],
        );
        expect(rows.length).toBeGreaterThan(1);
        const drawnRows = await page
          .locator('[data-testid=table-by-municipality] tbody tr')
          .evaluateAll((trs) =>
            trs.map((tr) => ({
              name: tr.querySelector('th')?.textContent ?? '',
              people: tr.querySelector('td')?.textContent ?? '',
            })),
          );
        expect(drawnRows).toEqual(rows);
      }
      await shot(page, role, 'dashboards');
      await page.goto(`${f.url}/importazioni`);
      await shot(page, role, 'imports');
      const importRows = await page.locator('[data-testid=imports] tbody tr').count();
      expect(importRows).toBe(role === 'admin' ? 4 : 1);
      await page.goto(`${f.url}/password`);
      await shot(page, role, 'password');
      expect(consoleErrors(page)).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

// The WCAG audit itself (axe-core on every page of every role, keyboard order, phone layout) is
// test/portal/accessibility.test.ts; these two follow a user's path through the portal.
describe('keyboard and phone', () => {
  it('logs in and reaches a patient with the keyboard only', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    try {
      await page.goto(`${f.url}/login`);
      await page.keyboard.press('Tab'); // skip link
      await page.keyboard.press('Tab'); // language link
      await page.keyboard.press('Tab');
      await page.keyboard.type(f.users.staff.username);
      await page.keyboard.press('Tab');
      await page.keyboard.type(PASSWORD);
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/quarantene/);
      await page.locator('[data-testid=quarantine-list] tbody a').first().focus();
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/persone\//);
    } finally {
      await context.close();
    }
  });

  it('fits a phone screen', async () => {
    const { context, page } = await logInWithForm(browser, f.url, f.users.gp.username, PASSWORD, {
      viewport: { width: 375, height: 740 },
      isMobile: true,
    });
    try {
      // The page itself does not scroll sideways (the table scrolls inside its own box).
      const overflow = await page.evaluate<number>(
        'document.documentElement.scrollWidth - document.documentElement.clientWidth',
      );
      expect(overflow).toBeLessThanOrEqual(0);
      await shot(page, 'gp', 'list-phone');
    } finally {
      await context.close();
    }
  });
});

describe('audit, export, imports', () => {
  it("a municipality's export and patient view appear in the administrator's audit view", async () => {
    const mun = await logIn('municipality');
    let exportedLines: number | undefined;
    let viewed: string | undefined;
    try {
      const [download] = await Promise.all([
        mun.page.waitForEvent('download'),
        mun.page.getByRole('button', { name: 'Esporta CSV' }).click(),
      ]);
      const file = await download.path();
      const text = await (await import('node:fs/promises')).readFile(file, 'utf8');
      const lines = text.trim().split('\r\n');
      const { sql, params } = scopeWhere('municipality');
      const total = await f.db.pool.query(
        `select count(*)::int as n from qdp.quarantines where import_id = $1 and ${sql}`,
        [await latestId(), ...params],
      );
      expect(lines.length - 1).toBe(total.rows[0].n);
      expect(lines[0]!.replace(/^\uFEFF/, '')).toBe(EXPECTED_LIST_COLUMNS.municipality.join(';'));
      exportedLines = lines.length - 1;
      await mun.page.locator('[data-testid=quarantine-list] tbody tr').nth(1).locator('a').click();
      await mun.page.waitForURL(/\/persone\//);
      viewed = (await mun.page.locator('[data-value=fiscal_code]').innerText()).trim();
      expect(mun.page.url()).not.toContain(viewed);
    } finally {
      await mun.context.close();
    }
    const admin = await logIn('admin');
    try {
      // The audit view's filters are a form (posted, then redirected with the user sealed).
      await admin.page.goto(`${f.url}/registro`);
      await admin.page.locator('#a-user').fill(f.users.municipality.username);
      await admin.page.getByRole('button', { name: 'Filtra' }).click();
      await admin.page.waitForURL(/\/registro\?sealed=/);
      expect(admin.page.url()).not.toContain(f.users.municipality.username);
      await shot(admin.page, 'admin', 'audit');
      const actions = await admin.page
        .locator('[data-testid=audit] tbody tr')
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-action')));
      expect(actions).toContain('list.export');
      expect(actions).toContain('patient.view');
      await admin.page.locator('#a-user').fill('');
      await admin.page.locator('#a-cf').fill(viewed!);
      await admin.page.getByRole('button', { name: 'Filtra' }).click();
      await admin.page.waitForURL(
        (u) => u.pathname === '/registro' && u.search.includes('sealed='),
      );
      expect(admin.page.url()).not.toContain(viewed);
      const rows = await admin.page.locator('[data-testid=audit] tbody tr').allInnerTexts();
      expect(
        rows.some((r) => r.includes(f.users.municipality.username) && r.includes('patient.view')),
      ).toBe(true);
      const logged = await f.db.pool.query(
        "select detail from qdp.audit_log where action = 'list.export' and username = $1",
        [f.users.municipality.username],
      );
      expect(logged.rows.map((r) => r.detail.rows)).toEqual([exportedLines]);
      await admin.page.goto(`${f.url}/utenti`);
      await shot(admin.page, 'admin', 'users');
    } finally {
      await admin.context.close();
    }
  });

  it('English is available on every page', async () => {
    const { context, page } = await logIn('staff');
    try {
      await page.goto(`${f.url}/quarantene?lang=en`);
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
      await expect(page.locator('h1').first().innerText()).resolves.toBe('Quarantine list');
      await page.goto(`${f.url}/cruscotti`);
      await expect(page.locator('h1').first().innerText()).resolves.toBe('Dashboards');
      await shot(page, 'staff', 'dashboards-en');
    } finally {
      await context.close();
    }
  });

  it('a held import published by an administrator becomes what the others see', async () => {
    const before = await latestId();
    const admin = await logIn('admin');
    try {
      await admin.page.goto(`${f.url}/importazioni`);
      const held = admin.page.locator(`tr[data-import-id="${f.heldImport}"]`);
      await expect(held.getAttribute('data-status')).resolves.toBe('held');
      await held.locator('button[data-action=publish]').click();
      await admin.page.waitForURL(/done=1/);
      await shot(admin.page, 'admin', 'imports-published');
    } finally {
      await admin.context.close();
    }
    expect(before).not.toBe(f.heldImport);
    expect(await latestId()).toBe(f.heldImport);
    const audited = await f.db.pool.query(
      "select username from qdp.audit_log where action = 'import.publish' and import_id = $1",
      [f.heldImport],
    );
    expect(audited.rows).toEqual([{ username: f.users.admin.username }]);
    for (const role of ['staff', 'gp'] as const) {
      const { context, page } = await logIn(role);
      try {
        await expect(page.getByTestId('data-note').textContent()).resolves.toContain(
          `importazione ${f.heldImport}`,
        );
        const codes = await page
          .locator('[data-testid=quarantine-list] tbody tr')
          .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-fiscal-code')));
        expect(codes).toEqual(await expectedPage(role));
      } finally {
        await context.close();
      }
    }
  });
});
