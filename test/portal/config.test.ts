// Portal configuration: defaults, every problem at once naming the variable, and the client
// address behind a load balancer (one trusted hop: a client cannot choose its own address).
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { loadPortalConfig, PortalConfigError } from '../../portal/config.ts';
import { buildPortal } from '../../portal/app.ts';
import pg from 'pg';

const base = {
  QDP_PORTAL_DATABASE_URL: 'postgres://portal@db.invalid/qdp',
  QDP_PORTAL_COOKIE_SECRET: 'x'.repeat(32),
};

describe('loadPortalConfig', () => {
  it('applies the documented defaults', () => {
    expect(loadPortalConfig(base)).toEqual({
      databaseUrl: base.QDP_PORTAL_DATABASE_URL,
      host: '127.0.0.1',
      port: 8080,
      cookieSecret: base.QDP_PORTAL_COOKIE_SECRET,
      secureCookies: true,
      trustProxy: false,
      workers: availableParallelism(),
      poolMax: 20,
      pageSize: 50,
      exportMaxRows: 200_000,
      authorityName: 'Azienda ULSS',
    });
  });

  it('takes the number of server processes, one per CPU unless told', () => {
    expect(loadPortalConfig({ ...base, QDP_PORTAL_WORKERS: '3' }).workers).toBe(3);
    expect(() => loadPortalConfig({ ...base, QDP_PORTAL_WORKERS: '0' })).toThrow(
      'QDP_PORTAL_WORKERS: Too small: expected number to be >=1',
    );
  });

  it('reports every problem at once, naming the variable', () => {
    expect(() =>
      loadPortalConfig({ QDP_PORTAL_SECURE_COOKIES: 'maybe', QDP_PORTAL_PAGE_SIZE: '5' }),
    ).toThrow(
      new PortalConfigError(
        'invalid portal configuration:\n' +
          '  QDP_PORTAL_DATABASE_URL: is required\n' +
          '  QDP_PORTAL_COOKIE_SECRET: is required\n' +
          '  QDP_PORTAL_SECURE_COOKIES: must be true or false (or 1/0, yes/no)\n' +
          '  QDP_PORTAL_PAGE_SIZE: Too small: expected number to be >=10',
      ),
    );
  });
});

describe('behind a load balancer', () => {
  it('takes the address the load balancer appended, not the one the client wrote', async () => {
    const pool = new pg.Pool({ connectionString: base.QDP_PORTAL_DATABASE_URL });
    const app = await buildPortal({
      config: loadPortalConfig({
        ...base,
        QDP_PORTAL_TRUST_PROXY: 'true',
        QDP_PORTAL_COOKIE_SECRET: randomBytes(32).toString('hex'),
      }),
      pool,
    });
    app.get('/test-ip', async (req) => ({ ip: req.ip }));
    const r = await app.inject({
      url: '/test-ip',
      headers: { 'x-forwarded-for': '6.6.6.6, 203.0.113.7' },
      remoteAddress: '10.0.0.5',
    });
    expect(r.json()).toEqual({ ip: '203.0.113.7' });
    await app.close();
    await pool.end();
  });
});
