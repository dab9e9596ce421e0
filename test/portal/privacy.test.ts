// The administrators' data protection pages (issue 14) in Debian Chromium: the record of
// processing is the database's qdp.privacy_record() (every role's fields and purpose exactly, and
// following a revoked column and a changed purpose), its Markdown the same as `qdp privacy
// record`; the retention page is qdp.retention_preview (an aged import listed as the next purge
// would remove it); the access report of a person a GP and the Prefecture saw, reached through
// its form (the URL holds the code only sealed), is qdp.access_report entry by entry, and its PDF
// and CSV downloads read back; every report produced is audited. Other roles get 403 and no link;
// a wrong fiscal code is a 400 saying what is wrong without repeating it.
import { readFile } from 'node:fs/promises';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ENTRY_COLUMNS,
  entryCells,
  readAccessReport,
  reportTexts,
} from '../../core/access-report.ts';
import {
  PRIVACY_WORDS,
  privacyRecordMarkdown,
  readPrivacyRecord,
  readRetentionPreview,
  retentionValue,
  tablesOfRole,
} from '../../core/privacy-record.ts';
import { formatDateTime } from '../../portal/common.ts';
import { withUserSession } from '../../db/session.ts';
import { readPdfText } from '../support/pdf-text.ts';
import { launchChromium, logInWithForm } from './browser.ts';
import { PortalClient } from './http-client.ts';
import {
  PASSWORD,
  startPortalFixture,
  submitSearch,
  type PortalFixture,
  type RoleKey,
} from './support.ts';

let f: PortalFixture;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
  f = await startPortalFixture({ rows: 120, held: false });
});

afterAll(async () => {
  await browser?.close();
  await f?.close();
});

const asAdmin = <T>(fn: Parameters<typeof withUserSession<T>>[2]) =>
  withUserSession(f.db.pool, f.users.admin.id, fn);

const logIn = (role: RoleKey) => logInWithForm(browser, f.url, f.users[role].username, PASSWORD);

const cellTexts = (page: Page, testId: string, column: number) =>
  page.locator(`[data-testid="${testId}"] tbody tr td:nth-child(${column})`).allInnerTexts();

describe('the record of processing page', () => {
  it("shows the database's record: every role's fields and purpose; it follows a revoked column and a changed purpose", async () => {
    const { context, page, consoleErrors } = await logIn('admin');
    try {
      await page.getByRole('link', { name: 'Protezione dati' }).click();
      await page.waitForURL(/\/protezione-dati$/);
      const w = PRIVACY_WORDS.it;
      await expect(page.locator('h1').innerText()).resolves.toBe(w.recordTitle);
      const check = async () => {
        const record = await asAdmin((c) => readPrivacyRecord(c));
        expect(record.roles.map((r) => r.role)).toEqual([
          'admin',
          'gp',
          'municipality',
          'prefecture',
          'staff',
        ]);
        for (const role of record.roles) {
          const { personal } = tablesOfRole(role);
          await expect(
            page.locator(`[data-testid="purpose-${role.role}"]`).innerText(),
          ).resolves.toBe(role.purpose);
          await expect(cellTexts(page, `fields-${role.role}`, 1)).resolves.toEqual(
            personal.map((t) => t.table),
          );
          await expect(cellTexts(page, `fields-${role.role}`, 2)).resolves.toEqual(
            personal.map((t) => t.columns.map((c) => c.column).join(', ')),
          );
        }
        await expect(cellTexts(page, 'retention', 2)).resolves.toEqual(
          record.retention.map((s) => retentionValue(s, w)),
        );
        return record;
      };
      const before = await check();
      const municipalityColumns = (r: typeof before) =>
        tablesOfRole(r.roles.find((x) => x.role === 'municipality')!)
          .personal.find((t) => t.table === 'qdp.quarantines')!
          .columns.map((c) => c.column);
      expect(municipalityColumns(before)).toContain('phone');

      await f.db.pool.query('revoke select (phone) on qdp.quarantines from qdp_municipality');
      await f.db.pool.query(
        "update qdp.roles set purpose = 'Food and medicine delivery only.' where name = 'municipality'",
      );
      try {
        await page.reload();
        const after = await check();
        expect(municipalityColumns(after)).toEqual(
          municipalityColumns(before).filter((c) => c !== 'phone'),
        );
        await expect(
          page.locator('[data-testid="purpose-municipality"]').innerText(),
        ).resolves.toBe('Food and medicine delivery only.');
      } finally {
        await f.db.pool.query('grant select (phone) on qdp.quarantines to qdp_municipality');
        await f.db.pool.query('update qdp.roles set purpose = $1 where name = $2', [
          before.roles.find((x) => x.role === 'municipality')!.purpose,
          'municipality',
        ]);
      }

      // The Markdown download is `qdp privacy record`'s, apart from the moment it was generated.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('link', { name: 'Scarica il registro (Markdown)' }).click(),
      ]);
      expect(download.suggestedFilename()).toBe('registro-trattamenti.md');
      const markdown = (await readFile(await download.path(), 'utf8')).split('\n');
      const expected = privacyRecordMarkdown(
        await asAdmin((c) => readPrivacyRecord(c)),
        'it',
      ).split('\n');
      expect(markdown[2]).toMatch(/^Generato il \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC /);
      expect(markdown.filter((_, i) => i !== 2)).toEqual(expected.filter((_, i) => i !== 2));

      await page.goto(`${f.url}/protezione-dati?lang=en`);
      await expect(page.locator('h1').innerText()).resolves.toBe(PRIVACY_WORDS.en.recordTitle);
      expect(consoleErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });
});

describe('the retention page', () => {
  it('shows every retention in force and what the next purge would remove, changing nothing', async () => {
    const oldest = f.imports[0]!;
    await f.db.pool.query(
      `update qdp.imports
       set received_at = now() - make_interval(days => qdp.setting('retention_days')::integer + 1)
       where id = $1`,
      [oldest],
    );
    const { context, page } = await logIn('admin');
    try {
      await page.goto(`${f.url}/protezione-dati`);
      await page
        .getByRole('navigation', { name: 'Pagine della protezione dei dati' })
        .getByRole('link', { name: PRIVACY_WORDS.it.retentionTitle })
        .click();
      await page.waitForURL(/\/protezione-dati\/conservazione$/);
      const preview = await asAdmin((c) => readRetentionPreview(c));
      const w = PRIVACY_WORDS.it;
      expect(preview.imports.map((i) => i.id)).toEqual([oldest]);
      await expect(cellTexts(page, 'retention', 1)).resolves.toEqual(
        preview.settings.map((s) => w.retentionData[s.data]),
      );
      await expect(cellTexts(page, 'retention', 2)).resolves.toEqual(
        preview.settings.map((s) => retentionValue(s, w)),
      );
      await expect(cellTexts(page, 'retention', 3)).resolves.toEqual(
        preview.settings.map((s) => s.setting),
      );
      // The page's own cutoffs (now() of its transaction), the rest the database's preview.
      const title = page.locator('[data-testid="preview-title"]');
      const at = (value: string) => formatDateTime(new Date(value), 'it');
      const cutoff = (await title.getAttribute('data-cutoff'))!;
      const auditCutoff = (await title.getAttribute('data-audit-cutoff'))!;
      await expect(title.innerText()).resolves.toBe(
        w.previewTitle(preview.retentionDays, at(cutoff)),
      );
      await expect(
        page.locator('[data-testid="preview-imports"] li').allInnerTexts(),
      ).resolves.toEqual(preview.imports.map((i) => w.previewImport(i, at(i.receivedAt))));
      await expect(page.locator('[data-testid="preview-counts"]').innerText()).resolves.toBe(
        w.previewCounts(preview, at(auditCutoff)),
      );
      const { rows } = await f.db.pool.query<{ n: number }>(
        'select count(*)::int as n from qdp.imports where id = $1',
        [oldest],
      );
      expect(rows[0]!.n).toBe(1);
    } finally {
      await context.close();
    }
  });
});

describe('the access report page', () => {
  it('is qdp.access_report of a person others saw, on the page and as PDF and CSV, each report audited', async () => {
    // The GP's first patient: on the list the GP lands on, then on their page.
    const { rows } = await f.db.pool.query<{ fiscal_code: string }>(
      `select fiscal_code from qdp.quarantines where import_id = qdp.latest_import_id()
       and gp_code = $1 order by fiscal_code limit 1`,
      [f.gp],
    );
    const code = rows[0]!.fiscal_code;
    const gp = await logIn('gp');
    try {
      await gp.page.locator(`tr[data-fiscal-code="${code}"] a`).first().click();
      await gp.page.waitForURL(/\/persone\//);
    } finally {
      await gp.context.close();
    }
    // The Prefecture finds them with the list's search (posted, as its form does).
    const prefecture = new PortalClient(f.url);
    expect((await prefecture.login(f.users.prefecture.username, PASSWORD)).status).toBe(303);
    const search = await submitSearch(prefecture, '/quarantene', { q: code });
    expect(search.page.status).toBe(200);
    expect(await search.page.text()).toContain(`data-fiscal-code="${code}"`);

    const { context, page, consoleErrors } = await logIn('admin');
    try {
      await page.goto(`${f.url}/protezione-dati/accessi`);
      await page.getByLabel('Codice fiscale').fill(code.toLowerCase());
      await Promise.all([
        page.waitForURL(/\/protezione-dati\/accessi\?sealed=/),
        page.getByRole('button', { name: 'Produci il report' }).click(),
      ]);
      expect(page.url()).not.toContain(code);
      // The report the database gives now: what the page showed, then the page's own report.
      const now = await asAdmin((c) => readAccessReport(c, code, 'test'));
      const shown = now.entries.slice(0, -1);
      expect(now.entries.at(-1)).toMatchObject({
        action: 'access.report',
        username: f.users.admin.username,
      });
      const users = shown.map((e) => `${e.username}:${e.action}`);
      expect(users).toContain(`${f.users.gp.username}:patient.view`);
      expect(users).toContain(`${f.users.gp.username}:list.view`);
      expect(users).toContain(`${f.users.prefecture.username}:list.search`);
      const texts = reportTexts('it');
      await expect(
        page.locator('[data-testid="report-entries"] thead th').allInnerTexts(),
      ).resolves.toEqual(ENTRY_COLUMNS.map((c) => texts[c]));
      for (const [i, column] of ENTRY_COLUMNS.entries()) {
        await expect(cellTexts(page, 'report-entries', i + 1)).resolves.toEqual(
          shown.map((e) => entryCells(e, 'it')[column]),
        );
      }
      await expect(
        page.locator('[data-testid="report-facts"] dd').first().innerText(),
      ).resolves.toBe(code);

      const downloaded = async (name: string) => {
        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.getByRole('link', { name }).click(),
        ]);
        return { name: download.suggestedFilename(), bytes: await readFile(await download.path()) };
      };
      const pdf = await downloaded('Scarica in PDF');
      expect(pdf.name).toBe('report-accessi.pdf');
      const text = (await readPdfText(pdf.bytes)).pages.join('\n');
      expect(text).toContain(texts.title);
      expect(text).toContain(code);
      expect(text).toContain(`${texts.count}: ${now.entries.length + 1}`);

      const csv = await downloaded('Scarica in CSV');
      expect(csv.name).toBe('report-accessi.csv');
      const lines = csv.bytes
        .toString('utf8')
        .replace(/^\uFEFF/, '')
        .split('\r\n');
      expect(lines.at(-1)).toBe('');
      // Header, the accesses the page showed, the page's report, the test's, the PDF's.
      expect(lines.length - 2).toBe(shown.length + 3);
      expect(lines.slice(1, -1).map((l) => l.split(';')[4])).toEqual([
        ...shown.map((e) => e.action),
        'access.report',
        'access.report',
        'access.report',
      ]);

      const audited = await f.db.pool.query<{ n: number }>(
        `select count(*)::int as n from qdp.audit_log
         where action = 'access.report' and fiscal_code = $1 and user_id = $2`,
        [code, f.users.admin.id],
      );
      // The page, the test's own, the PDF, the CSV.
      expect(audited.rows[0]!.n).toBe(4);
      expect(consoleErrors).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a wrong fiscal code is a 400 saying what is wrong, never repeating it; an altered link opens nothing', async () => {
    const c = new PortalClient(f.url);
    expect((await c.login(f.users.admin.username, PASSWORD)).status).toBe(303);
    const before = await f.db.pool.query<{ n: number }>(
      "select count(*)::int as n from qdp.audit_log where action = 'access.report'",
    );
    const wrong = 'RSSMRA80A01H501A';
    const r = await c.post(
      '/protezione-dati/accessi',
      { fiscal_code: wrong },
      '/protezione-dati/accessi',
    );
    expect(r.status).toBe(400);
    const html = await r.text();
    expect(html).toContain('fiscal code: the check character (the 16th) is wrong');
    expect(html).not.toContain(wrong);
    const short = await c.post(
      '/protezione-dati/accessi',
      { fiscal_code: 'ABC' },
      '/protezione-dati/accessi',
    );
    expect(short.status).toBe(400);
    expect(await short.text()).toContain('fiscal code: must be 16 characters long (got 3)');
    for (const path of [
      '/protezione-dati/accessi?sealed=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      '/protezione-dati/accessi/report.pdf?sealed=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
      `/protezione-dati/accessi?fiscal_code=${wrong}`,
      '/protezione-dati/accessi/report.csv',
    ]) {
      expect((await c.get(path)).status, path).toBe(400);
    }
    const after = await f.db.pool.query<{ n: number }>(
      "select count(*)::int as n from qdp.audit_log where action = 'access.report'",
    );
    expect(after.rows[0]!.n).toBe(before.rows[0]!.n);
  });
});

describe('other roles', () => {
  it('get 403 on every data protection page and no link to them', async () => {
    for (const role of ['staff', 'prefecture', 'municipality', 'gp'] as const) {
      const c = new PortalClient(f.url);
      expect((await c.login(f.users[role].username, PASSWORD)).status).toBe(303);
      expect(await (await c.get('/quarantene')).text()).not.toContain('/protezione-dati');
      for (const path of [
        '/protezione-dati',
        '/protezione-dati/registro.md',
        '/protezione-dati/conservazione',
        '/protezione-dati/accessi',
        '/protezione-dati/accessi/report.pdf',
        '/protezione-dati/accessi/report.csv',
      ]) {
        expect((await c.get(path)).status, `${role} ${path}`).toBe(403);
      }
    }
  });
});
