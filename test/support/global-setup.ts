// Vitest global setup: one real PostgreSQL for the whole run, and a migrated template database
// from which every test file clones its own database (createTestDatabase).
// TEST_DATABASE_URL (a superuser connection) points the suite at another server (Aurora,
// PostgreSQL 15/16); without it the embedded PostgreSQL is started in a temporary directory.
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { migrate } from '../../db/migrate.ts';
import { syncMunicipalities } from '../../core/municipalities.ts';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '../../local/embedded.ts';

export const TEMPLATE_DATABASE = 'qdp_test_template';

declare module 'vitest' {
  export interface ProvidedContext {
    adminUrl: string;
  }
}

let embedded: EmbeddedDatabase | undefined;

export async function setup(project: TestProject): Promise<void> {
  let adminUrl = process.env.TEST_DATABASE_URL;
  if (!adminUrl) {
    embedded = await startEmbeddedPostgres({
      dataDir: path.join(testRoot(), 'pg'),
      persistent: false,
    });
    adminUrl = embedded.adminUrl;
  }
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`drop database if exists ${TEMPLATE_DATABASE} with (force)`);
    await admin.query(`create database ${TEMPLATE_DATABASE}`);
  } finally {
    await admin.end();
  }
  const template = new pg.Client({ connectionString: withDatabase(adminUrl, TEMPLATE_DATABASE) });
  await template.connect();
  try {
    await migrate(template);
    await syncMunicipalities(template, ['VR']);
  } finally {
    await template.end();
  }
  project.provide('adminUrl', adminUrl);
}

export async function teardown(): Promise<void> {
  await embedded?.stop();
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

/** A temporary folder the `postgres` system user can enter (mkdtemp makes it private to root). */
function testRoot(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'qdp-test-'));
  chmodSync(dir, 0o755);
  return dir;
}
