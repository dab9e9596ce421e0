// The migrate function's TLS settings (the migrations themselves run in test/emulator, through
// the deployed function, and in test/db).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { rootCertificates } from 'node:tls';
import { describe, expect, it } from 'vitest';
import { tlsOptions } from '../../functions/migrate/index.ts';

describe('tlsOptions', () => {
  it('verifies against Node roots plus the Lambda runtime CA bundle when it exists', () => {
    const bundle = path.join(mkdtempSync(path.join(tmpdir(), 'qdp-ca-')), 'ca-cert.pem');
    writeFileSync(bundle, '-----BEGIN CERTIFICATE-----\nRDS\n-----END CERTIFICATE-----\n');
    expect(tlsOptions('verify-full', bundle)).toEqual({
      rejectUnauthorized: true,
      ca: [...rootCertificates, '-----BEGIN CERTIFICATE-----\nRDS\n-----END CERTIFICATE-----\n'],
    });
    expect(tlsOptions('verify-full', `${bundle}.missing`)).toEqual({ rejectUnauthorized: true });
    expect(tlsOptions('disable', bundle)).toBe(false);
  });
});
