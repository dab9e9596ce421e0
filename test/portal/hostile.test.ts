// Hostile values, end to end: a daily file whose names, municipality names, addresses, GP names
// (and a few GP codes) hold markup, formula starters, right-to-left overrides and 5,000-character
// values (hostile.ts) goes through the real importer; then, in Debian's Chromium, every role's
// list, search, patient pages and dashboards show them as text: no dialog, no console error, no
// page error, no element a payload would create, no event handler attribute, no sideways scroll,
// and each value's text exactly as stored (bidirectional controls made visible; list cells cut,
// the patient page whole). Every role's CSV export and the rejects report hold them neutralised.
import { createHash } from 'node:crypto';
import Papa from 'papaparse';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { showBidiControls } from '../../core/bidi.ts';
import { cut } from '../../portal/html.ts';
import { LIST_CELL_MAX_CHARS } from '../../portal/labels.ts';
import { launchChromium, logInWithForm } from './browser.ts';
import { HOSTILE_GP_CODES, HOSTILE_VALUES, hostileDailyFile, LONG_VALUE } from './hostile.ts';
import { PortalClient } from './http-client.ts';
import { PASSWORD, startPortalFixture, type PortalFixture, type RoleKey } from './support.ts';

const ROLES: RoleKey[] = ['admin', 'staff', 'prefecture', 'municipality', 'gp'];
const TEXT_COLUMNS = ['surname', 'name', 'residence_name', 'address', 'phone', 'gp_name'];
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

let f: PortalFixture;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
  f = await startPortalFixture({ rows: 120, held: false, rewrite: hostileDailyFile });
});

afterAll(async () => {
  await browser?.close();
  await f?.close();
});

/** The role's rows of the latest import as the superuser reads them, every column as text. */
async function storedRows(role: RoleKey): Promise<Map<string, Record<string, string | null>>> {
  const { rows } = await f.db.pool.query<Record<string, string | null>>(
    `select fiscal_code, surname, name, to_char(birth_date, 'YYYY-MM-DD') as birth_date,
            residence_name, address, phone, gp_name, reason,
            to_char(start_date, 'YYYY-MM-DD') as start_date, to_char(end_date, 'YYYY-MM-DD') as end_date,
            change, gp_code
     from qdp.quarantines
     where import_id = qdp.latest_import_id()
       and ($1::text is null or residence_istat = $1) and ($2::text is null or gp_code = $2)
     order by fiscal_code`,
    [role === 'municipality' ? f.istat : null, role === 'gp' ? f.gp : null],
  );
  return new Map(rows.map((r) => [r.fiscal_code!, r]));
}

// Runs in the page: everything a payload could have created or changed.
const INERT = `(() => {
  const all = [...document.querySelectorAll('*')];
  return {
    handlers: all.filter((e) => [...e.attributes].some((a) => /^on/i.test(a.name))).map((e) => e.outerHTML.slice(0, 80)),
    marked: all.filter((e) => /qdp-xss/i.test(e.getAttribute('class') || '')).map((e) => e.outerHTML.slice(0, 80)),
    foreign: all.filter((e) => /^(img|svg|iframe|object|embed|math|base|frame)$/i.test(e.tagName)).map((e) => e.tagName),
    inlineScripts: [...document.scripts].filter((s) => !s.src && s.type !== 'application/json').length,
    overflow: document.documentElement.scrollWidth - document.documentElement.clientWidth,
  };
})()`;

interface Watch {
  dialogs: string[];
  pageErrors: string[];
  consoleErrors: string[];
}

async function expectInert(page: Page, watch: Watch, where: string): Promise<void> {
  expect(await page.evaluate(INERT), where).toEqual({
    handlers: [],
    marked: [],
    foreign: [],
    inlineScripts: 0,
    overflow: 0,
  });
  expect(watch, where).toEqual({ dialogs: [], pageErrors: [], consoleErrors: [] });
}

async function logIn(role: RoleKey, options = {}) {
  const { context, page, consoleErrors } = await logInWithForm(
    browser,
    f.url,
    f.users[role].username,
    PASSWORD,
    options,
  );
  const watch: Watch = { dialogs: [], pageErrors: [], consoleErrors };
  page.on('dialog', (d) => {
    watch.dialogs.push(d.message());
    void d.dismiss();
  });
  page.on('pageerror', (e) => watch.pageErrors.push(e.message));
  return { context, page, watch };
}

/** The list's rows as shown: fiscal code → column → the cell's text. */
async function shownRows(page: Page): Promise<Map<string, Record<string, string>>> {
  const rows = await page.evaluate<[string, Record<string, string>][]>(`(() => {
    const columns = [...document.querySelectorAll('[data-testid=quarantine-list] thead th')].map((th) => th.dataset.column);
    return [...document.querySelectorAll('[data-testid=quarantine-list] tbody tr')].map((tr) => [
      tr.dataset.fiscalCode,
      Object.fromEntries([...tr.cells].map((td, i) => [columns[i], td.textContent])),
    ]);
  })()`);
  return new Map(rows);
}

async function search(page: Page, term: string): Promise<void> {
  await page.locator('#f-q').fill(term);
  await Promise.all([
    page.waitForURL(/\/quarantene\?/),
    page.locator('form[role=search] button[type=submit]').click(),
  ]);
}

/** Opens the patient page of `fiscalCode` as a user would: searched by the code, then clicked. */
async function openPatient(page: Page, fiscalCode: string): Promise<void> {
  await page.goto(`${f.url}/quarantene`);
  await search(page, fiscalCode);
  await Promise.all([
    page.waitForURL(/\/persone\//),
    page.locator(`tr[data-fiscal-code="${fiscalCode}"] a`).click(),
  ]);
}

describe('the hostile file', () => {
  it('is imported with every value as it was written (names upper-cased)', async () => {
    const { rows } = await f.db.pool.query<{ names: string; addresses: string; codes: string }>(
      `select (select count(*) from unnest($1::text[]) v where exists (
                 select 1 from qdp.quarantines q where q.import_id = qdp.latest_import_id() and q.surname = upper(v))) as names,
              (select count(*) from unnest($1::text[]) v where exists (
                 select 1 from qdp.quarantines q where q.import_id = qdp.latest_import_id() and q.address = v)) as addresses,
              (select count(*) from unnest($2::text[]) v where exists (
                 select 1 from qdp.quarantines q where q.import_id = qdp.latest_import_id() and q.gp_code = v)) as codes`,
      [[...HOSTILE_VALUES], [...HOSTILE_GP_CODES]],
    );
    expect(rows[0]).toEqual({
      names: String(HOSTILE_VALUES.length),
      addresses: String(HOSTILE_VALUES.length),
      codes: String(HOSTILE_GP_CODES.length),
    });
  });
});

describe.each(ROLES)('as %s', (role) => {
  it('list, search, patient pages and dashboards show every value as text', async () => {
    const stored = await storedRows(role);
    expect(stored.size).toBeGreaterThan(0);
    for (const [name, options] of [
      ['desktop', {}],
      ['phone', PHONE],
    ] as const) {
      const { context, page, watch } = await logIn(role, options);
      try {
        await expectInert(page, watch, `${role} ${name} list`);
        const shown = await shownRows(page);
        expect(shown.size).toBe(Math.min(stored.size, f.config.pageSize));
        for (const [code, cells] of shown) {
          const row = stored.get(code)!;
          for (const column of TEXT_COLUMNS.filter((c) => c in cells)) {
            expect(cells[column], `${code} ${column}`).toBe(
              cut(showBidiControls(row[column] ?? ''), LIST_CELL_MAX_CHARS),
            );
          }
        }
        // A search for a hostile surname's beginning, through the form.
        const target = [...stored.values()].find((r) => /^[<"'=+@-]/.test(r.surname!))!;
        const term = target.surname!.slice(0, 20);
        await search(page, term);
        await expectInert(page, watch, `${role} ${name} search`);
        const found = await shownRows(page);
        expect(found.size).toBeGreaterThan(0);
        // The search matches a surname, a name or both by their beginning.
        const matches = (r: Record<string, string | null>) =>
          [r.surname!, r.name!, `${r.surname} ${r.name}`].some((v) => v.startsWith(term));
        expect([...found.keys()].filter((c) => !matches(stored.get(c)!))).toEqual([]);

        // Patient pages: a hostile surname's, and one holding the 5,000-character value.
        const long = [...stored.values()].find((r) =>
          TEXT_COLUMNS.some((c) => r[c] === LONG_VALUE),
        )!;
        for (const person of [target, long]) {
          await openPatient(page, person.fiscal_code!);
          await expectInert(page, watch, `${role} ${name} patient`);
          const fields = await page.evaluate<Record<string, string>>(
            `Object.fromEntries([...document.querySelectorAll('[data-testid=patient-fields] dd')].map((dd) => [dd.dataset.value, dd.textContent]))`,
          );
          for (const column of TEXT_COLUMNS.filter((c) => c in fields)) {
            expect(fields[column], `${person.fiscal_code} ${column}`).toBe(
              showBidiControls(person[column] ?? ''),
            );
          }
          const heading = await page.locator('h1 bdi').textContent();
          expect(heading).toBe(showBidiControls(`${person.surname} ${person.name}`));
        }

        await page.goto(`${f.url}/cruscotti`);
        await page.waitForSelector('body[data-charts-drawn]');
        await expectInert(page, watch, `${role} ${name} dashboards`);
        if (role === 'admin' || role === 'staff') {
          const labels = await page
            .locator('[data-testid=table-gp-load] tbody th[scope=row]')
            .allTextContents();
          expect(labels.filter((l) => (HOSTILE_GP_CODES as readonly string[]).includes(l))).toEqual(
            [...HOSTILE_GP_CODES].sort((a, b) => labels.indexOf(a) - labels.indexOf(b)),
          );
        }
      } finally {
        await context.close();
      }
    }
  });

  it('the CSV export holds every value whole, formula starters neutralised', async () => {
    const stored = await storedRows(role);
    const c = new PortalClient(f.url);
    await c.login(f.users[role].username, PASSWORD);
    const html = await (await c.get('/quarantene')).text();
    const action = /<form method="post" action="(\/quarantene\/export[^"]*)"/.exec(html)![1]!;
    const r = await c.post(action.replaceAll('&amp;', '&'), {});
    expect(r.status).toBe(200);
    const text = (await r.text()).replace(/^\uFEFF/, '');
    const [header, ...rows] = Papa.parse<string[]>(text, {
      delimiter: ';',
      skipEmptyLines: true,
    }).data;
    expect(rows).toHaveLength(stored.size);
    for (const row of rows) {
      const record = stored.get(row[0]!)!;
      header!.forEach((column, i) => {
        const value = showBidiControls(record[column] ?? '');
        const expected = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
        expect(row[i], `${row[0]} ${column}`).toBe(expected);
      });
    }
    // The file held every kind: each appears neutralised somewhere in the export.
    expect(rows.flat().filter((cell) => cell === `'${HOSTILE_VALUES[5]}`).length).toBeGreaterThan(
      0,
    );
    expect(rows.flat().filter((cell) => cell === LONG_VALUE).length).toBeGreaterThan(0);
  });
});

describe('the rejects report', () => {
  it('downloads neutralised and is audited with its row count', async () => {
    // A file rejected as a whole with a hostile reason, as the reader reports one (reject_import).
    const reason = `=HYPERLINK("http://evil.invalid","x"); <script>alert(1)</script> \u202Efdp.exe ${LONG_VALUE}`;
    const { rows } = await f.db.pool.query<{ import_id: string }>(
      "select import_id from qdp.register_import('ostile.csv', $1, 10)",
      [createHash('sha256').update('ostile').digest('hex')],
    );
    const importId = Number(rows[0]!.import_id);
    await f.db.pool.query('select qdp.reject_import($1, $2)', [importId, reason]);
    const admin = new PortalClient(f.url);
    await admin.login(f.users.admin.username, PASSWORD);
    const r = await admin.get(`/importazioni/${importId}/scarti.csv`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-disposition')).toBe(
      `attachment; filename="scarti-${importId}.csv"`,
    );
    // Read as bytes: Response.text() would drop the byte-order mark.
    const text = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await r.arrayBuffer());
    expect(text).toBe(
      `\uFEFFline;field;reason\r\n0;;"'${showBidiControls(reason).replaceAll('"', '""')}"\r\n`,
    );
    const audit = await f.db.pool.query(
      `select username, role, action, fiscal_code, import_id, detail from qdp.audit_log
       where action = 'rejects.export' and import_id = $1`,
      [importId],
    );
    expect(audit.rows).toEqual([
      {
        username: f.users.admin.username,
        role: 'admin',
        action: 'rejects.export',
        fiscal_code: null,
        import_id: String(importId),
        detail: { rows: 1 },
      },
    ]);
  });
});
