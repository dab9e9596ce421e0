// WCAG 2.1 AA, checked automatically: axe-core (Deque's rules engine) runs inside Debian's
// Chromium on every page of the portal, for every role that can see it, on a desktop and (list
// and patient page) a phone viewport, with the rule tags wcag2a, wcag2aa, wcag21a and wcag21aa.
// A test fails listing every violation: page, rule id, impact, target selectors, help URL. There
// is no allow-list. Beyond axe: the charts' colours (drawn on a canvas, which axe cannot see)
// against the page, and keyboard use (log-in, the list's filters, the skip link) with a visible
// focus indicator at every stop.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/embedded.ts';
import { parseOidcSettings } from '../../portal/sign-in/oidc.ts';
import { codeAt } from '../../portal/sign-in/second-factor.ts';
import { launchChromium, logInWithForm } from './browser.ts';
import { hostileDailyFile, LONG_VALUE } from './hostile.ts';
import { registerTestProvider, startTestProvider, TEST_CLAIM } from './identity-provider.ts';
import {
  PASSWORD,
  startAnotherInstance,
  startPortalFixture,
  type PortalFixture,
  type RoleKey,
} from './support.ts';

const ROLES: RoleKey[] = ['admin', 'staff', 'prefecture', 'municipality', 'gp'];
const WCAG_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
// axe.min.js is evaluated through the DevTools protocol (page.evaluate), which the page's
// Content-Security-Policy (script-src 'self') does not govern: the portal is audited under its
// real policy, never with bypassCSP.
const AXE_SOURCE = readFileSync(
  createRequire(import.meta.url).resolve('axe-core/axe.min.js'),
  'utf8',
);

const DESKTOP: BrowserContextOptions = { viewport: { width: 1280, height: 800 } };
const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  isMobile: true,
  hasTouch: true,
  deviceScaleFactor: 3,
};

let f: PortalFixture;
let browser: Browser;

beforeAll(async () => {
  browser = await launchChromium();
  // The file's names, addresses and GP names hold hostile values, among them 5,000 characters
  // without a break (hostile.ts): every page is audited with them in it.
  f = await startPortalFixture({ rows: 300, rewrite: hostileDailyFile });
});

afterAll(async () => {
  await browser?.close();
  await f?.close();
});

interface AxeResult {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  targets: string[];
}

/** What the browser says about one element's colours: its own, and the layers behind it. */
interface Paint {
  target: string;
  color: string;
  /** Background colours from the element outwards, up to the first opaque one. */
  layers: string[];
  large: boolean;
  border?: { width: number; style: string; color: string };
}

// Runs in the page: the colours of the elements the selectors name (see Paint).
const PAINT = (selectors: string[]) => `(${JSON.stringify(selectors)}).map((target) => {
  const e = document.querySelector(target);
  const s = getComputedStyle(e);
  const layers = [];
  for (let a = e; a; a = a.parentElement) {
    const c = getComputedStyle(a).backgroundColor;
    if (/^rgba\\(.*, 0\\)$/.test(c)) continue;
    layers.push(c);
    if (!c.startsWith('rgba')) break;
  }
  const size = parseFloat(s.fontSize);
  return {
    target, color: s.color, layers, large: size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700),
    border: { width: parseFloat(s.borderBottomWidth), style: s.borderBottomStyle, color: s.borderBottomColor },
  };
})`;

// Text fields and selects: their boundary must be seen (WCAG 1.4.11). axe has no rule for it.
const CONTROLS = `[...document.querySelectorAll('input:not([type=hidden]):not([type=checkbox]):not([type=radio]), select, textarea')]
  .filter((e) => e.getClientRects().length > 0)
  .map((e) => e.id ? '#' + CSS.escape(e.id) : null)`;

/**
 * Everything the page fails of WCAG 2.1 A/AA that the test can see, one line each (where, rule,
 * impact, targets, help URL):
 * - axe's violations;
 * - axe's "incomplete" results: text whose contrast axe could not decide (a background image such
 *   as a select's arrow or an alert's icon beside the text, or an element partly covered) is
 *   measured here against the colours behind it; any other undecided rule is a failure to review;
 * - the boundary of every text field and select, 3:1 against what surrounds it (1.4.11);
 * - no sideways scrolling of the page, on a desktop or a phone (1.4.10; the data hold a
 *   5,000-character value).
 * Collapsed <details> are opened first, so that what they hold (the charts' data tables, the
 * purpose of access) is audited too.
 */
async function audit(page: Page, where: string): Promise<string[]> {
  if (!(await page.evaluate<boolean>("typeof window.axe === 'object'"))) {
    await page.evaluate(AXE_SOURCE);
  }
  await page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })");
  const options = {
    runOnly: { type: 'tag', values: WCAG_TAGS },
    resultTypes: ['violations', 'incomplete'],
  };
  const summary = (list: string) =>
    `r.${list}.map((v) => ({
      id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
      targets: v.nodes.map((n) => n.target.flat().join(' ')),
    }))`;
  const result = await page.evaluate<{ violations: AxeResult[]; incomplete: AxeResult[] }>(
    `axe.run(document, ${JSON.stringify(options)}).then((r) => ({
      violations: ${summary('violations')}, incomplete: ${summary('incomplete')},
    }))`,
  );
  const line = (v: AxeResult, what = '') =>
    `${where}: ${v.id}${what} (${v.impact}) on ${v.targets.join(' | ')}: ${v.help} ${v.helpUrl}`;
  const found = result.violations.map((v) => line(v));
  for (const v of result.incomplete) {
    if (v.id !== 'color-contrast') {
      found.push(line(v, ' undecided by axe'));
      continue;
    }
    for (const p of await page.evaluate<Paint[]>(PAINT(v.targets))) {
      const ratio = contrast(p.color, composite(p.layers));
      if (ratio < (p.large ? 3 : 4.5))
        found.push(`${where}: color-contrast measured ${ratio.toFixed(2)}:1 on ${p.target}`);
    }
  }
  const controls = (await page.evaluate<(string | null)[]>(CONTROLS)).map(
    (id, i) => id ?? `control #${i} without id`,
  );
  for (const p of await page.evaluate<Paint[]>(PAINT(controls.filter((c) => c.startsWith('#'))))) {
    const around = composite(p.layers.slice(1));
    const own = composite(p.layers);
    const border = p.border!;
    const drawn = border.width > 0 && border.style !== 'none';
    if (!(drawn && contrast(border.color, around) >= 3) && contrast(own, around) < 3)
      found.push(`${where}: control boundary under 3:1 (WCAG 1.4.11) on ${p.target}`);
  }
  found.push(...controls.filter((c) => !c.startsWith('#')).map((c) => `${where}: ${c}`));
  const overflow = await sidewaysOverflow(page);
  if (overflow > 0) found.push(`${where}: the page scrolls sideways by ${overflow}px (1.4.10)`);
  return found;
}

/** A person in the role's scope whose address is the 5,000-character value. */
async function longValuePerson(role: RoleKey): Promise<string> {
  const { rows } = await f.db.pool.query<{ fiscal_code: string }>(
    `select fiscal_code from qdp.quarantines
     where import_id = qdp.latest_import_id() and address = $1
       and ($2::text is null or residence_istat = $2) and ($3::text is null or gp_code = $3)
     order by fiscal_code limit 1`,
    [LONG_VALUE, role === 'municipality' ? f.istat : null, role === 'gp' ? f.gp : null],
  );
  if (!rows[0]) throw new Error(`no person with the 5,000-character address in ${role}'s scope`);
  return rows[0].fiscal_code;
}

/** Goes to `path` and checks it answered `status` (not, say, a redirect to the log-in page). */
async function visit(page: Page, path: string, status = 200): Promise<void> {
  const response = await page.goto(`${f.url}${path}`);
  expect(response?.status(), path).toBe(status);
  expect(new URL(page.url()).pathname, path).toBe(path.split('?')[0]);
}

/** The page scrolls sideways by this many CSS pixels (WCAG 1.4.10: it should not). */
const sidewaysOverflow = (page: Page): Promise<number> =>
  page.evaluate<number>(
    'document.documentElement.scrollWidth - document.documentElement.clientWidth',
  );

const logIn = (role: RoleKey, options: BrowserContextOptions = DESKTOP) =>
  logInWithForm(browser, f.url, f.users[role].username, PASSWORD, options);

const VIEWPORTS = [
  ['desktop', DESKTOP],
  ['phone', PHONE],
] as const;

describe('axe-core, WCAG 2.1 A and AA', () => {
  it('log-in page, logged out: Italian, English, after a failed log-in; desktop and phone', async () => {
    const found: string[] = [];
    for (const [name, options] of VIEWPORTS) {
      const context = await browser.newContext(options);
      const page = await context.newPage();
      try {
        await visit(page, '/login');
        found.push(...(await audit(page, `login it ${name}`)));
        await visit(page, '/login?lang=en');
        await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
        found.push(...(await audit(page, `login en ${name}`)));
        await page.getByLabel('Username').fill('nobody-here');
        await page.getByLabel('Password').fill('wrong-password');
        await page.getByRole('button', { name: 'Log in' }).click();
        await page.waitForSelector('[role=alert]');
        found.push(...(await audit(page, `login failed en ${name}`)));
      } finally {
        await context.close();
      }
    }
    expect(found).toEqual([]);
  });

  describe.each(ROLES)('as %s', (role) => {
    it('list (as it opens, filtered, empty) and patient page; desktop and phone', async () => {
      const found: string[] = [];
      for (const [name, options] of VIEWPORTS) {
        const { context, page, consoleErrors } = await logIn(role, options);
        try {
          found.push(...(await audit(page, `${role} ${name} list`)));
          const municipality = await page.locator('#f-mun option').nth(1).getAttribute('value');
          await visit(
            page,
            `/quarantene?municipality=${municipality}&status=new&sort=end_date&dir=desc&from=2000-01-01`,
          );
          found.push(...(await audit(page, `${role} ${name} list filtered`)));
          // A search that matches nobody, through the form as a user sends it.
          await page.locator('#f-q').fill('ZZZZZZZZ');
          await page.locator('form[role=search] button[type=submit]').click();
          await page.waitForSelector('main [role=status]');
          await expect(page.locator('[data-testid=quarantine-list]').count()).resolves.toBe(0);
          found.push(...(await audit(page, `${role} ${name} list empty`)));

          await visit(page, '/quarantene');
          await page.locator('[data-testid=quarantine-list] tbody tr a').first().click();
          await page.waitForURL(/\/persone\//);
          found.push(...(await audit(page, `${role} ${name} patient`)));

          // A person whose address is 5,000 characters long: wrapped, whole, no sideways scroll.
          const code = await longValuePerson(role);
          await visit(page, '/quarantene');
          await page.locator('#f-q').fill(code);
          await page.locator('form[role=search] button[type=submit]').click();
          await page.waitForSelector(`tr[data-fiscal-code="${code}"]`);
          await page.locator(`tr[data-fiscal-code="${code}"] a`).click();
          await page.waitForURL(/\/persone\//);
          await expect(page.locator('dd[data-value=address]').textContent()).resolves.toBe(
            LONG_VALUE,
          );
          found.push(...(await audit(page, `${role} ${name} patient, 5,000 characters`)));
          expect(consoleErrors).toEqual([]);
        } finally {
          await context.close();
        }
      }
      expect(found).toEqual([]);
    });

    it(`imports, dashboards (drawn), change password${role === 'admin' ? ', users, audit log, data protection' : ''}; desktop and phone`, async () => {
      const found: string[] = [];
      for (const [name, options] of VIEWPORTS) {
        const { context, page, consoleErrors } = await logIn(role, options);
        try {
          await visit(page, '/importazioni');
          // The administrator's history holds the held import with its publish / discard buttons.
          await expect(page.locator('[data-testid=imports] tbody tr').count()).resolves.toBe(
            role === 'admin' ? 4 : 1,
          );
          found.push(...(await audit(page, `${role} ${name} imports`)));
          await visit(page, '/cruscotti');
          await page.waitForSelector('body[data-charts-drawn]');
          expect(await page.locator('canvas[data-drawn=true]').count()).toBeGreaterThanOrEqual(3);
          found.push(...(await audit(page, `${role} ${name} dashboards`)));
          await visit(page, '/password');
          found.push(...(await audit(page, `${role} ${name} password`)));
          await page.getByLabel('Password attuale').fill('not-the-password');
          await page.getByLabel('Nuova password', { exact: true }).fill('a-new-password-1');
          await page.getByLabel('Conferma nuova password').fill('a-new-password-1');
          const before = consoleErrors.length;
          await page.getByRole('button', { name: 'Cambia password' }).click();
          await page.waitForSelector('[role=alert]');
          // The refusal is a 400, which Chromium reports on the console; nothing else may be.
          expect(consoleErrors.splice(before)).toEqual([
            'Failed to load resource: the server responded with a status of 400 (Bad Request)',
          ]);
          found.push(...(await audit(page, `${role} ${name} password refused`)));
          if (role === 'admin') {
            await visit(page, '/utenti');
            found.push(...(await audit(page, `admin ${name} users`)));
            await visit(page, '/registro');
            found.push(...(await audit(page, `admin ${name} audit log`)));
            // Filtered through its form, as an administrator does it.
            await page.locator('#a-user').fill(f.users.admin.username);
            await Promise.all([
              page.waitForResponse(
                (r) => r.url().includes('/registro?') && r.request().method() === 'GET',
              ),
              page.locator('form[action="/registro"] button[type=submit]').click(),
            ]);
            await expect(
              page.locator('[data-testid=audit] tbody tr').count(),
            ).resolves.toBeGreaterThan(0);
            found.push(...(await audit(page, `admin ${name} audit log filtered`)));
            // A page of the history beyond the last import: the page says it is empty.
            await visit(page, '/importazioni?page=2');
            found.push(...(await audit(page, `admin ${name} imports page 2`)));
            // The data protection pages (issue 14): the record, retention, and the access
            // report of the list's first person (whom the lists above showed), in both languages.
            await visit(page, '/protezione-dati');
            found.push(...(await audit(page, `admin ${name} record of processing`)));
            await visit(page, '/protezione-dati?lang=en');
            found.push(...(await audit(page, `admin ${name} record of processing en`)));
            await visit(page, '/protezione-dati/conservazione?lang=it');
            found.push(...(await audit(page, `admin ${name} retention`)));
            await visit(page, '/protezione-dati/accessi');
            found.push(...(await audit(page, `admin ${name} access report form`)));
            await visit(page, '/quarantene');
            const person = await page
              .locator('tr[data-fiscal-code]')
              .first()
              .getAttribute('data-fiscal-code');
            await visit(page, '/protezione-dati/accessi');
            await page.locator('#r-cf').fill(person!);
            await Promise.all([
              page.waitForURL(/\/protezione-dati\/accessi\?sealed=/),
              page.locator('form[action="/protezione-dati/accessi"] button[type=submit]').click(),
            ]);
            await expect(
              page.locator('[data-testid=report-entries] tbody tr').count(),
            ).resolves.toBeGreaterThan(0);
            found.push(...(await audit(page, `admin ${name} access report`)));
          }
          expect(consoleErrors).toEqual([]);
        } finally {
          await context.close();
        }
      }
      expect(found).toEqual([]);
    });
  });

  it('error pages: a patient not found (404), a bad filter (400), a page not allowed (403), no such page (404); then English pages', async () => {
    const found: string[] = [];
    const { context, page } = await logIn('municipality');
    try {
      await visit(page, '/persone/AAAAAA00A00A000A', 404);
      found.push(...(await audit(page, 'patient 404')));
      await visit(page, '/quarantene?status=bogus', 400);
      found.push(...(await audit(page, 'list 400')));
      await visit(page, '/utenti', 403);
      found.push(...(await audit(page, 'users 403')));
      await visit(page, '/no-such-page', 404);
      found.push(...(await audit(page, 'unknown 404')));
      await visit(page, '/no-such-page?lang=en', 404);
      found.push(...(await audit(page, 'unknown 404 en')));
      // The language stays English (a cookie) for the pages that follow.
      await visit(page, '/quarantene');
      await expect(page.locator('html').getAttribute('lang')).resolves.toBe('en');
      found.push(...(await audit(page, 'list en')));
      await visit(page, '/cruscotti');
      await page.waitForSelector('body[data-charts-drawn]');
      found.push(...(await audit(page, 'dashboards en')));
    } finally {
      await context.close();
    }
    expect(found).toEqual([]);
  });
});

// Colours as the browser computes them (#rgb, #rrggbb, rgb(), rgba()), composited and compared as
// WCAG defines it: relative luminance, contrast ratio (1.4.3 text, 1.4.11 non-text).
type Rgba = [number, number, number, number];

function parseColour(colour: string): Rgba {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(colour);
  if (hex) {
    const digits = hex[1]!.length === 3 ? [...hex[1]!].map((d) => d + d) : hex[1]!.match(/../g)!;
    return [...digits.map((d) => parseInt(d, 16)), 1] as Rgba;
  }
  const fn = /^rgba?\(([\d.]+),\s*([\d.]+),\s*([\d.]+)(?:,\s*([\d.]+))?\)$/.exec(colour);
  if (fn) return [Number(fn[1]), Number(fn[2]), Number(fn[3]), Number(fn[4] ?? 1)];
  throw new Error(`unknown colour: ${colour}`);
}

/** Background layers from the top down, over the white of the canvas: the colour one sees. */
function composite(layers: string[]): string {
  let [r, g, b] = [255, 255, 255];
  for (const layer of [...layers].reverse()) {
    const [lr, lg, lb, a] = parseColour(layer);
    [r, g, b] = [lr * a + r * (1 - a), lg * a + g * (1 - a), lb * a + b * (1 - a)];
  }
  return `rgb(${r}, ${g}, ${b})`;
}

function luminance(colour: string): number {
  const [r, g, b] = parseColour(colour)
    .slice(0, 3)
    .map((c) => {
      const s = c / 255;
      return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The contrast ratio of a colour (translucent: over the background) against a background. */
function contrast(colour: string, background: string): number {
  const opaque = composite([colour, background]);
  const [hi, lo] = [luminance(opaque), luminance(background)].sort((x, y) => y - x) as [
    number,
    number,
  ];
  return (hi + 0.05) / (lo + 0.05);
}

describe('colours axe cannot see', () => {
  it('the contrast formula gives the reference ratios', () => {
    expect(contrast('#000000', '#ffffff')).toBeCloseTo(21, 5);
    expect(contrast('#ffffff', '#ffffff')).toBe(1);
    expect(contrast('#767676', 'rgb(255, 255, 255)')).toBeCloseTo(4.54, 2);
    expect(contrast('#666', '#ffffff')).toBeCloseTo(5.74, 2);
    // Half-transparent black over white is mid grey.
    expect(composite(['rgba(0, 0, 0, 0.5)', '#ffffff'])).toBe('rgb(127.5, 127.5, 127.5)');
    expect(contrast('rgba(0, 0, 0, 0.5)', '#ffffff')).toBeCloseTo(
      contrast('rgb(127.5, 127.5, 127.5)', '#fff'),
      9,
    );
  });

  it("the charts' series colours reach 3:1 against the page (1.4.11) and their text 4.5:1 (1.4.3)", async () => {
    const { context, page } = await logIn('admin');
    try {
      await visit(page, '/cruscotti');
      await page.waitForSelector('body[data-charts-drawn]');
      const drawn = await page.evaluate<{ background: string; text: string; series: string[] }>(
        `(() => {
          const series = [];
          for (const canvas of document.querySelectorAll('canvas[data-chart]')) {
            for (const d of Chart.getChart(canvas).data.datasets) series.push(...[].concat(d.borderColor, d.backgroundColor));
          }
          return { background: getComputedStyle(document.body).backgroundColor, text: Chart.defaults.color, series: [...new Set(series)] };
        })()`,
      );
      expect(drawn.series.length).toBeGreaterThanOrEqual(3);
      const page_ = composite([drawn.background]);
      const weak = drawn.series.filter((c) => contrast(c, page_) < 3);
      expect(weak, `series colours under 3:1 against ${page_}`).toEqual([]);
      expect(contrast(drawn.text, page_)).toBeGreaterThanOrEqual(4.5);
    } finally {
      await context.close();
    }
  });
});

interface Focused {
  tag: string;
  id: string;
  href: string | null;
  type: string | null;
  inMain: boolean;
  /** The focus is on the timeline's scrolling box. */
  region: boolean;
  /** An outline or a box shadow marks it (WCAG 2.4.7), and it is on screen. */
  indicator: boolean;
  onScreen: boolean;
}

const FOCUSED = `(() => {
  const e = document.activeElement;
  const s = getComputedStyle(e);
  const r = e.getBoundingClientRect();
  return {
    tag: e.tagName.toLowerCase(), id: e.id, href: e.getAttribute('href'), type: e.getAttribute('type'),
    inMain: !!e.closest('main'), region: e.matches('[role=region]') && !!e.querySelector('[data-testid=timeline]'),
    indicator: (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none',
    onScreen: r.width > 1 && r.height > 1 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth,
  };
})()`;

/** Presses Tab and describes where the focus went. */
async function tab(page: Page): Promise<Focused> {
  await page.keyboard.press('Tab');
  return page.evaluate<Focused>(FOCUSED);
}

// Keyboard tests ask for reduced motion: bootstrap scrolls smoothly otherwise, and an element the
// focus just reached would still be on its way onto the screen when the test looks.
const KEYBOARD: BrowserContextOptions = { ...DESKTOP, reducedMotion: 'reduce' };

const stop = (x: Focused) => (x.id ? `#${x.id}` : x.href ? `${x.tag}[href=${x.href}]` : x.tag);

describe('keyboard only', () => {
  it('the log-in form: skip link, language, username, password, button, each with a visible focus; Enter logs in', async () => {
    const context = await browser.newContext(KEYBOARD);
    const page = await context.newPage();
    try {
      await visit(page, '/login');
      const stops: Focused[] = [];
      stops.push(await tab(page));
      stops.push(await tab(page));
      stops.push(await tab(page));
      await page.keyboard.type(f.users.staff.username);
      stops.push(await tab(page));
      await page.keyboard.type(PASSWORD);
      stops.push(await tab(page));
      expect(stops.map(stop)).toEqual([
        'a[href=#main]',
        'a[href=/login?lang=en]',
        '#username',
        '#password',
        'button',
      ]);
      expect(stops.filter((s) => !s.indicator || !s.onScreen).map(stop)).toEqual([]);
      await page.keyboard.press('Enter');
      await page.waitForURL(/\/quarantene$/);
    } finally {
      await context.close();
    }
  });

  it('the skip link moves the focus to the main content; the filters are reached, set and applied from the keyboard', async () => {
    const { context, page } = await logIn('staff', KEYBOARD);
    try {
      const prefix = (await page
        .locator('[data-testid=quarantine-list] tbody tr')
        .first()
        .getAttribute('data-fiscal-code'))!.slice(0, 6);
      const skip = await tab(page);
      expect(stop(skip)).toBe('a[href=#main]');
      expect(skip.onScreen && skip.indicator).toBe(true);
      await page.keyboard.press('Enter');
      const main = await page.evaluate<Focused>(FOCUSED);
      expect(stop(main)).toBe('#main');
      // From the main content, Tab walks the filters in order (a date field's day, month and
      // year are stops of one control) up to the Apply button.
      const stops: Focused[] = [];
      for (let i = 0; i < 30; i++) {
        const at = await tab(page);
        if (stops.length === 0 || stop(stops.at(-1)!) !== stop(at)) stops.push(at);
        if (at.id === 'f-q') await page.keyboard.type(prefix);
        if (at.id === 'f-sort' || at.id === 'f-dir') await page.keyboard.press('ArrowDown');
        if (at.tag === 'button') break;
      }
      expect(stops.map(stop)).toEqual([
        '#f-q',
        '#f-mun',
        '#f-reason',
        '#f-status',
        '#f-from',
        '#f-to',
        '#f-sort',
        '#f-dir',
        'button',
      ]);
      expect(stops.every((s) => s.inMain)).toBe(true);
      expect(stops.filter((s) => !s.indicator || !s.onScreen).map(stop)).toEqual([]);
      await page.keyboard.press('Enter');
      await page.waitForURL(/[?&]sort=surname/);
      const query = new URL(page.url()).searchParams;
      expect(query.get('sort')).toBe('surname');
      expect(query.get('dir')).toBe('desc');
      const codes = await page
        .locator('[data-testid=quarantine-list] tbody tr')
        .evaluateAll((trs) => trs.map((tr) => tr.getAttribute('data-fiscal-code')!));
      expect(codes.length).toBeGreaterThan(0);
      expect(codes.filter((c) => !c.startsWith(prefix))).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('a table wider than the screen is a region reached with Tab and scrolled with the arrow keys', async () => {
    // 320 CSS pixels: a 1280-pixel window zoomed to 400% (WCAG 1.4.10), where the timeline scrolls.
    const { context, page } = await logIn('staff', {
      ...KEYBOARD,
      viewport: { width: 320, height: 700 },
    });
    try {
      await page.locator('[data-testid=quarantine-list] tbody tr a').first().click();
      await page.waitForURL(/\/persone\//);
      const box = "document.querySelector('[role=region]:has([data-testid=timeline])')";
      await expect(page.evaluate<boolean>(`${box}.scrollWidth > ${box}.clientWidth`)).resolves.toBe(
        true,
      );
      let at: Focused | undefined;
      for (let i = 0; i < 40 && !at?.region; i++) at = await tab(page);
      expect(at?.region, 'the timeline box takes the focus').toBe(true);
      expect(at!.indicator && at!.onScreen).toBe(true);
      await page.keyboard.press('ArrowRight');
      await page.keyboard.press('ArrowRight');
      // Chromium scrolls smoothly on arrow keys whatever the page asks: wait for it to move.
      await expect.poll(() => page.evaluate<number>(`${box}.scrollLeft`)).toBeGreaterThan(0);
    } finally {
      await context.close();
    }
  });
});

describe('axe-core, WCAG 2.1 A and AA: signing in', () => {
  it('second factor: enrolment, recovery codes, the code page and its refusal; desktop and phone', async () => {
    await f.db.pool.query(
      "update qdp.settings set value = 'staff' where key = 'second_factor_roles'",
    );
    const found: string[] = [];
    try {
      for (const [name, options] of VIEWPORTS) {
        await f.db.pool.query('delete from qdp.user_second_factors where user_id = $1', [
          f.users.staff.id,
        ]);
        const signIn = async () => {
          const context = await browser.newContext(options);
          const page = await context.newPage();
          await visit(page, '/login');
          await page.getByLabel('Nome utente').fill(f.users.staff.username);
          await page.getByLabel('Password').fill(PASSWORD);
          await page.getByRole('button', { name: 'Accedi', exact: true }).click();
          return { context, page };
        };
        const first = await signIn();
        await first.page.waitForURL(/\/login\/enrol/);
        found.push(...(await audit(first.page, `enrol ${name}`)));
        const secret = (await first.page.getByTestId('totp-secret').textContent())!.replaceAll(
          ' ',
          '',
        );
        await first.page.getByLabel('Codice').fill(codeAt(secret));
        await first.page.getByRole('button', { name: 'Conferma' }).click();
        await first.page.getByTestId('recovery-codes').waitFor();
        found.push(...(await audit(first.page, `recovery codes ${name}`)));
        await first.context.close();
        const second = await signIn();
        await second.page.waitForURL(/\/login\/code/);
        found.push(...(await audit(second.page, `code ${name}`)));
        await second.page.getByLabel('Codice').fill('not-a-code');
        await second.page.getByRole('button', { name: 'Verifica' }).click();
        await second.page.waitForSelector('[role=alert]');
        found.push(...(await audit(second.page, `code refused ${name}`)));
        await second.context.close();
      }
    } finally {
      await f.db.pool.query("update qdp.settings set value = '' where key = 'second_factor_roles'");
      await f.db.pool.query('update qdp.users set failed_logins = 0 where id = $1', [
        f.users.staff.id,
      ]);
    }
    expect(found).toEqual([]);
  });

  it('single sign-on: log-in with the provider, refused, failed, signing out; users with identities', async () => {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const provider = await startTestProvider(url, [
      { login: 'sso-staff', claims: { fiscalNumber: 'TINIT-A11STF80A01L781X' } },
      { login: 'sso-unknown', claims: { fiscalNumber: 'TINIT-A11UNK80A01L781X' } },
    ]);
    const oidc = parseOidcSettings({
      QDP_PORTAL_OIDC_ISSUER: provider.issuer,
      QDP_PORTAL_OIDC_CLIENT_ID: provider.client.clientId,
      QDP_PORTAL_OIDC_CLIENT_SECRET: provider.client.clientSecret,
      QDP_PORTAL_OIDC_SCOPES: 'openid fiscal_number',
      QDP_PORTAL_OIDC_CLAIM: TEST_CLAIM,
      QDP_PORTAL_PUBLIC_URL: url,
    }).settings;
    const instance = await startAnotherInstance(f, { oidc }, port);
    await registerTestProvider(f.db.pool, provider);
    await f.db.pool.query(
      `insert into qdp.user_identities (issuer, claim, value, user_id, registered_by)
       values ($1, $2, 'TINIT-A11STF80A01L781X', $3, 'test')`,
      [oidc!.issuer.href, TEST_CLAIM, f.users.staff.id],
    );
    const found: string[] = [];
    try {
      for (const [name, options] of VIEWPORTS) {
        const context = await browser.newContext(options);
        const page = await context.newPage();
        const toProvider = async (login: string) => {
          await page.goto(`${url}/login`);
          await page.locator('a[href^="/login/oidc"]').click();
          await page.waitForURL((u) => u.origin === provider.issuer);
          if (await page.locator('input[name=login]').count()) {
            await page.locator('input[name=login]').fill(login);
            await page.locator('input[name=password]').fill('any');
            await page.getByRole('button', { name: 'Sign-in' }).click();
          }
        };
        try {
          await page.goto(`${url}/login`);
          found.push(...(await audit(page, `login with provider ${name}`)));
          await toProvider('sso-unknown');
          await page.waitForSelector('[role=alert]');
          found.push(...(await audit(page, `provider refused ${name}`)));
          await context.clearCookies();
          provider.tamperNextCallback((u) => u.searchParams.set('state', 'tampered'));
          await toProvider('sso-staff');
          await page.waitForSelector('[role=alert]');
          found.push(...(await audit(page, `provider failed ${name}`)));
          // Signed in: the page that leads on to the list, and the one that leads to the
          // provider's sign-out, each held still (an empty 204 answer keeps the page in place).
          await context.route(`${url}/quarantene`, (route) => route.fulfill({ status: 204 }));
          await context.clearCookies();
          await toProvider('sso-staff');
          await page.locator('main a[href="/quarantene"]').waitFor();
          await page.waitForLoadState('load');
          found.push(...(await audit(page, `signed in ${name}`)));
          await context.unroute(`${url}/quarantene`);
          await page.goto(`${url}/quarantene`);
          await context.route(`${provider.issuer}/**`, (route) => route.fulfill({ status: 204 }));
          await page.getByRole('button', { name: 'Esci' }).click();
          await page.locator('main a[href^="http"]').waitFor();
          await page.waitForLoadState('load');
          found.push(...(await audit(page, `signed out ${name}`)));
        } finally {
          await context.close();
        }
        const admin = await logInWithForm(browser, url, f.users.admin.username, PASSWORD, options);
        await admin.page.goto(`${url}/utenti`);
        found.push(...(await audit(admin.page, `users with identities ${name}`)));
        await admin.context.close();
      }
    } finally {
      await f.db.pool.query('delete from qdp.user_identities');
      await instance.close();
      await provider.close();
    }
    expect(found).toEqual([]);
  }, 240_000);
});
