/**
 * PostgreSQL's own log holds no personal data (DESIGN §6: personal data only in the audit log):
 * no failed statement's text (the portal's one-trip pages inline their values, so a page that
 * fails its check, for example right after a publication, would copy a search or a fiscal code
 * there) and no error's DETAIL (a unique key's values). Errors are still logged, with their
 * message and SQLSTATE. Set on Aurora by the cluster parameter group (infra/database.ts) and on
 * the embedded server of local mode and the tests (local/embedded.ts).
 */
export const DATABASE_LOG_SETTINGS = {
  log_min_error_statement: 'panic',
  log_error_verbosity: 'terse',
} as const;
