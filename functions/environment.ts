// The environment of each Lambda function: variable names declared once (infra/ imports them to
// set them, the handlers parse them here), validated with zod so that a missing or malformed
// setting fails the invocation with a message naming the variable.
import { z } from 'zod';
import { DEFAULT_LIMITS } from '../core/contract.ts';
import jobArguments from '../glue/job-arguments.json' with { type: 'json' };

/** Every variable any function reads. */
export const ENV = {
  /** Aurora cluster ARN, for the RDS Data API. */
  databaseClusterArn: 'QDP_DATABASE_CLUSTER_ARN',
  /** Secrets Manager ARN of the database credentials (Data API; migrate connects with it). */
  databaseSecretArn: 'QDP_DATABASE_SECRET_ARN',
  /** Database name inside the cluster. */
  databaseName: 'QDP_DATABASE_NAME',
  /** Writer endpoint host and port (migrate only: it needs a session, see migrate/index.ts). */
  databaseHost: 'QDP_DATABASE_HOST',
  databasePort: 'QDP_DATABASE_PORT',
  /** `verify-full` (default; the Lambda runtime's CA bundle holds the RDS roots) or `disable`. */
  databaseTls: 'QDP_DATABASE_TLS',
  successTopicArn: 'QDP_SUCCESS_TOPIC_ARN',
  failureTopicArn: 'QDP_FAILURE_TOPIC_ARN',
  /** The Glue workflow that on-upload starts (crawler, then the import job). */
  glueWorkflowName: 'QDP_GLUE_WORKFLOW_NAME',
  /** Overrides the contract's max_file_bytes (core/contract/daily-file.json). */
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

/** The portal's login role in AWS (local mode has its own, portal/local.ts). */
export const PORTAL_LOGIN_ROLE = 'qdp_portal_login';

/**
 * The keys of the portal's settings secret (JSON): the two settings of portal/config.ts that are
 * secret; the instances' boot script (infra/portal.ts) copies them into the portal's environment.
 */
export const PORTAL_SECRET_SETTINGS = {
  databaseUrl: 'QDP_PORTAL_DATABASE_URL',
  cookieSecret: 'QDP_PORTAL_COOKIE_SECRET',
} as const;

/** Roles of the access policy (db/migrations/0010) the portal's login role must not be. */
const POLICY_ROLES = [
  'qdp_portal',
  'qdp_admin',
  'qdp_staff',
  'qdp_prefecture',
  'qdp_municipality',
  'qdp_gp',
];

/** Where things live in the landing bucket (infra's notification filter and crawler use them). */
export const INBOX_PREFIX = 'inbox/';
export const STAGING_PREFIX = 'staging/';

/** The namespace, name and dimension of the deadline metric (the alarm in infra/alerts.ts). */
export const DEADLINE_METRIC = {
  namespace: 'QuarantineDataPlatform',
  name: 'ImportDeadlineMissed',
  dimension: 'Platform',
} as const;

const jobArgumentsSchema = z.object({
  stagedFile: z.object({ lineNumberColumn: z.string().min(1) }),
  runProperties: z.object({
    importId: z.string().min(1),
    stagedBucket: z.string().min(1),
    stagedKey: z.string().min(1),
    sourceName: z.string().min(1),
  }),
});

/**
 * Glue workflow run property names, declared with the Glue jobs' arguments in
 * glue/job-arguments.json (the import job reads the same file); bundled into each function.
 */
const declared = jobArgumentsSchema.parse(jobArguments);
export const WORKFLOW_RUN_PROPERTIES = declared.runProperties;

/**
 * The staged CSV's column that carries each record's line in the uploaded file (the Glue job
 * then reports rejects at the uploaded lines, across blank lines and .xlsx rows).
 */
export const STAGED_LINE_NUMBER_COLUMN = declared.stagedFile.lineNumberColumn;

const arn = z.string().regex(/^arn:aws[a-z-]*:/, 'must be an ARN (arn:aws:…)');
const name = z.string().min(1);

const dataApi = {
  [ENV.databaseClusterArn]: arn,
  [ENV.databaseSecretArn]: arn,
  [ENV.databaseName]: name,
};

export const onUploadSchema = z.object({
  ...dataApi,
  [ENV.failureTopicArn]: arn,
  [ENV.glueWorkflowName]: name,
  [ENV.maxFileBytes]: z.coerce.number().int().positive().default(DEFAULT_LIMITS.maxFileBytes),
});

export const notifySchema = z.object({
  ...dataApi,
  [ENV.successTopicArn]: arn,
  [ENV.failureTopicArn]: arn,
  [ENV.glueWorkflowName]: name,
  [ENV.platformName]: name,
  [ENV.timeZone]: z
    .string()
    .refine((zone) => isTimeZone(zone), 'must be an IANA time zone such as Europe/Rome')
    .default('Europe/Rome'),
});

export const migrateSchema = z.object({
  [ENV.databaseSecretArn]: arn,
  [ENV.databaseName]: name,
  [ENV.databaseHost]: name,
  [ENV.databasePort]: z.coerce.number().int().min(1).max(65535).default(5432),
  [ENV.databaseTls]: z.enum(['verify-full', 'disable']).default('verify-full'),
  [ENV.territoryProvinces]: z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((p) => p.trim().toUpperCase())
        .filter((p) => p.length > 0),
    )
    .refine((list) => list.length > 0, 'must name at least one province (e.g. VR)'),
  [ENV.portalSettingsSecretArn]: arn.optional(),
  [ENV.portalLoginRole]: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case PostgreSQL role name')
    .refine((role) => !POLICY_ROLES.includes(role), 'must not be a role of the access policy')
    .default(PORTAL_LOGIN_ROLE),
});

/** The schema of each function, by the name of its folder. */
export const FUNCTION_ENVIRONMENTS = {
  'on-upload': onUploadSchema,
  notify: notifySchema,
  migrate: migrateSchema,
} as const;

export type FunctionName = keyof typeof FUNCTION_ENVIRONMENTS;
export const FUNCTION_NAMES = Object.keys(FUNCTION_ENVIRONMENTS) as FunctionName[];

/** The variable names a function reads (infra sets exactly these). */
export function environmentNames(fn: FunctionName): string[] {
  return Object.keys(FUNCTION_ENVIRONMENTS[fn].shape);
}

export class EnvironmentError extends Error {}

/** Parses a function's environment; every problem is reported at once, each naming its variable. */
export function parseEnvironment<F extends FunctionName>(
  fn: F,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<(typeof FUNCTION_ENVIRONMENTS)[F]> {
  const given = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = FUNCTION_ENVIRONMENTS[fn].safeParse(given);
  if (parsed.success) return parsed.data as z.infer<(typeof FUNCTION_ENVIRONMENTS)[F]>;
  const problems = parsed.error.issues.map(
    (issue) =>
      `${issue.path.join('.')}: ${issue.code === 'invalid_type' && issue.input === undefined ? 'is not set' : issue.message}`,
  );
  throw new EnvironmentError(`${fn}: invalid environment: ${problems.join('; ')}`);
}

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
