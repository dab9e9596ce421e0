// What the component (infra/) and the Lambda functions (functions/) agree on: the runtime the
// bundles are built for, the names of the environment variables each function reads (their zod
// schemas stay with the functions, functions/environment.ts), and the deadline metric notify
// writes and an alarm watches.

/** The Lambda runtime of every function: functions/bundle.ts builds for it, infra/lambda.ts declares it. */
export const LAMBDA_RUNTIME = 'nodejs22.x';

/** Every environment variable any function reads. */
export const LAMBDA_ENV = {
  /** Aurora cluster ARN, for the RDS Data API. */
  databaseClusterArn: 'QDP_DATABASE_CLUSTER_ARN',
  /** Secrets Manager ARN of the database credentials (Data API; migrate connects with it). */
  databaseSecretArn: 'QDP_DATABASE_SECRET_ARN',
  /** Database name inside the cluster. */
  databaseName: 'QDP_DATABASE_NAME',
  /** Writer endpoint host and port (migrate only: it needs a session, see functions/migrate). */
  databaseHost: 'QDP_DATABASE_HOST',
  databasePort: 'QDP_DATABASE_PORT',
  /** `verify-full` (default: Amazon RDS's authorities, db/tls.ts) or `disable`. */
  databaseTls: 'QDP_DATABASE_TLS',
  successTopicArn: 'QDP_SUCCESS_TOPIC_ARN',
  failureTopicArn: 'QDP_FAILURE_TOPIC_ARN',
  /** The Glue workflow that on-upload starts (crawler, then the import job). */
  glueWorkflowName: 'QDP_GLUE_WORKFLOW_NAME',
  /** Overrides the daily-file contract's max_file_bytes (contracts/daily-file.json). */
  maxFileBytes: 'QDP_MAX_FILE_BYTES',
  /** The component's name: the `Platform` dimension of the deadline metric. */
  platformName: 'QDP_PLATFORM_NAME',
  /** IANA time zone of the import deadline (what "today" means for the deadline check). */
  timeZone: 'QDP_TIME_ZONE',
  /** Two-letter province codes of the territory (migrate marks them in qdp.municipalities). */
  territoryProvinces: 'QDP_TERRITORY_PROVINCES',
  /**
   * The portal's settings secret (set only with the portal): migrate keeps the portal's database
   * login and writes its settings there (functions/migrate/portal-login.ts).
   */
  portalSettingsSecretArn: 'QDP_PORTAL_SETTINGS_SECRET_ARN',
  /** The login role migrate keeps for the portal (a member of qdp_portal). */
  portalLoginRole: 'QDP_PORTAL_LOGIN_ROLE',
} as const;

/** The namespace, name and dimension of the deadline metric (the alarm in infra/monitoring.ts). */
export const DEADLINE_METRIC = {
  namespace: 'QuarantineDataPlatform',
  name: 'ImportDeadlineMissed',
  dimension: 'Platform',
} as const;
