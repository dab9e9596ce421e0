// The one summary-to-message path (core/import-report.ts) gives the same report through pg (local
// mode, the CLI) and through the RDS Data API (on-upload, notify), equal to what the importer
// returned; an unknown import is named.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importReport } from '../../core/import-report.ts';
import { importDailyFile } from '../../core/importer.ts';
import { writeSyntheticDailyFile } from '../../core/synth/index.ts';
import { pgSql } from '../../db/sql.ts';
import { dataApiSql } from '../../functions/sql.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { startDataApi, type DataApiServer } from '../support/data-api/server.ts';

const CLUSTER = 'arn:aws:rds:eu-south-1:123456789012:cluster:qdp';
let db: TestDatabase;
let api: DataApiServer;
let client: RDSDataClient;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  api = await startDataApi();
  api.addCluster(CLUSTER, db.url);
  client = new RDSDataClient({
    endpoint: api.url,
    region: 'eu-south-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  dir = await mkdtemp(path.join(tmpdir(), 'qdp-report-'));
});

afterAll(async () => {
  client.destroy();
  await api?.close();
  await db?.drop();
  await rm(dir, { recursive: true, force: true });
});

describe('importReport', () => {
  it('is the same through pg and the Data API, and what the importer returned', async () => {
    const file = path.join(dir, 'day.csv');
    await writeSyntheticDailyFile({ rows: 200, seed: 'report', format: 'csv', outFile: file });
    const imported = await importDailyFile(db.pool, file);
    expect(imported.summary.status).toBe('published');
    const dataApi = dataApiSql(client, {
      resourceArn: CLUSTER,
      secretArn: 'arn:aws:secretsmanager:eu-south-1:123456789012:secret:qdp',
      database: new URL(db.url).pathname.slice(1),
    });
    const id = imported.summary.importId;
    const local = await importReport(pgSql(db.pool), id);
    expect(local).toEqual({ summary: imported.summary, message: imported.message });
    expect(await importReport(dataApi, id)).toEqual(local);
    expect(await importReport(pgSql(db.pool), String(id))).toEqual(local);
  });

  it('names an import that does not exist (the database says so)', async () => {
    await expect(importReport(pgSql(db.pool), 999)).rejects.toThrow(/^import 999 does not exist$/);
  });
});
