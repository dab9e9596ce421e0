// The request's context: its language (?lang=, kept in a cookie), its session token (the cookie),
// and `app.portal`, what routes use to reach the data and answer: `asUser` runs a route's work in
// the signed-in user's transaction (queries/session.ts: the database checks the session and
// switches to the user's role), `pageContext` and `send` render and send a page. Nothing a user's
// transaction sends reaches the browser before it commits.
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type pg from 'pg';
import { SessionError, SessionGuessError } from '../../db/session.ts';
import { formatDateTime, HttpError, sessionCookieName, tokenHash } from '../common.ts';
import type { PortalConfig } from '../config.ts';
import { h, type Html, type PageContext } from '../html.ts';
import { isLanguage, translator, type Language } from '../i18n.ts';
import { OidcRelyingParty } from '../sign-in/oidc.ts';
import {
  inOneTrip,
  inSession,
  lookupViewer,
  sessionUserId,
  type SessionViewer,
} from '../queries/session.ts';

export interface RequestState {
  lang: Language;
  /** The session cookie's token as the browser sent it; the database says whether it is live. */
  sessionToken: string | undefined;
}

declare module 'fastify' {
  interface FastifyRequest {
    portal: RequestState;
  }
  interface FastifyInstance {
    portal: Portal;
  }
}

/** What a session token looks like (common.ts newSessionToken: 32 random bytes, base64url). */
const SESSION_TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** What `reply.send` answers inside asUser's transaction (the reply goes out after COMMIT). */
const SENT_AFTER_COMMIT = Object.freeze({ sentAfterCommit: true });

/** Rows of each statement of a one-trip page, in order. */
export type StatementRows = Record<string, unknown>[][];

// The viewer each recent session had, by token hash: what a one-trip page's statements are built
// for (role, latest import). Only a guess: the database checks it in the page's own transaction.
const GUESSES_MAX = 10_000;
const viewerGuesses = new Map<string, SessionViewer>();

function rememberViewer(key: string, viewer: SessionViewer): void {
  if (viewerGuesses.size >= GUESSES_MAX && !viewerGuesses.has(key)) viewerGuesses.clear();
  viewerGuesses.set(key, viewer);
}

/** Everything a route needs besides its own queries: the user's transaction, rendering, sending. */
export class Portal {
  /** The OpenID Connect relying party (one per app: the provider is discovered once), if any. */
  readonly oidc: OidcRelyingParty | undefined;

  constructor(
    readonly config: PortalConfig,
    readonly pool: pg.Pool,
  ) {
    this.oidc = config.oidc ? new OidcRelyingParty(config.oidc) : undefined;
  }

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
    const hash = requestTokenHash(req);
    if (!hash) return redirectToLogin(req, reply);
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
      result = await inSession(this.pool, hash, fn);
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
   * A page in one database round trip: `build` makes the page's statements (values inlined) for
   * the session's viewer as last seen, and they run with the session's opening, the check that the
   * viewer's role and latest import still hold, and COMMIT in one simple-protocol query
   * (db/session.ts oneTripSession). `render` gets the viewer as the database opened it and each
   * statement's rows, after COMMIT. A wrong guess (a new import, another role) costs a second
   * try; no live session: redirect to the log-in page.
   */
  async onceAsUser<T>(
    req: FastifyRequest,
    reply: FastifyReply,
    build: (viewer: SessionViewer) => Promise<string[]> | string[],
    render: (viewer: SessionViewer, rows: StatementRows) => Promise<T> | T,
  ): Promise<T | FastifyReply> {
    const hash = requestTokenHash(req);
    if (!hash) return redirectToLogin(req, reply);
    const key = hash.toString('hex');
    let last: SessionGuessError | undefined;
    for (let attempt = 0; attempt < 2; attempt++) {
      let guess = viewerGuesses.get(key);
      if (!guess) {
        guess = await lookupViewer(this.pool, hash);
        if (!guess) return redirectToLogin(req, reply);
        rememberViewer(key, guess);
      }
      const statements = await build(guess);
      try {
        const { viewer, results } = await inOneTrip(this.pool, hash, guess, statements);
        rememberViewer(key, viewer);
        return await render(viewer, results);
      } catch (error) {
        if (!(error instanceof SessionGuessError)) throw error;
        last = error;
        viewerGuesses.delete(key);
      }
    }
    throw new Error(`the page failed twice on a fresh view of its session: ${last?.message}`);
  }

  /**
   * The signed-in user's id, or undefined, for the few routes that do not open the user's
   * transaction (the log-in page, `/`, form posts that only redirect); asUser needs no lookup.
   */
  async sessionUserId(req: FastifyRequest): Promise<number | undefined> {
    const hash = requestTokenHash(req);
    return hash ? sessionUserId(this.pool, hash) : undefined;
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

/** Gives the reply back its own send (asUser holds what is sent inside the transaction). */
function restoreSend(reply: FastifyReply): void {
  delete (reply as { send?: unknown }).send;
}

function requestTokenHash(req: FastifyRequest): Buffer | undefined {
  const token = req.portal.sessionToken;
  return token && SESSION_TOKEN_SHAPE.test(token) ? tokenHash(token) : undefined;
}

export interface SessionOptions {
  config: PortalConfig;
  pool: pg.Pool;
}

export default fp<SessionOptions>(
  async (app, { config, pool }) => {
    app.decorate('portal', new Portal(config, pool));
    app.decorateRequest('portal', null as unknown as RequestState);
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
  },
  { name: 'qdp-session', dependencies: ['qdp-csrf'] },
);
