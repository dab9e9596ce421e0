// Arguments shared by the component tests.
import type { QuarantineDataPlatformArgs } from '../../infra/index.ts';

export const ED25519_KEY =
  'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHVoxPZn0jFMdn3eLqYbN3o5l0n4Yl0DkW8mY2b4Q9cS regione@veneto';
export const ECDSA_KEY =
  'ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEXAMPLEKEYBASE64== backup';
export const CERTIFICATE_ARN =
  'arn:aws:acm:eu-south-1:123456789012:certificate/0e1f2a3b-4c5d-6e7f-8091-a2b3c4d5e6f7';

/** Only what is required (the portal certificate: required while enablePortal defaults to true). */
export const minimalArgs: QuarantineDataPlatformArgs = {
  authorityName: 'ULSS 9 Scaligera',
  territoryProvinces: ['VR'],
  sftpUsers: [{ userName: 'regione-veneto', sshPublicKeys: [ED25519_KEY] }],
  portalCertificateArn: CERTIFICATE_ARN,
};

/** What a typical authority writes: two users (one with two keys), two alert addresses. */
export const typicalArgs: QuarantineDataPlatformArgs = {
  ...minimalArgs,
  sftpUsers: [
    { userName: 'regione-veneto', sshPublicKeys: [ED25519_KEY, ECDSA_KEY] },
    { userName: 'ulss9-ops', sshPublicKeys: [ED25519_KEY] },
  ],
  alertEmails: ['etl@aulss9.veneto.it', 'oncall@aulss9.veneto.it'],
};

/**
 * Every optional part on: backups locked and copied to a second Region, the catalog's encryption,
 * a VPC SFTP endpoint, single sign-on, a region of its own.
 */
export const everyOptionArgs: QuarantineDataPlatformArgs = {
  ...typicalArgs,
  portalCertificateArn: CERTIFICATE_ARN,
  backupVaultLock: true,
  backupCopyRegion: 'eu-central-1',
  manageDataCatalogEncryption: true,
  sftpEndpointType: 'VPC',
  sftpAllowedCidrs: ['203.0.113.0/24'],
  portalOidcIssuer: 'https://sso.example.it/realms/asl',
  portalOidcClientId: 'qdp-portal',
  portalOidcClaim: 'fiscalNumber',
  portalPublicUrl: 'https://portale.example.it',
  region: 'eu-south-1',
};
