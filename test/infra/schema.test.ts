// The component as other Pulumi languages see it: its type token (the package's name, module
// `index`), the alias that keeps stacks made with the earlier token in place, and the schema the
// analyzer of @pulumi/pulumi generates for `pulumi package add` (in-process, from the sources).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test } from 'vitest';
import {
  COMPONENT_TYPE,
  PREVIOUS_COMPONENT_TYPE,
  QuarantineDataPlatform,
} from '../../infra/index.ts';
import { packageSchema, PLUGIN_NAME } from '../../infra/schema.ts';
import { minimalArgs } from './fixtures.ts';
import { installMocks, resolve, settle } from './mocks.ts';

test("the type token is the package's name, module index; the 0.1 token and the caller's aliases are kept", async () => {
  const rec = await installMocks();
  const seen: unknown[] = [];
  const platform = new QuarantineDataPlatform('ulss9', minimalArgs, {
    aliases: [{ name: 'ulss9-old' }],
    transformations: [
      (resource) => {
        if (resource.type === COMPONENT_TYPE) seen.push(resource.opts.aliases);
        return undefined;
      },
    ],
  });
  await resolve(platform.dashboardName);
  await settle(rec);
  expect(COMPONENT_TYPE).toBe('quarantine-data-platform:index:QuarantineDataPlatform');
  expect(seen).toEqual([[{ name: 'ulss9-old' }, { type: PREVIOUS_COMPONENT_TYPE }]]);
  expect(PREVIOUS_COMPONENT_TYPE).toBe('quarantine:index:QuarantineDataPlatform');
  expect(rec.resources.filter((r) => r.type === COMPONENT_TYPE).map((r) => r.name)).toEqual([
    'ulss9',
  ]);
});

const root = path.resolve(import.meta.dirname, '../..');

/** `string`, `number`, `array<string>`, `map<string>` or the `$ref` of a schema property. */
function typeOf(property: SchemaProperty): string {
  if (property.$ref !== undefined) return property.$ref;
  if (property.type === 'array') return `array<${typeOf(property.items!)}>`;
  if (property.type === 'object' && property.additionalProperties !== undefined) {
    return `map<${typeOf(property.additionalProperties)}>`;
  }
  return property.type!;
}

interface SchemaProperty {
  type?: string;
  $ref?: string;
  items?: SchemaProperty;
  additionalProperties?: SchemaProperty;
  description?: string;
}

/** The names in backticks of a README section (from its heading to the next one). */
function namesInSection(readme: string, heading: string): Set<string> {
  const start = readme.indexOf(`${heading}\n`);
  const section = readme.slice(start, readme.indexOf('\n#', start + heading.length));
  return new Set([...section.matchAll(/`([a-zA-Z]+)`/g)].map((m) => m[1]!));
}

test('the package schema (the analyzer @pulumi/pulumi ships): every argument and output, typed, described, in the README', async () => {
  const schema = (await packageSchema(root)) as {
    name: string;
    resources: Record<
      string,
      {
        inputProperties: Record<string, SchemaProperty>;
        requiredInputs: string[];
        properties: Record<string, SchemaProperty>;
        required: string[];
        description: string;
      }
    >;
    types: Record<string, { properties: Record<string, SchemaProperty>; required: string[] }>;
  };
  expect(schema.name).toBe(PLUGIN_NAME);
  expect(Object.keys(schema.resources)).toEqual([COMPONENT_TYPE]);
  const component = schema.resources[COMPONENT_TYPE]!;
  const inputs = Object.fromEntries(
    Object.entries(component.inputProperties).map(([name, p]) => [name, typeOf(p)]),
  );
  const sftpUser = '#/types/quarantine-data-platform:index:SftpUser';
  expect(inputs).toEqual({
    authorityName: 'string',
    territoryProvinces: 'array<string>',
    sftpUsers: `array<${sftpUser}>`,
    alertEmails: 'array<string>',
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
    privateSubnetIds: 'array<string>',
    vpcCidrBlock: 'string',
    availabilityZoneCount: 'number',
    kmsKeyArn: 'string',
    onUploadReservedConcurrency: 'number',
    manageDataCatalogEncryption: 'boolean',
    enableAnalytics: 'boolean',
    enablePortal: 'boolean',
    portalCertificateArn: 'string',
    portalAllowPlainHttp: 'boolean',
    portalInstanceType: 'string',
    portalMinInstances: 'number',
    portalMaxInstances: 'number',
    portalAllowedCidrs: 'array<string>',
    portalDeletionProtection: 'boolean',
    portalRateLimitPerAddress: 'number',
    portalDatabasePasswordRotationDays: 'number',
    portalOidcIssuer: 'string',
    portalOidcClientId: 'string',
    portalOidcClaim: 'string',
    portalOidcScopes: 'string',
    portalOidcLabel: 'string',
    portalPublicUrl: 'string',
    publicSubnetIds: 'array<string>',
    sftpEndpointType: 'string',
    sftpAllowedCidrs: 'array<string>',
    region: 'string',
    tags: 'map<string>',
  });
  expect([...component.requiredInputs].sort()).toEqual([
    'authorityName',
    'sftpUsers',
    'territoryProvinces',
  ]);
  const outputs = Object.fromEntries(
    Object.entries(component.properties).map(([name, p]) => [name, typeOf(p)]),
  );
  expect(outputs).toEqual({
    sftpEndpoint: 'string',
    landingBucketName: 'string',
    successTopicArn: 'string',
    failureTopicArn: 'string',
    databaseEndpoint: 'string',
    databaseSecretArn: 'string',
    dashboardName: 'string',
    analyticsWorkgroupName: 'string',
    kmsKeyArn: 'string',
    vpcId: 'string',
    privateSubnetIds: 'array<string>',
    workloadSecurityGroupId: 'string',
    glueWorkflowName: 'string',
    portalUrl: 'string',
    portalSettingsSecretArn: 'string',
  });
  // Present only with their switch on: optional outputs.
  expect(Object.keys(outputs).filter((o) => !component.required.includes(o))).toEqual([
    'analyticsWorkgroupName',
    'portalUrl',
    'portalSettingsSecretArn',
  ]);
  expect(Object.keys(schema.types)).toEqual(['quarantine-data-platform:index:SftpUser']);
  expect(
    Object.entries(schema.types['quarantine-data-platform:index:SftpUser']!.properties).map(
      ([name, p]) => [name, typeOf(p)],
    ),
  ).toEqual([
    ['userName', 'string'],
    ['sshPublicKeys', 'array<string>'],
  ]);

  // Described: the TSDoc of each argument and output (the tags, such as @default, are not part).
  const described = [
    ...Object.entries(component.inputProperties),
    ...Object.entries(component.properties),
    ...Object.entries(schema.types['quarantine-data-platform:index:SftpUser']!.properties),
  ];
  expect(described.filter(([, p]) => (p.description ?? '').length < 20).map(([n]) => n)).toEqual(
    [],
  );
  expect(component.inputProperties['sftpEndpointType']!.description).toBe(
    "Where the SFTP endpoint listens: `PUBLIC` (an AWS-managed internet endpoint; access by SSH key\nonly) or `VPC` (inside the private subnets, reachable from `sftpAllowedCidrs` through the VPC,\na VPN or Direct Connect). A `string` checked by `validateArgs` (not a union type, which\nPulumi's schema for other languages cannot express).",
  );
  expect(
    component.description.startsWith('The quarantine data platform of one health authority'),
  ).toBe(true);

  // Documented for every language in the README's tables.
  const readme = readFileSync(path.join(root, 'README.md'), 'utf8');
  const documentedArguments = namesInSection(readme, '### Arguments');
  const documentedOutputs = namesInSection(readme, '### Outputs');
  expect(Object.keys(inputs).filter((n) => !documentedArguments.has(n))).toEqual([]);
  expect(Object.keys(outputs).filter((n) => !documentedOutputs.has(n))).toEqual([]);
}, 600_000);
