// Stack configuration → QuarantineDataPlatform arguments. Pure: reads the map Pulumi gives the
// program (`pulumi.runtime.allConfig()`: every value a string, lists and objects as JSON), checks
// each setting's type, refuses unknown settings (a typo must not silently fall back to a default),
// then runs the component's own validateArgs; every problem is reported at once, with the key.
import { z } from 'zod';
import { validateArgs, validateName, type QuarantineDataPlatformArgs } from '../infra/args.ts';

export const PROJECT = 'quarantine-data-platform';

type Kind = 'string' | 'number' | 'boolean' | 'strings' | 'users' | 'endpointType' | 'tags';

/**
 * A setting per argument of the component (`region` is the stack's `aws:region`), and `name`:
 * typed from the Args, so an argument added to the component cannot be forgotten here.
 */
type SettingKeys = Exclude<keyof QuarantineDataPlatformArgs, 'region'> | 'name';

/** Every setting the program reads (in the project's namespace), and its kind. */
export const SETTINGS: { readonly [K in SettingKeys]-?: Kind } = {
  name: 'string',
  authorityName: 'string',
  territoryProvinces: 'strings',
  sftpUsers: 'users',
  alertEmails: 'strings',
  importDeadline: 'string',
  timeZone: 'string',
  rawFileRetentionDays: 'number',
  logRetentionDays: 'number',
  databaseEngineVersion: 'string',
  databaseMinCapacity: 'number',
  databaseMaxCapacity: 'number',
  databaseBackupRetentionDays: 'number',
  databaseDeletionProtection: 'boolean',
  databaseInstances: 'number',
  backupRetentionDays: 'number',
  backupVaultLock: 'boolean',
  backupCopyRegion: 'string',
  vpcId: 'string',
  privateSubnetIds: 'strings',
  publicSubnetIds: 'strings',
  vpcCidrBlock: 'string',
  availabilityZoneCount: 'number',
  kmsKeyArn: 'string',
  enableAnalytics: 'boolean',
  enablePortal: 'boolean',
  portalCertificateArn: 'string',
  portalAllowPlainHttp: 'boolean',
  portalInstanceType: 'string',
  portalMinInstances: 'number',
  portalMaxInstances: 'number',
  portalAllowedCidrs: 'strings',
  portalDeletionProtection: 'boolean',
  portalRateLimitPerAddress: 'number',
  portalDatabasePasswordRotationDays: 'number',
  portalOidcIssuer: 'string',
  portalOidcClientId: 'string',
  portalOidcClaim: 'string',
  portalOidcScopes: 'string',
  portalOidcLabel: 'string',
  portalPublicUrl: 'string',
  sftpEndpointType: 'endpointType',
  sftpAllowedCidrs: 'strings',
  tags: 'tags',
  onUploadReservedConcurrency: 'number',
  manageDataCatalogEncryption: 'boolean',
};

const REQUIRED = ['authorityName', 'territoryProvinces', 'sftpUsers'];

const jsonText = z.string().transform((text, ctx) => {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    ctx.addIssue({ code: 'custom', message: 'is not valid YAML/JSON' });
    return z.NEVER;
  }
});

const SCHEMAS: Record<Kind, z.ZodType> = {
  string: z.string().min(1, 'must not be empty'),
  number: z
    .string()
    .regex(/^-?[0-9]+(\.[0-9]+)?$/, 'must be a number')
    .transform(Number),
  boolean: z.enum(['true', 'false'], 'must be true or false').transform((v) => v === 'true'),
  strings: jsonText.pipe(z.array(z.string(), 'must be a list of strings')),
  users: jsonText.pipe(
    z.array(
      z.strictObject({ userName: z.string(), sshPublicKeys: z.array(z.string()) }),
      'must be a list of { userName, sshPublicKeys: [...] }',
    ),
  ),
  endpointType: z.enum(['PUBLIC', 'VPC'], 'must be PUBLIC or VPC'),
  tags: jsonText.pipe(z.record(z.string(), z.string(), 'must be a map of strings')),
};

export interface StackSettings {
  /** The component's name: the `name` setting, or the stack's name. */
  name: string;
  args: QuarantineDataPlatformArgs;
}

/**
 * The component's name and arguments from the stack configuration, or every problem found.
 * `config` is `pulumi.runtime.allConfig()`; `stack` the stack's name (the default name).
 */
export function settingsFromConfig(
  config: Record<string, string>,
  stack: string,
): { settings: StackSettings; problems: [] } | { settings: undefined; problems: string[] } {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  const prefix = `${PROJECT}:`;
  for (const [fullKey, raw] of Object.entries(config)) {
    if (!fullKey.startsWith(prefix)) continue;
    const key = fullKey.slice(prefix.length);
    const kind = (SETTINGS as Record<string, Kind | undefined>)[key];
    if (kind === undefined) {
      problems.push(
        `${fullKey}: unknown setting; the settings are ${Object.keys(SETTINGS).join(', ')}`,
      );
      continue;
    }
    const parsed = SCHEMAS[kind].safeParse(raw);
    if (parsed.success) values[key] = parsed.data;
    else {
      for (const issue of parsed.error.issues) {
        const at = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`));
        problems.push(`${fullKey}${at.join('')}: ${issue.message}`);
      }
    }
  }
  for (const key of REQUIRED) {
    if (!(`${prefix}${key}` in config)) {
      problems.push(`${prefix}${key}: required (pulumi config set ${key} … ; see Pulumi.dev.yaml)`);
    }
  }
  if (problems.length > 0) return { settings: undefined, problems };

  const name = typeof values['name'] === 'string' ? values['name'] : stack;
  delete values['name'];
  const args = values as unknown as QuarantineDataPlatformArgs;
  const semantic = [...validateName(name), ...validateArgs(args)].map((p) => `${prefix}${p}`);
  if (semantic.length > 0) return { settings: undefined, problems: semantic };
  return { settings: { name, args }, problems: [] };
}
