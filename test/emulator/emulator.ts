// The AWS emulator of the integration tests. With AWS_ENDPOINT_URL set (LocalStack, or a MiniStack
// started by hand) the tests use that endpoint; otherwise they start MiniStack (pinned in
// scripts/ministack.sh, installed into .cache/ministack-venv) on free ports, with the extra
// environment the tests need (the Data API and Glue recorder endpoints reach the Lambda
// processes it spawns through it), and stop it afterwards.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The account and region the component's recorded ARNs use (test/infra/mocks.ts). */
export const ACCOUNT_ID = '123456789012';
export const REGION = 'eu-south-1';

/** Credentials the emulator accepts; a 12-digit access key selects the account in MiniStack. */
export const CREDENTIALS = { accessKeyId: ACCOUNT_ID, secretAccessKey: 'test' };

export interface Emulator {
  endpoint: string;
  /** MiniStack's SFTP port (Transfer Family data plane), when this process started it. */
  sftpPort: number | undefined;
  /** 'ministack' when started here or when the endpoint says so. */
  kind: 'ministack' | 'other';
  logFile: string | undefined;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function healthy(endpoint: string, pathName: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}${pathName}`, { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
}

export async function startEmulator(env: Record<string, string>): Promise<Emulator> {
  const given = process.env.AWS_ENDPOINT_URL;
  if (given) {
    return {
      endpoint: given,
      sftpPort: undefined,
      kind: (await healthy(given, '/_ministack/health')) ? 'ministack' : 'other',
      logFile: undefined,
      stop: async () => undefined,
    };
  }
  const install = spawnSync('bash', [path.join(ROOT, 'scripts/ministack.sh'), 'install'], {
    encoding: 'utf8',
  });
  if (install.status !== 0) {
    throw new Error(
      `could not install MiniStack (scripts/ministack.sh install): ${install.stderr.trim()}. It needs python3 with venv (Debian: apt-get install python3-venv) and PyPI.`,
    );
  }
  const port = await freePort();
  const sftpPort = await freePort();
  // Only the log lives here: MiniStack's temporary files (the Lambda code it unpacks, with its
  // CommonJS worker script) must stay outside the repository, whose package.json says ESM.
  const stateDir = path.join(ROOT, '.cache', 'ministack', String(port));
  mkdirSync(stateDir, { recursive: true });
  const logFile = path.join(stateDir, 'ministack.log');
  const log = openSync(logFile, 'w');
  const child: ChildProcess = spawn(path.join(ROOT, '.cache/ministack-venv/bin/ministack'), [], {
    env: {
      ...process.env,
      ...env,
      GATEWAY_PORT: String(port),
      SFTP_ENABLED: '1',
      SFTP_PORT: String(sftpPort),
      MINISTACK_ACCOUNT_ID: ACCOUNT_ID,
      MINISTACK_REGION: REGION,
      LOG_LEVEL: process.env.MINISTACK_LOG_LEVEL ?? 'INFO',
    },
    stdio: ['ignore', log, log],
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; i < 150; i++) {
    if (child.exitCode !== null) break;
    if (await healthy(endpoint, '/_ministack/health')) {
      return {
        endpoint,
        sftpPort,
        kind: 'ministack',
        logFile,
        stop: async () => {
          child.kill('SIGTERM');
          await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
          if (child.exitCode === null) child.kill('SIGKILL');
        },
      };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`MiniStack did not become healthy on ${endpoint} within 30 s; see ${logFile}`);
}
