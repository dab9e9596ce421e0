import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../core/config.ts';

describe('configuration', () => {
  it('defaults to the Verona territory and local folders', () => {
    expect(loadConfig({}, '/srv/qdp')).toEqual({
      databaseUrl: undefined,
      dataDir: path.resolve('/srv/qdp/.qdp'),
      inboxDir: path.resolve('/srv/qdp/inbox'),
      territoryProvinces: ['VR'],
      webhookUrl: undefined,
      demoDays: 14,
      demoRows: 2000,
    });
  });

  it('reads a territory of several provinces', () => {
    expect(loadConfig({ QDP_TERRITORY_PROVINCES: 'vr, vi' }, '/x').territoryProvinces).toEqual([
      'VR',
      'VI',
    ]);
  });

  it('reports every problem at once, naming the variable', () => {
    expect(() =>
      loadConfig({
        QDP_TERRITORY_PROVINCES: 'VR,XX',
        DATABASE_URL: 'not a url',
        QDP_DEMO_DAYS: '-1',
      }),
    ).toThrow(
      'invalid configuration: DATABASE_URL: Invalid URL; QDP_TERRITORY_PROVINCES: unknown province code(s) XX: use upper-case two-letter codes such as VR, VI, RM; QDP_DEMO_DAYS: Too small: expected number to be >=0',
    );
  });
});
