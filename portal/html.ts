// Server-rendered HTML: every value goes through `h` (escaped) unless it is already Html, so a
// name, an address or a search term can never become markup. No inline scripts or styles: the
// Content-Security-Policy forbids them; behaviour lives in /static/app.js.
import { BIDI_CONTROLS, bidiMarker, showBidiControls } from '../core/bidi.ts';
import type { Language, MessageKey, Translate } from './i18n.ts';

export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

// Markup characters and bidirectional controls (core/bidi.ts), in one pass over the text (a list
// page escapes some 600 values).
const TO_ESCAPE = new RegExp(`[&<>"']|${BIDI_CONTROLS.source}`, 'g');

/**
 * Text as HTML: markup characters escaped (safe in element text and in quoted attributes alike),
 * bidirectional controls made visible.
 */
export function escapeHtml(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = value instanceof Date ? value.toISOString() : String(value);
  return text.replace(TO_ESCAPE, (c) => ESCAPES[c] ?? bidiMarker(c));
}

type Part = Html | string | number | null | undefined | boolean | Date | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false || part === true) return '';
  if (part instanceof Html) return part.text;
  if (Array.isArray(part)) return part.map((p) => render(p as Part)).join('');
  return escapeHtml(part);
}

/** Tagged template: interpolations are escaped, Html values and arrays of them are kept. */
export function h(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i] as Part) + (strings[i + 1] ?? '');
  return new Html(out);
}

export interface Viewer {
  username: string;
  displayName: string;
  role: string;
}

export interface PageContext {
  t: Translate;
  lang: Language;
  /** The request's path and query, to switch language on the same page. */
  path: string;
  csrfToken: string;
  viewer?: Viewer | undefined;
  authorityName: string;
  /** "data of import N, published on ..." for every signed-in page. */
  dataNote?: Html | undefined;
}

const NAV: { href: string; key: MessageKey; roles?: string[] }[] = [
  { href: '/quarantene', key: 'navList' },
  { href: '/cruscotti', key: 'navDashboards' },
  { href: '/importazioni', key: 'navImports' },
  { href: '/utenti', key: 'navUsers', roles: ['admin'] },
  { href: '/registro', key: 'navAudit', roles: ['admin'] },
  { href: '/protezione-dati', key: 'navPrivacy', roles: ['admin'] },
  { href: '/password', key: 'navPassword' },
];

export function hiddenCsrf(ctx: PageContext): Html {
  return h`<input type="hidden" name="_csrf" value="${ctx.csrfToken}">`;
}

function languageLink(ctx: PageContext): Html {
  const other = ctx.lang === 'it' ? 'en' : 'it';
  const url = new URL(ctx.path, 'http://portal.invalid');
  url.searchParams.set('lang', other);
  return h`<li class="nav-item"><a class="nav-link" href="${url.pathname + url.search}" lang="${other}" hreflang="${other}">${ctx.t('otherLanguage')}</a></li>`;
}

export function layout(
  ctx: PageContext,
  title: string,
  body: Html,
  options: { scripts?: string[]; head?: Html } = {},
): string {
  const { t } = ctx;
  const nav = ctx.viewer
    ? NAV.filter((item) => !item.roles || item.roles.includes(ctx.viewer!.role)).map(
        (item) =>
          h`<li class="nav-item"><a class="nav-link${ctx.path.startsWith(item.href) ? ' active' : ''}" href="${item.href}"${ctx.path.startsWith(item.href) ? h` aria-current="page"` : ''}>${t(item.key)}</a></li>`,
      )
    : [];
  const user = ctx.viewer
    ? h`<span class="me-3 text-white" data-testid="whoami"><bdi>${ctx.viewer.displayName}</bdi> (${ctx.viewer.username}, ${ctx.viewer.role})</span>
        <form method="post" action="/logout" class="d-inline">${hiddenCsrf(ctx)}<button type="submit" class="btn btn-sm btn-outline-light">${t('logout')}</button></form>`
    : '';
  // bootstrap-italia's script is not loaded: the pages use no component that needs it, and it
  // injects style elements that the Content-Security-Policy (style-src 'self') refuses.
  const scripts = [...(options.scripts ?? []), '/static/app.js'];
  return `<!doctype html>${h`<html lang="${ctx.lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${t('appName')}</title>
<link rel="stylesheet" href="/static/bi/css/bootstrap-italia.min.css">
<link rel="stylesheet" href="/static/portal.css">
${options.head ?? ''}
</head>
<body>
<a class="visually-hidden-focusable skiplink" href="#main">${t('skipToContent')}</a>
<header class="it-header-wrapper">
  <div class="it-header-slim-wrapper"><div class="container"><div class="d-flex justify-content-between align-items-center py-1">
    <span class="text-white">${ctx.authorityName}</span>
    <ul class="nav">${languageLink(ctx)}</ul>
  </div></div></div>
  <div class="it-header-center-wrapper"><div class="container"><div class="d-flex flex-wrap justify-content-between align-items-center py-2">
    <div class="it-brand-title text-white h3 mb-0">${t('appName')}</div>
    <div>${user}</div>
  </div></div></div>
  ${nav.length > 0 ? h`<nav class="it-header-navbar-wrapper" aria-label="${t('appName')}"><div class="container"><ul class="nav flex-wrap portal-nav">${nav}</ul></div></nav>` : ''}
</header>
<main id="main" class="container my-4" tabindex="-1">
${ctx.dataNote ? h`<p class="small text-muted" data-testid="data-note">${ctx.dataNote}</p>` : ''}
${body}
</main>
${scripts.map((src) => h`<script src="${src}" defer></script>`)}
</body>
</html>`}`;
}

export function alert(kind: 'danger' | 'success' | 'info' | 'warning', text: string): Html {
  return h`<div class="alert alert-${kind}" role="${kind === 'danger' ? 'alert' : 'status'}">${text}</div>`;
}

/**
 * The attributes of the box around a table, which scrolls sideways when the table is wider than
 * the screen (a phone): `<div ${scrollBox(label)}><table …></table></div>`. The box is a named
 * region in the tab order, so that a keyboard user can scroll it with the arrow keys even when the
 * table holds no link or button (WCAG 2.1.1; axe: scrollable-region-focusable).
 */
export function scrollBox(label: string): Html {
  return h`class="table-responsive" role="region" aria-label="${label}" tabindex="0"`;
}

/**
 * A value for a table cell, cut to `max` characters (whole code points) with an ellipsis when
 * longer, so that one imported 5,000-character name does not make a row of the list hundreds of
 * lines tall; the page the row links to shows it whole.
 */
export function cut(value: string, max: number): string {
  if (value.length <= max) return value;
  const points = Array.from(value);
  return points.length <= max ? value : `${points.slice(0, max - 1).join('')}…`;
}

/**
 * Data for /static/app.js as a JSON script element (never executed: the CSP allows no inline
 * script). `<`, `>` and `&` are escaped so that no value can close the element.
 */
export function jsonScript(id: string, value: unknown): Html {
  const json = JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'string' ? showBidiControls(v) : v,
  )
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026');
  return new Html(`<script type="application/json" id="${escapeHtml(id)}">${json}</script>`);
}
