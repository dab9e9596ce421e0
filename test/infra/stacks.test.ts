// The stack program's configuration: every stack file in the repository is valid and deploys under
// mocks; configuration problems are reported verbatim, all at once.
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { QuarantineDataPlatform } from '../../infra/index.ts';
import { PROJECT, SETTINGS, settingsFromConfig } from '../../stacks/config.ts';
import { countsByType, installMocks, resolve, settle } from './mocks.ts';

const root = path.resolve(import.meta.dirname, '../..');

/** A stack file as the program sees it: every value a string, lists and objects as JSON. */
function stackConfig(file: string): Record<string, string> {
  const doc = parse(readFileSync(path.join(root, file), 'utf8')) as {
    config: Record<string, unknown>;
  };
  return Object.fromEntries(
    Object.entries(doc.config).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  );
}

const stackFiles = readdirSync(root).filter((f) => /^Pulumi\.[a-z0-9-]+\.yaml$/.test(f));

test('the project runs stacks/index.ts, and there are the dev stack and two authorities', () => {
  const project = parse(readFileSync(path.join(root, 'Pulumi.yaml'), 'utf8')) as {
    name: string;
    main: string;
  };
  expect([project.name, project.main]).toEqual([PROJECT, 'stacks/index.ts']);
  expect(stackFiles.sort()).toEqual([
    'Pulumi.dev.yaml',
    'Pulumi.lazio-roma1.yaml',
    'Pulumi.veneto-ulss9.yaml',
  ]);
});

test('Pulumi.dev.yaml shows every setting', () => {
  const text = readFileSync(path.join(root, 'Pulumi.dev.yaml'), 'utf8');
  for (const key of Object.keys(SETTINGS)) expect(text).toContain(`${PROJECT}:${key}:`);
});

describe.each(stackFiles)('%s', (file) => {
  test('is valid and declares the platform in the stack region', async () => {
    const stack = file.replace(/^Pulumi\.|\.yaml$/g, '');
    const result = settingsFromConfig(stackConfig(file), stack);
    expect(result.problems).toEqual([]);
    const rec = await installMocks();
    const platform = new QuarantineDataPlatform(result.settings!.name, result.settings!.args);
    await resolve(platform.dashboardName);
    await settle(rec);
    expect(rec.unknownCalls).toEqual([]);
    expect(countsByType(rec)['aws:rds/cluster:Cluster']).toBe(1);
    expect(await resolve(platform.landingBucketName)).toMatch(/-landing-abc1234$/);
  });
});

test('the dev stack: its name, and settings of every kind reach the arguments', () => {
  const result = settingsFromConfig(stackConfig('Pulumi.dev.yaml'), 'dev');
  expect(result.settings).toEqual({
    name: 'qdp-dev',
    args: {
      authorityName: 'ULSS 9 Scaligera (development)',
      territoryProvinces: ['VR'],
      sftpUsers: [
        {
          userName: 'regione-veneto',
          sshPublicKeys: [
            'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHVoxPZn0jFMdn3eLqYbN3o5l0n4Yl0DkW8mY2b4Q9cS regione@veneto',
          ],
        },
      ],
      alertEmails: ['qdp-dev@example.org'],
      importDeadline: '10:00',
      timeZone: 'Europe/Rome',
      rawFileRetentionDays: 30,
      logRetentionDays: 731,
      databaseEngineVersion: '16.6',
      databaseMinCapacity: 0,
      databaseMaxCapacity: 2,
      databaseBackupRetentionDays: 7,
      databaseDeletionProtection: false,
      databaseInstances: 1,
      backupRetentionDays: 7,
      vpcCidrBlock: '10.40.0.0/16',
      availabilityZoneCount: 2,
      enableAnalytics: false,
      enablePortal: false,
      sftpEndpointType: 'PUBLIC',
      tags: { CostCentre: 'ULSS9-IT', Environment: 'development' },
    },
  });
});

test('the stack name is the default component name', () => {
  const config = stackConfig('Pulumi.veneto-ulss9.yaml');
  expect(settingsFromConfig(config, 'veneto-ulss9').settings?.name).toBe('veneto-ulss9');
});

test('type problems and unknown or missing settings, all at once', () => {
  const result = settingsFromConfig(
    {
      'aws:region': 'eu-south-1',
      [`${PROJECT}:authorityName`]: 'ULSS 9',
      [`${PROJECT}:territoryProvinces`]: 'VR',
      [`${PROJECT}:rawFileRetentionDays`]: 'ninety',
      [`${PROJECT}:enablePortal`]: 'yes',
      [`${PROJECT}:sftpEndpointType`]: 'public',
      [`${PROJECT}:alertEmail`]: 'ops@example.it',
      [`${PROJECT}:privateSubnetIds`]: '[1, "subnet-b"]',
    },
    'dev',
  );
  expect(result.problems).toEqual([
    `${PROJECT}:territoryProvinces: is not valid YAML/JSON`,
    `${PROJECT}:rawFileRetentionDays: must be a number`,
    `${PROJECT}:enablePortal: must be true or false`,
    `${PROJECT}:sftpEndpointType: must be PUBLIC or VPC`,
    `${PROJECT}:alertEmail: unknown setting; the settings are ${Object.keys(SETTINGS).join(', ')}`,
    `${PROJECT}:privateSubnetIds[0]: Invalid input: expected string, received number`,
    `${PROJECT}:sftpUsers: required (pulumi config set sftpUsers … ; see Pulumi.dev.yaml)`,
  ]);
});

test('the component’s own validation, with the setting named', () => {
  const config = stackConfig('Pulumi.veneto-ulss9.yaml');
  config[`${PROJECT}:importDeadline`] = '7:00';
  config[`${PROJECT}:sftpUsers`] = JSON.stringify([
    { userName: 'regione-veneto', sshPublicKeys: [] },
  ]);
  expect(settingsFromConfig(config, 'Veneto').problems).toEqual([
    `${PROJECT}:name: "Veneto" must be 2 to 24 characters: lower-case letters, digits and "-", starting with a letter and not ending with "-"`,
    `${PROJECT}:sftpUsers[0].sshPublicKeys: must list at least one SSH public key (passwords are not accepted)`,
    `${PROJECT}:importDeadline: "7:00" must be a time HH:MM on the 24-hour clock, 00:00 to 23:59`,
  ]);
});
