// The policy pack that `pulumi preview --policy-pack infra/policy-pack` runs (not runnable here:
// no Pulumi CLI). Its structure is checked instead: PulumiPolicy.yaml starts the entry the way the
// stack program is started, and the entry registers every rule of infra/policies.ts, once each.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, test, vi } from 'vitest';
import { parse } from 'yaml';
import { platformPolicies } from '../../infra/policies.ts';
import * as policies from '../../infra/policies.ts';

const PACK = path.resolve(import.meta.dirname, '../../infra/policy-pack');

const registered: { name: string; args: { policies: { name: string }[] } }[] = [];
vi.mock('@pulumi/policy', () => ({
  // A PolicyPack starts a gRPC server for the CLI: record what the entry registers instead.
  PolicyPack: class {
    constructor(name: string, args: { policies: { name: string }[] }) {
      registered.push({ name, args });
    }
  },
}));

test('PulumiPolicy.yaml: a Node.js pack whose entry tsx runs, like the stack program', () => {
  const yaml = parse(readFileSync(path.join(PACK, 'PulumiPolicy.yaml'), 'utf8')) as {
    runtime: { name: string; options: Record<string, unknown> };
    main: string;
  };
  const project = parse(
    readFileSync(path.resolve(import.meta.dirname, '../../Pulumi.yaml'), 'utf8'),
  ) as { runtime: unknown };
  expect(yaml.runtime).toEqual(project.runtime);
  expect(yaml.runtime).toEqual({
    name: 'nodejs',
    options: { typescript: false, nodeargs: '--import tsx' },
  });
  expect(existsSync(path.join(PACK, yaml.main))).toBe(true);
});

test('the entry registers one pack with every rule of infra/policies.ts, in order, once each', async () => {
  const entry = (await import('../../infra/policy-pack/index.ts')) as {
    POLICY_PACK_NAME: string;
  };
  expect(registered.map((r) => r.name)).toEqual([entry.POLICY_PACK_NAME]);
  const names = registered[0]!.args.policies.map((p) => p.name);
  expect(registered[0]!.args.policies).toBe(platformPolicies);
  expect(new Set(names).size).toBe(names.length);
  // Every exported rule of policies.ts is in the pack (a rule written but not registered fails).
  const exported = (Object.values(policies) as unknown[])
    .filter(
      (v): v is { name: string } =>
        typeof v === 'object' && v !== null && 'enforcementLevel' in v && 'name' in v,
    )
    .map((v) => v.name)
    .sort();
  expect([...names].sort()).toEqual(exported);
  expect(names.every((n) => /^qdp-[a-z0-9-]+$/.test(n))).toBe(true);
  expect(registered[0]!.args.policies.every((p) => 'description' in p)).toBe(true);
});
