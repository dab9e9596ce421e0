// Each function bundles into a directory whose index.mjs loads on its own (no node_modules) and
// whose handler reads its environment first; migrate's bundle carries the migrations.
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { bundleFunction } from '../../functions/bundle.ts';
import { FUNCTION_NAMES } from '../../functions/environment.ts';
import { readMigrations, readRepeatables } from '../../db/migrate.ts';

const dirs: string[] = [];
afterAll(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

describe('bundleFunction', () => {
  it.each(FUNCTION_NAMES)('bundles %s into a self-contained directory', async (fn) => {
    const dir = await bundleFunction(fn);
    dirs.push(dir);
    const files = (await readdir(dir)).sort();
    expect(files).toEqual(
      fn === 'migrate' ? ['functions', 'index.mjs', 'migrations', 'node_modules'] : ['index.mjs'],
    );
    const module = (await import(pathToFileURL(path.join(dir, 'index.mjs')).href)) as {
      handler: (event: unknown) => Promise<unknown>;
    };
    const env = process.env;
    process.env = { PATH: env.PATH };
    try {
      await expect(module.handler({ Records: [] })).rejects.toThrow(
        new RegExp(`^${fn}: invalid environment: QDP_`),
      );
    } finally {
      process.env = env;
    }
    if (fn === 'migrate') {
      expect(readMigrations(path.join(dir, 'migrations')).map((m) => m.checksum)).toEqual(
        readMigrations().map((m) => m.checksum),
      );
      expect(readRepeatables(path.join(dir, 'functions'))).toEqual(readRepeatables());
    }
  });

  it('refuses an unknown function', async () => {
    await expect(bundleFunction('portal' as never)).rejects.toThrow(
      'unknown function "portal": one of on-upload, notify, migrate, rotate-database-secret',
    );
  });
});
