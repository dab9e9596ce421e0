// `qdp start` (npm start) end to end on the embedded PostgreSQL: demo history and users, a file
// dropped in the inbox is imported and its message printed, Ctrl-C stops everything.
import { chmodSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeSyntheticDailyFile } from '../../core/synth/index.ts';
import { finished, startQdp } from './support.ts';

async function waitFor(read: () => string, text: string, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!read().includes(text)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for "${text}" in:\n${read()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('qdp start (local mode)', () => {
  it('seeds demo data, imports what lands in the inbox and stops cleanly on SIGINT', async () => {
    const home = mkdtempSync(path.join(tmpdir(), 'qdp-start-'));
    chmodSync(home, 0o755); // the embedded server runs as the `postgres` system user
    const inbox = path.join(home, 'inbox');
    const child = startQdp(['start'], {
      DATABASE_URL: '',
      QDP_DATA_DIR: path.join(home, 'data'),
      QDP_INBOX: inbox,
      QDP_DEMO_DAYS: '3',
      QDP_DEMO_ROWS: '200',
      // The portal on a free port (8080 may be taken on a shared machine).
      QDP_PORTAL_PORT: '0',
    });
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const done = finished(child);
    try {
      await runScenario();
    } finally {
      // Whatever failed above, stop local mode so its embedded PostgreSQL does not outlive the test.
      if (child.exitCode === null) child.kill('SIGINT');
    }
    const run = await done;
    expect(run.code).toBe(0);
    expect(stdout.trimEnd().endsWith('stopped')).toBe(true);
    expect(existsSync(path.join(home, 'data', 'postgres', 'postmaster.pid'))).toBe(false);

    async function runScenario(): Promise<void> {
      await waitFor(() => stdout, 'watching');
      expect(stdout).toContain(
        `database: embedded PostgreSQL in ${path.join(home, 'data', 'postgres')}`,
      );
      expect(stdout).toContain('demo day 3/3: import 3 published');
      expect(stdout).toMatch(/\n {2}admin +admin +all\n/);
      expect(stdout).toMatch(/\n {2}comune +municipality +municipality \d{6}\n/);
      const portalUrl = /portal: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout)?.[1];
      expect((await fetch(new URL('/healthz', portalUrl))).status).toBe(200);

      await writeSyntheticDailyFile({
        rows: 200,
        seed: 'demo',
        day: 4,
        format: 'xlsx',
        outFile: path.join(inbox, 'day4.xlsx'),
      });
      await waitFor(() => stdout, 'day4.xlsx: moved to');
      expect(stdout).toMatch(/\[ETL_Success\] Import 4 published: \d+ in quarantine/);
      expect(readdirSync(inbox)).toEqual([]);
      expect(readdirSync(path.join(home, 'data', 'processed'))).toHaveLength(1);
    }
  });
});
