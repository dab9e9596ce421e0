// The Glue jobs (glue/*.py) are tested with pytest on a local PySpark (test/glue/*.py). This file
// runs that suite as part of `npm test`, against this run's PostgreSQL: it provisions the Python
// environment (scripts/glue-venv.sh), passes the superuser URL and the migrated template, from
// which each database test clones its own database, and fails with pytest's output otherwise.
import path from 'node:path';
import { expect, test } from 'vitest';
import { adminUrl } from '../support/database.ts';
import { TEMPLATE_DATABASE } from '../support/global-setup.ts';
import { gluePython, run } from './python.ts';

test(
  'ruff: lint and format of the Glue Python (glue/ruff.toml)',
  { timeout: 10 * 60_000 },
  async () => {
    const ruff = path.join(path.dirname(await gluePython()), 'ruff');
    const config = ['--config', 'glue/ruff.toml', 'glue', 'test/glue', 'bench/glue_import.py'];
    const lint = await run(ruff, ['check', ...config], process.env);
    expect(lint.code, lint.output).toBe(0);
    const format = await run(ruff, ['format', '--check', ...config], process.env);
    expect(
      format.code,
      `${format.output}\nfix: .cache/glue-venv/bin/ruff format --config glue/ruff.toml glue test/glue bench/glue_import.py`,
    ).toBe(0);
  },
);

test(
  'pytest: the Glue jobs on PySpark and the real PostgreSQL',
  { timeout: 30 * 60_000 },
  async () => {
    const result = await run(
      await gluePython(),
      ['-m', 'pytest', 'test/glue', '-q', '-rfEs', '--durations=5'],
      {
        ...process.env,
        QDP_GLUE_TEST_ADMIN_URL: adminUrl(),
        QDP_GLUE_TEST_TEMPLATE: TEMPLATE_DATABASE,
        QDP_NODE: process.execPath,
      },
    );
    expect(result.code, `pytest failed:\n${result.output}`).toBe(0);
    const summary = result.output.trim().split('\n').at(-1) ?? '';
    // Every test ran: a skip or deselection would hide a missing tool.
    expect(summary, result.output).toMatch(/^\d+ passed in /);
    // The slowest tests, for whoever wants the suite faster.
    const slowest = result.output.split('slowest 5 durations')[1]?.split('\n=')[0] ?? '';
    console.log(`pytest (test/glue): ${summary}\nslowest:${slowest}`);
  },
);
