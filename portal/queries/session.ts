// A portal request's session: the opening row of `qdp.portal_open_session` (0026) typed once, the
// viewer every page shows, and the user's transaction (db/session.ts) opened by the session's
// token hash.
import type pg from 'pg';
import { oneTripSession, withUserSession, type OneTripResult } from '../../db/session.ts';

/** One row of `qdp.portal_open_session(token hash)`: its OUT parameters as pg returns them. */
export interface PortalSessionRow {
  user_id: string;
  db_role: string;
  username: string;
  display_name: string;
  role: string;
  istat_code: string | null;
  gp_code: string | null;
  aggregates_only: boolean;
  purpose: string;
  legal_basis: string;
  latest_import_id: string | null;
  latest_source_name: string | null;
  latest_published_at: Date | null;
  latest_reference_day: string | null;
}

/** Who is looking, as every page shows it. */
export interface SessionViewer {
  id: number;
  username: string;
  displayName: string;
  role: string;
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

export function viewerOf(r: PortalSessionRow): SessionViewer {
  return {
    id: Number(r.user_id),
    username: r.username,
    displayName: r.display_name,
    role: r.role,
    istatCode: r.istat_code,
    gpCode: r.gp_code,
    aggregatesOnly: r.aggregates_only === true,
    purpose: r.purpose,
    legalBasis: r.legal_basis,
    dbRole: r.db_role,
    latestImport:
      r.latest_import_id === null
        ? null
        : {
            id: Number(r.latest_import_id),
            sourceName: String(r.latest_source_name),
            publishedAt: r.latest_published_at,
            referenceDay: r.latest_reference_day,
          },
  };
}

/**
 * Runs `fn` in the transaction of the session whose token hashes to `tokenHash`: the session's
 * check, the role switch and the viewer in one round trip (0026), COMMIT after `fn`. Throws
 * db/session.ts's SessionError when the session is unknown, ended or its user disabled.
 */
export async function inSession<T>(
  pool: pg.Pool,
  tokenHash: Buffer,
  fn: (client: pg.PoolClient, viewer: SessionViewer) => Promise<T>,
): Promise<T> {
  return withUserSession(pool, { portalTokenHash: tokenHash }, (client, opened) =>
    fn(client, viewerOf(opened.row as unknown as PortalSessionRow)),
  );
}

/** The live session's user id, or undefined (no transaction: the few routes that only redirect). */
export async function sessionUserId(pool: pg.Pool, tokenHash: Buffer): Promise<number | undefined> {
  const { rows } = await pool.query<{ user_id: string | null }>(
    'select qdp.portal_session_user($1) as user_id',
    [tokenHash],
  );
  return rows[0]?.user_id ? Number(rows[0].user_id) : undefined;
}

/** The viewer of a live session, or undefined (read alone, outside any transaction). */
export async function lookupViewer(
  pool: pg.Pool,
  tokenHash: Buffer,
): Promise<SessionViewer | undefined> {
  const { rows } = await pool.query<PortalSessionRow>(
    'select * from qdp.portal_open_session($1) where db_role is not null',
    [tokenHash],
  );
  return rows[0] ? viewerOf(rows[0]) : undefined;
}

/**
 * A page's statements in the session's transaction in one round trip (db/session.ts
 * oneTripSession), built for `guess`; throws SessionGuessError when the guess did not hold.
 */
export async function inOneTrip(
  pool: pg.Pool,
  tokenHash: Buffer,
  guess: SessionViewer,
  statements: readonly string[],
): Promise<{ viewer: SessionViewer; results: OneTripResult['results'] }> {
  const { row, results } = await oneTripSession(
    pool,
    tokenHash,
    { dbRole: guess.dbRole, latestImportId: guess.latestImport?.id ?? null },
    statements,
  );
  return { viewer: viewerOf(row as unknown as PortalSessionRow), results };
}
