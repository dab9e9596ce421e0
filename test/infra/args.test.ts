// validateArgs and validateName: every message verbatim, all problems at once, Outputs unchecked.
import * as pulumi from '@pulumi/pulumi';
import { describe, expect, test } from 'vitest';
import {
  DEFAULTS,
  validateArgs,
  validateName,
  withDefaults,
  type QuarantineDataPlatformArgs,
} from '../../infra/args.ts';
import { CERTIFICATE_ARN, ED25519_KEY, minimalArgs, typicalArgs } from './fixtures.ts';

function problems(overrides: Partial<QuarantineDataPlatformArgs>): string[] {
  return validateArgs({ ...minimalArgs, ...overrides });
}

describe('validateArgs', () => {
  test('the minimal and the typical arguments are valid', () => {
    expect(validateArgs(minimalArgs)).toEqual([]);
    expect(validateArgs(typicalArgs)).toEqual([]);
  });

  test('every argument at a valid non-default value', () => {
    expect(
      validateArgs({
        ...typicalArgs,
        importDeadline: '23:59',
        timeZone: 'UTC',
        rawFileRetentionDays: 3650,
        logRetentionDays: 3653,
        databaseEngineVersion: '17.4',
        databaseMinCapacity: 0,
        databaseMaxCapacity: 256,
        databaseBackupRetentionDays: 35,
        databaseDeletionProtection: false,
        vpcId: 'vpc-0abc',
        privateSubnetIds: ['subnet-a', 'subnet-b'],
        publicSubnetIds: ['subnet-c', 'subnet-d'],
        portalInstanceType: 'm7i.large',
        portalMinInstances: 3,
        portalMaxInstances: 6,
        portalAllowedCidrs: ['203.0.113.0/24'],
        kmsKeyArn: 'arn:aws:kms:eu-south-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab',
        enableAnalytics: false,
        sftpEndpointType: 'VPC',
        sftpAllowedCidrs: ['203.0.113.0/24', '198.51.100.7/32'],
        region: 'eu-south-1',
      }),
    ).toEqual([]);
  });

  test('authority name and territory', () => {
    expect(problems({ authorityName: '  ' })).toEqual([
      'authorityName: must be 1 to 100 characters, not blank',
    ]);
    expect(problems({ authorityName: 'x'.repeat(101) })).toEqual([
      'authorityName: must be 1 to 100 characters, not blank',
    ]);
    expect(problems({ territoryProvinces: [] })).toEqual([
      'territoryProvinces: must name at least one province (two-letter codes such as VR, RM)',
    ]);
    expect(problems({ territoryProvinces: ['VR', 'vi', 'XX', 'VR'] })).toEqual([
      'territoryProvinces: unknown province code(s) vi, XX: use upper-case two-letter codes such as VR, VI, RM',
      'territoryProvinces: VR listed more than once',
    ]);
  });

  test('SFTP users and keys', () => {
    expect(problems({ sftpUsers: [] })).toEqual([
      'sftpUsers: must list at least one user (the account that uploads the daily file)',
    ]);
    expect(
      problems({
        sftpUsers: [
          { userName: 'ab', sshPublicKeys: [ED25519_KEY] },
          { userName: 'regione', sshPublicKeys: [] },
          { userName: 'regione', sshPublicKeys: ['ssh-dss AAAAB3NzaC1kc3M= old', 'not a key'] },
          { userName: '-dash', sshPublicKeys: [ED25519_KEY] },
          { userName: 'x'.repeat(25), sshPublicKeys: [ED25519_KEY] },
        ],
      }),
    ).toEqual([
      'sftpUsers[0].userName: "ab" must be 3 to 24 characters: letters, digits, "_", "-", ".", "@", not starting with "-", "." or "@"',
      'sftpUsers[1].sshPublicKeys: must list at least one SSH public key (passwords are not accepted)',
      'sftpUsers[2].userName: "regione" is listed more than once',
      'sftpUsers[2].sshPublicKeys[0]: not an OpenSSH public key: expected "ssh-ed25519 AAAA…", "ecdsa-sha2-nistp256|384|521 AAAA…" or "ssh-rsa AAAA…"',
      'sftpUsers[2].sshPublicKeys[1]: not an OpenSSH public key: expected "ssh-ed25519 AAAA…", "ecdsa-sha2-nistp256|384|521 AAAA…" or "ssh-rsa AAAA…"',
      'sftpUsers[3].userName: "-dash" must be 3 to 24 characters: letters, digits, "_", "-", ".", "@", not starting with "-", "." or "@"',
      `sftpUsers[4].userName: "${'x'.repeat(25)}" must be 3 to 24 characters: letters, digits, "_", "-", ".", "@", not starting with "-", "." or "@"`,
    ]);
  });

  test('alert emails, deadline and time zone', () => {
    expect(
      problems({
        alertEmails: ['ops@example.it', 'not-an-address', 'ops@example.it'],
        importDeadline: '9:30',
        timeZone: 'Europe/Atlantis',
      }),
    ).toEqual([
      'alertEmails[1]: "not-an-address" is not an email address',
      'alertEmails[2]: "ops@example.it" is listed more than once',
      'importDeadline: "9:30" must be a time HH:MM on the 24-hour clock, 00:00 to 23:59',
      'timeZone: "Europe/Atlantis" is not an IANA time zone such as Europe/Rome or UTC',
    ]);
    expect(problems({ importDeadline: '24:00', timeZone: 'CET' })).toEqual([
      'importDeadline: "24:00" must be a time HH:MM on the 24-hour clock, 00:00 to 23:59',
      'timeZone: "CET" is not an IANA time zone such as Europe/Rome or UTC',
    ]);
  });

  test('retention', () => {
    expect(problems({ rawFileRetentionDays: 0, logRetentionDays: 700 })).toEqual([
      'rawFileRetentionDays: 0 must be a whole number of days from 1 to 3650',
      'logRetentionDays: 700 must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653',
    ]);
    expect(problems({ rawFileRetentionDays: 1.5 })).toEqual([
      'rawFileRetentionDays: 1.5 must be a whole number of days from 1 to 3650',
    ]);
  });

  test('database sizes and versions', () => {
    expect(
      problems({
        databaseEngineVersion: '13.9',
        databaseMinCapacity: 0.3,
        databaseMaxCapacity: 300,
        databaseBackupRetentionDays: 0,
      }),
    ).toEqual([
      'databaseEngineVersion: "13.9" must be an Aurora PostgreSQL version MAJOR.MINOR with major 14 to 17, such as 16.6',
      'databaseMinCapacity: 0.3 must be 0 to 256 ACUs in steps of 0.5',
      'databaseMaxCapacity: 300 must be 1 to 256 ACUs in steps of 0.5',
      'databaseBackupRetentionDays: 0 must be a whole number of days from 1 to 35',
    ]);
    expect(problems({ databaseMinCapacity: 8 })).toEqual([
      'databaseMaxCapacity: 4 must be at least databaseMinCapacity (8)',
    ]);
    expect(problems({ databaseMinCapacity: 8, databaseMaxCapacity: 6 })).toEqual([
      'databaseMaxCapacity: 6 must be at least databaseMinCapacity (8)',
    ]);
  });

  test('existing VPC or a created one', () => {
    expect(problems({ vpcId: 'vpc-1', publicSubnetIds: ['subnet-c', 'subnet-d'] })).toEqual([
      'privateSubnetIds: required with vpcId (private subnets in at least two availability zones)',
    ]);
    expect(problems({ privateSubnetIds: ['subnet-a'] })).toEqual([
      'vpcId: required with privateSubnetIds (the VPC the subnets belong to)',
      'privateSubnetIds: 1 given, at least 2 needed (in different availability zones)',
    ]);
    expect(
      problems({
        vpcId: 'vpc-1',
        privateSubnetIds: ['subnet-a', 'subnet-b'],
        publicSubnetIds: ['subnet-c', 'subnet-d'],
        vpcCidrBlock: '10.0.0.0/16',
        availabilityZoneCount: 3,
      }),
    ).toEqual([
      'vpcCidrBlock: only applies when the component creates the VPC; leave it out with vpcId',
      'availabilityZoneCount: only applies when the component creates the VPC; leave it out with vpcId',
    ]);
    expect(problems({ vpcCidrBlock: '10.0.0.0/8', availabilityZoneCount: 1 })).toEqual([
      'vpcCidrBlock: "10.0.0.0/8" must be an IPv4 CIDR block from /16 to /24, such as 10.40.0.0/16',
      'availabilityZoneCount: 1 must be 2, 3 or 4',
    ]);
    expect(problems({ vpcCidrBlock: '10.300.0.0/16' })).toEqual([
      'vpcCidrBlock: "10.300.0.0/16" must be an IPv4 CIDR block from /16 to /24, such as 10.40.0.0/16',
    ]);
  });

  test('KMS key', () => {
    expect(problems({ kmsKeyArn: 'alias/mine' })).toEqual([
      'kmsKeyArn: "alias/mine" must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<key-id>), not an alias or key id',
    ]);
  });

  test('portal switch, certificate and plain HTTP', () => {
    expect(problems({ portalCertificateArn: undefined })).toEqual([
      'portalCertificateArn: required when enablePortal is true (an ACM certificate for HTTPS); set portalAllowPlainHttp: true only for a test stack, or enablePortal: false',
    ]);
    expect(problems({ portalCertificateArn: undefined, portalAllowPlainHttp: true })).toEqual([]);
    expect(problems({ portalCertificateArn: 'arn:aws:iam::1:server-certificate/x' })).toEqual([
      'portalCertificateArn: "arn:aws:iam::1:server-certificate/x" must be an ACM certificate ARN (arn:aws:acm:<region>:<account>:certificate/<id>)',
    ]);
    expect(problems({ portalAllowPlainHttp: true })).toEqual([
      'portalAllowPlainHttp: must not be true when portalCertificateArn is given',
    ]);
    expect(problems({ enablePortal: false })).toEqual([
      'enablePortal: is false, so portalCertificateArn and portalAllowPlainHttp must be left out',
    ]);
    expect(problems({ enablePortal: false, portalCertificateArn: undefined })).toEqual([]);
  });

  test('SFTP endpoint type and allowed CIDR blocks', () => {
    expect(problems({ sftpAllowedCidrs: ['203.0.113.0/24'] })).toEqual([
      'sftpAllowedCidrs: only applies when sftpEndpointType is "VPC" (a PUBLIC endpoint cannot be restricted by address)',
    ]);
    expect(problems({ sftpEndpointType: 'VPC' })).toEqual([
      'sftpAllowedCidrs: required when sftpEndpointType is "VPC": at least one IPv4 CIDR block',
    ]);
    expect(
      problems({ sftpEndpointType: 'VPC', sftpAllowedCidrs: ['0.0.0.0/0', '203.0.113.0'] }),
    ).toEqual([
      'sftpAllowedCidrs[0]: "0.0.0.0/0" must be an IPv4 CIDR block from /8 to /32, such as 203.0.113.0/24',
      'sftpAllowedCidrs[1]: "203.0.113.0" must be an IPv4 CIDR block from /8 to /32, such as 203.0.113.0/24',
    ]);
    expect(problems({ sftpEndpointType: 'SERVER' as 'VPC' })).toEqual([
      'sftpEndpointType: "SERVER" must be "PUBLIC" or "VPC"',
    ]);
  });

  test('region', () => {
    expect(problems({ region: 'Europe' })).toEqual([
      'region: "Europe" must be an AWS region code such as eu-south-1',
    ]);
  });

  test('every problem at once, in field order', () => {
    expect(
      validateArgs({
        authorityName: '',
        territoryProvinces: [],
        sftpUsers: [],
        importDeadline: 'noon',
        databaseBackupRetentionDays: 99,
        region: 'mars-1',
      }),
    ).toEqual([
      'authorityName: must be 1 to 100 characters, not blank',
      'territoryProvinces: must name at least one province (two-letter codes such as VR, RM)',
      'sftpUsers: must list at least one user (the account that uploads the daily file)',
      'importDeadline: "noon" must be a time HH:MM on the 24-hour clock, 00:00 to 23:59',
      'databaseBackupRetentionDays: 99 must be a whole number of days from 1 to 35',
      'portalCertificateArn: required when enablePortal is true (an ACM certificate for HTTPS); set portalAllowPlainHttp: true only for a test stack, or enablePortal: false',
      'region: "mars-1" must be an AWS region code such as eu-south-1',
    ]);
  });

  test('portal sizes, allowed addresses and public subnets', () => {
    expect(
      problems({
        portalInstanceType: 'm7i.large',
        portalMinInstances: 3,
        portalMaxInstances: 10,
        portalAllowedCidrs: ['203.0.113.0/24', '198.51.100.7/32'],
      }),
    ).toEqual([]);
    expect(problems({ portalMinInstances: 1, portalMaxInstances: 11 })).toEqual([
      'portalMinInstances: 1 must be a whole number from 2 to 10',
      'portalMaxInstances: 11 must be a whole number from 2 to 10',
    ]);
    expect(problems({ portalMinInstances: 6 })).toEqual([
      'portalMaxInstances: 4 must be at least portalMinInstances (6)',
    ]);
    expect(problems({ portalMinInstances: 2.5 })).toEqual([
      'portalMinInstances: 2.5 must be a whole number from 2 to 10',
    ]);
    expect(problems({ portalAllowedCidrs: [] })).toEqual([
      'portalAllowedCidrs: must list at least one IPv4 CIDR block (or use enablePortal: false)',
    ]);
    expect(problems({ portalAllowedCidrs: ['10.0.0.0/33', 'anywhere'] })).toEqual([
      'portalAllowedCidrs[0]: "10.0.0.0/33" must be an IPv4 CIDR block such as 0.0.0.0/0 or 203.0.113.0/24',
      'portalAllowedCidrs[1]: "anywhere" must be an IPv4 CIDR block such as 0.0.0.0/0 or 203.0.113.0/24',
    ]);
    const vpc = { vpcId: 'vpc-1', privateSubnetIds: ['subnet-a', 'subnet-b'] };
    expect(problems(vpc)).toEqual([
      'publicSubnetIds: required with vpcId when enablePortal is true (public subnets in at least two availability zones for the load balancer)',
    ]);
    expect(problems({ ...vpc, publicSubnetIds: ['subnet-p'] })).toEqual([
      'publicSubnetIds: 1 given, at least 2 needed (in different availability zones)',
    ]);
    expect(problems({ ...vpc, publicSubnetIds: ['subnet-p', 'subnet-q'] })).toEqual([]);
    expect(problems({ publicSubnetIds: ['subnet-p', 'subnet-q'] })).toEqual([
      'publicSubnetIds: only applies with vpcId (the created VPC makes its own)',
    ]);
    expect(
      problems({
        enablePortal: false,
        portalCertificateArn: undefined,
        portalInstanceType: 't4g.small',
        portalAllowedCidrs: ['0.0.0.0/0'],
      }),
    ).toEqual([
      'enablePortal: is false, so portalInstanceType, portalMinInstances, portalMaxInstances, portalAllowedCidrs, portalDeletionProtection, portalRateLimitPerAddress, portalDatabasePasswordRotationDays and publicSubnetIds must be left out',
    ]);
    expect(problems({ ...vpc, enablePortal: false, portalCertificateArn: undefined })).toEqual([]);
  });

  test('Outputs and promises are not checked (their values are not known yet)', () => {
    expect(
      validateArgs({
        ...minimalArgs,
        authorityName: pulumi.output(''),
        territoryProvinces: [pulumi.output('XX'), 'VR'],
        importDeadline: Promise.resolve('99:99'),
        databaseMinCapacity: pulumi.output(100),
        kmsKeyArn: pulumi.output('not an arn'),
        portalCertificateArn: pulumi.output(CERTIFICATE_ARN),
      }),
    ).toEqual([]);
  });

  test('security arguments: database instances, backups, on-upload concurrency, portal limits', () => {
    expect(
      problems({
        databaseInstances: 0,
        backupRetentionDays: 6,
        backupCopyRegion: 'Frankfurt',
        onUploadReservedConcurrency: 101,
        portalRateLimitPerAddress: 99,
        portalDatabasePasswordRotationDays: 91,
      }),
    ).toEqual([
      'databaseInstances: 0 must be a whole number from 1 to 16 (a writer and its readers)',
      'onUploadReservedConcurrency: 101 must be a whole number from 1 to 100',
      'backupRetentionDays: 6 must be a whole number of days from 7 to 3650',
      'backupCopyRegion: "Frankfurt" must be an AWS region code such as eu-central-1',
      'portalRateLimitPerAddress: 99 must be a whole number of requests from 100 to 2000000000',
      'portalDatabasePasswordRotationDays: 91 must be a whole number of days from 1 to 90',
    ]);
    expect(
      [0, 1.5, Number.NaN].flatMap((days) =>
        problems({ portalDatabasePasswordRotationDays: days }),
      ),
    ).toEqual([
      'portalDatabasePasswordRotationDays: 0 must be a whole number of days from 1 to 90',
      'portalDatabasePasswordRotationDays: 1.5 must be a whole number of days from 1 to 90',
      'portalDatabasePasswordRotationDays: NaN must be a whole number of days from 1 to 90',
    ]);
    expect(problems({ region: 'eu-south-1', backupCopyRegion: 'eu-south-1' })).toEqual([
      'backupCopyRegion: must be another Region than region',
    ]);
    expect(
      problems({
        databaseInstances: 1,
        backupRetentionDays: 3650,
        backupVaultLock: true,
        backupCopyRegion: 'eu-central-1',
        onUploadReservedConcurrency: 1,
        portalRateLimitPerAddress: 100,
        portalDeletionProtection: false,
        portalDatabasePasswordRotationDays: 90,
        manageDataCatalogEncryption: true,
      }),
    ).toEqual([]);
  });

  test('single sign-on: all or nothing, each value checked, only with the portal', () => {
    const signIn = {
      portalOidcIssuer:
        'https://login.microsoftonline.com/2f0e7a2c-0000-4000-8000-000000000001/v2.0',
      portalOidcClientId: 'c0ffee00-1111-4222-8333-444455556666',
      portalOidcClaim: 'preferred_username',
      portalPublicUrl: 'https://portale.aulss9.veneto.it',
    };
    expect(problems(signIn)).toEqual([]);
    expect(
      problems({
        ...signIn,
        portalOidcScopes: 'openid  email profile',
        portalOidcLabel: 'Entra ID',
      }),
    ).toEqual([]);
    expect(problems({ portalOidcClientId: 'x', portalOidcClaim: 'email' })).toEqual([
      "portalOidcIssuer: required with portalOidcClientId, portalOidcClaim (the identity provider's issuer URL; leave them all out for passwords only)",
    ]);
    expect(problems({ portalOidcIssuer: signIn.portalOidcIssuer })).toEqual([
      "portalOidcClientId: required with portalOidcIssuer (the portal's client id at the identity provider)",
      'portalOidcClaim: required with portalOidcIssuer (the ID token claim that identifies a person, such as fiscalNumber or email)',
      "portalPublicUrl: required with portalOidcIssuer (the portal's address as browsers reach it, https://…)",
    ]);
    expect(
      problems({
        portalOidcIssuer: 'http://keycloak.example.it/realms/asl',
        portalOidcClientId: 'has space',
        portalOidcClaim: '1fiscal',
        portalOidcScopes: 'email profile',
        portalOidcLabel: 'x'.repeat(81),
        portalPublicUrl: 'https://portale.example.it/qdp',
      }),
    ).toEqual([
      'portalOidcIssuer: "http://keycloak.example.it/realms/asl" must be the identity provider\'s issuer URL, https:// without query or fragment',
      'portalOidcClientId: must be 1 to 255 printable characters without spaces (the client id the provider gave the portal)',
      'portalOidcClaim: "1fiscal" must be a claim name such as fiscalNumber, email or preferred_username',
      'portalOidcScopes: "email profile" must be scopes separated by spaces, including "openid"',
      "portalOidcLabel: must be 1 to 80 characters on one line (the provider's name on the log-in button)",
      'portalPublicUrl: "https://portale.example.it/qdp" must be the portal\'s address as browsers reach it: https://<host> without a path',
    ]);
    expect(problems({ ...signIn, portalOidcLabel: 'two\nlines' })).toEqual([
      "portalOidcLabel: must be 1 to 80 characters on one line (the provider's name on the log-in button)",
    ]);
    expect(problems({ ...signIn, enablePortal: false, portalCertificateArn: undefined })).toEqual([
      'enablePortal: is false, so portalOidcIssuer, portalOidcClientId, portalOidcClaim, portalPublicUrl must be left out',
    ]);
    // Outputs pass unchecked.
    expect(
      problems({
        ...signIn,
        portalOidcIssuer: pulumi.output('http://x'),
        portalOidcClaim: pulumi.output('1'),
      }),
    ).toEqual([]);
  });

  test('withDefaults fills in every documented default', () => {
    const resolved = withDefaults(minimalArgs);
    expect(resolved).toEqual({ ...minimalArgs, ...DEFAULTS });
    expect(DEFAULTS).toEqual({
      alertEmails: [],
      importDeadline: '10:00',
      timeZone: 'Europe/Rome',
      rawFileRetentionDays: 90,
      logRetentionDays: 731,
      databaseEngineVersion: '16.6',
      databaseMinCapacity: 0.5,
      databaseMaxCapacity: 4,
      databaseBackupRetentionDays: 14,
      databaseDeletionProtection: true,
      databaseInstances: 2,
      backupRetentionDays: 35,
      backupVaultLock: false,
      vpcCidrBlock: '10.40.0.0/16',
      availabilityZoneCount: 2,
      enableAnalytics: true,
      enablePortal: true,
      portalAllowPlainHttp: false,
      portalInstanceType: 't3.small',
      portalMinInstances: 2,
      portalMaxInstances: 4,
      portalAllowedCidrs: ['0.0.0.0/0'],
      portalDeletionProtection: true,
      portalRateLimitPerAddress: 2000,
      portalDatabasePasswordRotationDays: 30,
      portalOidcScopes: 'openid',
      sftpEndpointType: 'PUBLIC',
      sftpAllowedCidrs: [],
      tags: {},
      onUploadReservedConcurrency: 5,
      manageDataCatalogEncryption: false,
    });
  });
});

describe('validateName', () => {
  test('names that every physical name accepts', () => {
    expect(validateName('ulss9')).toEqual([]);
    expect(validateName('lazio-roma1')).toEqual([]);
    expect(validateName('a'.repeat(24))).toEqual([]);
  });
  test.each(['Ulss9', '9ulss', 'ulss9-', 'a', 'a'.repeat(25), 'ulss_9'])(
    '%s is refused',
    (name) => {
      expect(validateName(name)).toEqual([
        `name: "${name}" must be 2 to 24 characters: lower-case letters, digits and "-", starting with a letter and not ending with "-"`,
      ]);
    },
  );
});
