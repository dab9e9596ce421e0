// `qdp imports | head`: a reader that closes the pipe early ends the output, never the command
// with an unhandled EPIPE. Each command runs with its standard output already closed.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';
import { QDP, ROOT, type Run } from './support.ts';

let db: TestDatabase;

beforeAll(async () => {
  db = await createTestDatabase();
});

afterAll(async () => {
  await db.drop();
});

/** Runs qdp whose reader closes standard output before anything is written. */
function withClosedOutput(args: string[]): Promise<Run> {
  const child = spawn(process.execPath, [QDP, ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: db.url },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout: '', stderr })),
  );
}

describe('a closed standard output', () => {
  it.each([
    [['imports']],
    [['imports', '--json']],
    [['settings']],
    [['purge', '--days', '30']],
    [['help']],
  ])('qdp %j ends quietly', async (args) => {
    const run = await withClosedOutput(args);
    expect(run.stderr).toBe('');
    expect(run.signal).toBeNull();
    expect(run.code).toBe(0);
  });
});
