// The portal's connection to Aurora: verify-full trusts Amazon RDS's authorities as well as Node's
// roots, checks the certificate and the host name; other URLs are left alone.
import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { connectionOptionsFor, rdsTrustedCertificates } from '../../db/tls.ts';

describe('connectionOptionsFor', () => {
  it('turns sslmode=verify-full into verified TLS with the RDS authorities', () => {
    const options = connectionOptionsFor(
      'postgresql://qdp_portal_login:s3cret@db.cluster-abc.eu-south-1.rds.amazonaws.com:5432/qdp?sslmode=verify-full&application_name=portal',
    );
    expect(options.connectionString).toBe(
      'postgresql://qdp_portal_login:s3cret@db.cluster-abc.eu-south-1.rds.amazonaws.com:5432/qdp?application_name=portal',
    );
    expect(options.ssl).toEqual({ rejectUnauthorized: true, ca: rdsTrustedCertificates() });
  });

  it('trusts Node roots plus Amazon RDS certificate authorities, each a parseable certificate', () => {
    const trusted = rdsTrustedCertificates();
    expect(trusted.slice(0, rootCertificates.length)).toEqual([...rootCertificates]);
    const added = trusted.slice(rootCertificates.length).map((pem) => new X509Certificate(pem));
    expect(added.length).toBeGreaterThan(10);
    expect(added.every((c) => c.ca)).toBe(true);
    expect(added.filter((c) => /OU=Amazon RDS/.test(c.subject)).length).toBeGreaterThan(100);
    // The regional authorities of Milan (eu-south-1), where an Italian authority deploys.
    expect(added.some((c) => /CN=Amazon RDS eu-south-1 Root CA RSA4096 G1/.test(c.subject))).toBe(
      true,
    );
  });

  it('leaves other URLs as they are', () => {
    for (const url of [
      'postgresql://u:p@localhost:5432/qdp',
      'postgresql://u:p@localhost:5432/qdp?sslmode=disable',
      'postgresql://u:p@db:5432/qdp?sslmode=verify-full&sslrootcert=/etc/ssl/rds.pem',
      'not a url',
    ]) {
      expect(connectionOptionsFor(url)).toEqual({ connectionString: url });
    }
  });
});
