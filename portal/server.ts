// The portal's web server: Fastify with server-rendered pages. Every page that shows data runs in
// one transaction as the logged-in user's database role (db/session.ts), so row-level security and
// column privileges decide what appears; the portal only chooses how to show it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import type pg from 'pg';
import { SessionError, withUserSession } from '../db/session.ts';
import type { PortalConfig } from './config.ts';
import { formatDateTime, HttpError, sessionCookieName, tokenHash } from './common.ts';
import { alert, h, layout, type Html, type PageContext, type Viewer } from './html.ts';
import { isLanguage, translator, type Language, type MessageKey } from './i18n.ts';
import { registerAuthRoutes } from './pages/auth.ts';
import { registerListRoutes } from './pages/list.ts';
import { registerImportRoutes } from './pages/imports.ts';
import { registerDashboardRoutes } from './pages/dashboards.ts';
import { registerAdminRoutes } from './pages/admin.ts';

export interface SessionViewer extends Viewer {
  id: number;
  istatCode: string | null;
  gpCode: string | null;
  aggregatesOnly: boolean;
  purpose: string;
  legalBasis: string;
  dbRole: string;
  latestImport: {
    id: number;
    sourceName: string;
    publishedAt: Date | null;
    referenceDay: string | null;
  } | null;
}

export interface PortalState {
  lang: Language;
  /** The session cookie's token as the browser sent it; the database says whether it is live. */
  sessionToken: string | undefined;
}

/** What a session token looks like (common.ts newSessionToken: 32 random bytes, base64url). */
const SESSION_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

declare module 'fastify' {
  interface FastifyRequest {
    portal: PortalState;
  }
}

export interface PortalDeps {
  config: PortalConfig;
  pool: pg.Pool;
  /** Where bootstrap-italia, chart.js and the portal's own assets are (the bundle has copies). */
  assets?: AssetDirs;
}

export interface AssetDirs {
  bootstrapItalia: string;
  chartJs: string;
  own: string;
}

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** Source checkout: the packages in node_modules; bundle: the copies next to the server file. */
export function defaultAssetDirs(): AssetDirs {
  const bundled = path.join(HERE, 'static');
  if (existsSync(path.join(bundled, 'bootstrap-italia'))) {
    return {
      bootstrapItalia: path.join(bundled, 'bootstrap-italia'),
      chartJs: path.join(bundled, 'chart.js'),
      own: path.join(bundled, 'portal'),
    };
  }
  const root = path.resolve(HERE, '..');
  return {
    bootstrapItalia: path.join(root, 'node_modules', 'bootstrap-italia', 'dist'),
    chartJs: path.join(root, 'node_modules', 'chart.js', 'dist'),
    own: path.join(HERE, 'static'),
  };
}

/** Everything a route needs: rendering, the user's transaction, the viewer. */
export class Portal {
  constructor(
    readonly app: FastifyInstance,
    readonly config: PortalConfig,
    readonly pool: pg.Pool,
  ) {}

  private readonly readableCache = new Map<string, ReadonlySet<string>>();

  pageContext(req: FastifyRequest, reply: FastifyReply, viewer?: SessionViewer): PageContext {
    const t = translator(req.portal.lang);
    let dataNote: Html | undefined;
    if (viewer) {
      const latest = viewer.latestImport;
      dataNote = latest
        ? h`${t('dataPublished', {
            id: latest.id,
            file: latest.sourceName,
            at: latest.publishedAt ? formatDateTime(latest.publishedAt, req.portal.lang) : '–',
          })}`
        : h`${t('noData')}`;
    }
    return {
      t,
      lang: req.portal.lang,
      path: req.url,
      csrfToken: reply.generateCsrf(),
      viewer,
      authorityName: this.config.authorityName,
      dataNote,
    };
  }

  /**
   * An error page's context: its links (the language switch) lead to '/', never back to the
   * requested URL, which may be hand-typed and hold personal data.
   */
  errorPageContext(req: FastifyRequest, reply: FastifyReply): PageContext {
    return { ...this.pageContext(req, reply), path: '/' };
  }

  /** Sends a page; pages with personal data are never cached. */
  send(reply: FastifyReply, html: string, status = 200): FastifyReply {
    return reply
      .status(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header('cache-control', 'no-store')
      .send(html);
  }

  /**
   * Runs `fn` in the signed-in user's transaction with the viewer loaded; no session: redirect to
   * the log-in page. A disabled user (the session fails to open) is logged out.
   */
  async asUser<T>(
    req: FastifyRequest,
    reply: FastifyReply,
    fn: (client: pg.PoolClient, viewer: SessionViewer) => Promise<T>,
  ): Promise<T | FastifyReply> {
    const portalTokenHash = sessionTokenHash(req);
    if (!portalTokenHash) return redirectToLogin(req, reply);
    // Nothing reaches the browser before the transaction commits: a page, a download or a
    // redirect that `fn` sends is held until then (an audited view is never shown unaudited, a
    // redirect after an action never shows the state before it), and dropped when it rolls back.
    // The stand-in answers a marker, not the reply: a reply is a thenable that settles once it
    // has been sent, so handing it back through the transaction's promise would wait forever.
    let held: { payload: unknown } | undefined;
    reply.send = ((payload?: unknown) => {
      held = { payload };
      return SENT_AFTER_COMMIT;
    }) as unknown as FastifyReply['send'];
    let result: T;
    try {
      // The session's check, the role switch and the viewer in one round trip (0026).
      result = await withUserSession(this.pool, { portalTokenHash }, (client, opened) =>
        fn(client, viewerOf(opened.row)),
      );
    } catch (error) {
      if (error instanceof SessionError) {
        restoreSend(reply);
        return redirectToLogin(req, reply);
      }
      throw error;
    } finally {
      restoreSend(reply);
    }
    return held ? reply.send(held.payload) : result;
  }

  /**
   * The signed-in user's id, or undefined, for the few routes that do not open the user's
   * transaction (the log-in page, `/`, form posts that only redirect); asUser needs no lookup.
   */
  async sessionUserId(req: FastifyRequest): Promise<number | undefined> {
    const hash = sessionTokenHash(req);
    if (!hash) return undefined;
    const { rows } = await this.pool.query<{ user_id: string | null }>(
      'select qdp.portal_session_user($1) as user_id',
      [hash],
    );
    return rows[0]?.user_id ? Number(rows[0].user_id) : undefined;
  }

  /** Columns of `table` the transaction's role may select (cached per role: grants change only by migration). */
  async readableColumns(
    client: pg.PoolClient,
    dbRole: string,
    table: string,
  ): Promise<ReadonlySet<string>> {
    const key = `${dbRole}:${table}`;
    const cached = this.readableCache.get(key);
    if (cached) return cached;
    const { rows } = await client.query<{ attname: string }>(
      `select attname from pg_catalog.pg_attribute
       where attrelid = $1::regclass and attnum > 0 and not attisdropped
         and has_column_privilege($1::regclass, attname, 'select')`,
      [table],
    );
    const set = new Set(rows.map((r) => r.attname));
    this.readableCache.set(key, set);
    return set;
  }

  clientAddress(req: FastifyRequest): string {
    return req.ip;
  }
}

function redirectToLogin(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (req.method !== 'GET') throw new HttpError(401, 'sessionEnded');
  const next = encodeURIComponent(req.url);
  return reply.redirect(`/login?next=${next}`, 303);
}

/** What `reply.send` answers inside asUser's transaction (the reply goes out after COMMIT). */
const SENT_AFTER_COMMIT = Object.freeze({ sentAfterCommit: true });

/** Gives the reply back its own send (asUser holds what is sent inside the transaction). */
function restoreSend(reply: FastifyReply): void {
  delete (reply as { send?: unknown }).send;
}

function sessionTokenHash(req: FastifyRequest): Buffer | undefined {
  const token = req.portal.sessionToken;
  return token && SESSION_TOKEN_SHAPE.test(token) ? tokenHash(token) : undefined;
}

/** The viewer from the opening row of a portal session (qdp.portal_open_session, 0026). */
function viewerOf(r: Record<string, unknown>): SessionViewer {
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    id: Number(r.user_id),
    username: String(r.username),
    displayName: String(r.display_name),
    role: String(r.role),
    istatCode: text(r.istat_code),
    gpCode: text(r.gp_code),
    aggregatesOnly: r.aggregates_only === true,
    purpose: String(r.purpose),
    legalBasis: String(r.legal_basis),
    dbRole: String(r.db_role),
    latestImport:
      r.latest_import_id === null
        ? null
        : {
            id: Number(r.latest_import_id),
            sourceName: String(r.latest_source_name),
            publishedAt: (r.latest_published_at as Date | null) ?? null,
            referenceDay: text(r.latest_reference_day),
          },
  };
}

export async function buildPortal(deps: PortalDeps): Promise<FastifyInstance> {
  const { config, pool } = deps;
  const assets = deps.assets ?? defaultAssetDirs();
  const options: FastifyServerOptions = {
    // No request logging: URLs can carry fiscal codes (DESIGN: personal data only in the audit log).
    logger: false,
    // One hop (the load balancer): the address it appends, not one a client wrote into the header.
    trustProxy: config.trustProxy ? (_address: string, hop: number) => hop < 1 : false,
    bodyLimit: 64 * 1024,
  };
  const app = Fastify(options);
  await app.register(fastifyCookie, { secret: config.cookieSecret });
  await app.register(fastifyFormbody);
  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        // bootstrap-italia's stylesheet embeds one icon font as a data: URI.
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(config.secureCookies ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: config.secureCookies
      ? { maxAge: 31_536_000, includeSubDomains: true }
      : false,
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false,
  });
  await app.register(fastifyCsrf, {
    cookieKey: config.secureCookies ? '__Host-qdp_csrf' : 'qdp_csrf',
    cookieOpts: {
      path: '/',
      httpOnly: true,
      sameSite: 'strict',
      secure: config.secureCookies,
      signed: true,
    },
  });
  await app.register(fastifyStatic, {
    root: assets.bootstrapItalia,
    prefix: '/static/bi/',
    decorateReply: false,
    index: false,
    maxAge: '1d',
  });
  await app.register(fastifyStatic, {
    root: assets.chartJs,
    prefix: '/static/chart/',
    decorateReply: false,
    index: false,
    allowedPath: (p) => p === '/chart.umd.min.js',
    maxAge: '1d',
  });
  await app.register(fastifyStatic, {
    root: assets.own,
    prefix: '/static/',
    decorateReply: false,
    index: false,
    maxAge: '1h',
  });

  app.decorateRequest('portal', null as unknown as PortalState);
  const cookieName = sessionCookieName(config);
  app.addHook('onRequest', async (req, reply) => {
    const query = req.query as Record<string, unknown> | undefined;
    let lang: Language = 'it';
    if (isLanguage(query?.lang)) {
      lang = query.lang;
      void reply.setCookie('qdp_lang', lang, {
        path: '/',
        sameSite: 'lax',
        secure: config.secureCookies,
        httpOnly: true,
        maxAge: 31_536_000,
      });
    } else if (isLanguage(req.cookies.qdp_lang)) {
      lang = req.cookies.qdp_lang;
    }
    req.portal = { lang, sessionToken: req.cookies[cookieName] };
  });

  const portal = new Portal(app, config, pool);

  app.setErrorHandler(async (error, req, reply) => {
    const e = error as Error & { statusCode?: number; code?: string; validation?: unknown };
    let status = 500;
    let key: MessageKey = 'error';
    let detail: string | undefined;
    if (error instanceof HttpError) {
      status = error.statusCode;
      key = error.messageKey;
      detail = error.detail;
    } else if (e.code === 'FST_CSRF_INVALID_TOKEN' || e.code === 'FST_CSRF_MISSING_SECRET') {
      status = 403;
      key = 'csrfFailed';
    } else if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
      status = e.statusCode;
      key = status === 404 ? 'notFound' : 'invalidInput';
      detail = 'request';
    } else {
      // Only the message and the code: never the request (its URL or form may hold personal data).
      process.stderr.write(`portal: ${e.code ?? 'error'}: ${e.message}\n`);
    }
    const ctx = portal.errorPageContext(req, reply);
    const t = ctx.t;
    const text = key === 'invalidInput' ? t('invalidInput', { what: detail ?? '' }) : t(key);
    return portal.send(
      reply,
      layout(ctx, t('error'), h`<h1 class="h3">${status}</h1>${alert('danger', text)}`),
      status,
    );
  });
  app.setNotFoundHandler(async (req, reply) => {
    const ctx = portal.errorPageContext(req, reply);
    return portal.send(
      reply,
      layout(
        ctx,
        ctx.t('notFound'),
        h`<h1 class="h3">404</h1>${alert('warning', ctx.t('notFound'))}`,
      ),
      404,
    );
  });

  app.get('/healthz', async (_req, reply) => {
    try {
      await pool.query('select 1');
      return reply.header('cache-control', 'no-store').send({ status: 'ok' });
    } catch {
      return reply
        .status(503)
        .header('cache-control', 'no-store')
        .send({ status: 'database unavailable' });
    }
  });
  // No icon: an empty answer rather than a 404 in every browser's console.
  app.get('/favicon.ico', async (_req, reply) =>
    reply.status(204).header('cache-control', 'max-age=86400').send(),
  );
  app.get('/', async (req, reply) =>
    reply.redirect((await portal.sessionUserId(req)) ? '/quarantene' : '/login', 303),
  );

  registerAuthRoutes(portal);
  registerListRoutes(portal);
  registerImportRoutes(portal);
  registerDashboardRoutes(portal);
  registerAdminRoutes(portal);
  return app;
}
