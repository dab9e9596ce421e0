// The component as other Pulumi languages see it: its type token (the package's name, module
// `index`) and the alias that keeps stacks made with the earlier token in place.
import { expect, test } from 'vitest';
import {
  COMPONENT_TYPE,
  PREVIOUS_COMPONENT_TYPE,
  QuarantineDataPlatform,
} from '../../infra/index.ts';
import { minimalArgs } from './fixtures.ts';
import { installMocks, resolve, settle } from './mocks.ts';

test("the type token is the package's name, module index; the 0.1 token and the caller's aliases are kept", async () => {
  const rec = await installMocks();
  const seen: unknown[] = [];
  const platform = new QuarantineDataPlatform('ulss9', minimalArgs, {
    aliases: [{ name: 'ulss9-old' }],
    transformations: [
      (resource) => {
        if (resource.type === COMPONENT_TYPE) seen.push(resource.opts.aliases);
        return undefined;
      },
    ],
  });
  await resolve(platform.dashboardName);
  await settle(rec);
  expect(COMPONENT_TYPE).toBe('quarantine-data-platform:index:QuarantineDataPlatform');
  expect(seen).toEqual([[{ name: 'ulss9-old' }, { type: PREVIOUS_COMPONENT_TYPE }]]);
  expect(PREVIOUS_COMPONENT_TYPE).toBe('quarantine:index:QuarantineDataPlatform');
  expect(rec.resources.filter((r) => r.type === COMPONENT_TYPE).map((r) => r.name)).toEqual([
    'ulss9',
  ]);
});
