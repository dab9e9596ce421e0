// Running the Glue jobs' Python from the TypeScript tests: the environment scripts/glue-venv.sh
// provisions (PySpark, awsglue from awsgluedataplanepython, pytest, ruff; idempotent) and a child
// process's exit code and output.
import { spawn } from 'node:child_process';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface Ran {
  code: number | null;
  stdout: string;
  /** stdout and stderr as they came. */
  output: string;
}

export function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      output += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, output }));
  });
}

let python: Promise<string> | undefined;

/** The Glue environment's python (provisioned once per test file). */
export function gluePython(): Promise<string> {
  python ??= run('bash', ['scripts/glue-venv.sh'], process.env).then((venv) => {
    if (venv.code !== 0) throw new Error(`scripts/glue-venv.sh failed:\n${venv.output}`);
    return venv.stdout.trim().split('\n').at(-1) as string;
  });
  return python;
}
