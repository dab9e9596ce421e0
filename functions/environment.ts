// The environment of each Lambda function, validated with zod so that a missing or malformed
// setting fails the invocation with a message naming the variable. The names are a contract with
// infra/ (contracts/lambda.ts), which sets exactly the variables each schema here reads.
import { z } from 'zod';
import { DEFAULT_LIMITS } from '../contracts/daily-file.ts';
import { LAMBDA_ENV } from '../contracts/lambda.ts';
import { PORTAL_LOGIN_ROLE, POLICY_ROLES } from '../contracts/roles.ts';
import { provinceListSetting } from '../contracts/territory.ts';

const arn = z.string().regex(/^arn:aws[a-z-]*:/, 'must be an ARN (arn:aws:…)');
const name = z.string().min(1);

const dataApi = {
  [LAMBDA_ENV.databaseClusterArn]: arn,
  [LAMBDA_ENV.databaseSecretArn]: arn,
  [LAMBDA_ENV.databaseName]: name,
};

export const onUploadSchema = z.object({
  ...dataApi,
  [LAMBDA_ENV.failureTopicArn]: arn,
  [LAMBDA_ENV.glueWorkflowName]: name,
  [LAMBDA_ENV.maxFileBytes]: z.coerce
    .number()
    .int()
    .positive()
    .default(DEFAULT_LIMITS.maxFileBytes),
});

export const notifySchema = z.object({
  ...dataApi,
  [LAMBDA_ENV.successTopicArn]: arn,
  [LAMBDA_ENV.failureTopicArn]: arn,
  [LAMBDA_ENV.glueWorkflowName]: name,
  [LAMBDA_ENV.platformName]: name,
  [LAMBDA_ENV.timeZone]: z
    .string()
    .refine((zone) => isTimeZone(zone), 'must be an IANA time zone such as Europe/Rome')
    .default('Europe/Rome'),
});

export const migrateSchema = z.object({
  [LAMBDA_ENV.databaseSecretArn]: arn,
  [LAMBDA_ENV.databaseName]: name,
  [LAMBDA_ENV.databaseHost]: name,
  [LAMBDA_ENV.databasePort]: z.coerce.number().int().min(1).max(65535).default(5432),
  [LAMBDA_ENV.databaseTls]: z.enum(['verify-full', 'disable']).default('verify-full'),
  [LAMBDA_ENV.territoryProvinces]: provinceListSetting,
  [LAMBDA_ENV.portalSettingsSecretArn]: arn.optional(),
  [LAMBDA_ENV.portalLoginRole]: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case PostgreSQL role name')
    .refine(
      (role) => !(POLICY_ROLES as readonly string[]).includes(role),
      'must not be a role of the access policy',
    )
    .default(PORTAL_LOGIN_ROLE),
});

/** The rotation function rotates this one secret (the portal's settings). */
export const rotateDatabaseSecretSchema = z.object({
  [LAMBDA_ENV.portalSettingsSecretArn]: arn,
});

/** The schema of each function, by the name of its folder. */
export const FUNCTION_ENVIRONMENTS = {
  'on-upload': onUploadSchema,
  notify: notifySchema,
  migrate: migrateSchema,
  'rotate-database-secret': rotateDatabaseSecretSchema,
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
