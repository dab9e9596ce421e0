// Every URN the platform declares, pinned: a refactor that renames a resource, moves it to another
// parent or changes its type fails here (a changed URN is a replacement on the next `pulumi up`).
import { expect, test } from 'vitest';
import { QuarantineDataPlatform, type QuarantineDataPlatformArgs } from '../../infra/index.ts';
import { everyOptionArgs, minimalArgs } from './fixtures.ts';
import { installMocks, resolve, settle } from './mocks.ts';
import { DEFAULT_PLATFORM_URNS, EVERY_OPTION_URNS } from './urns.ts';

async function urnsOf(args: QuarantineDataPlatformArgs): Promise<string[]> {
  const rec = await installMocks();
  const platform = new QuarantineDataPlatform('ulss9', args);
  await resolve(platform.dashboardName);
  await settle(rec);
  expect(rec.unknownCalls).toEqual([]);
  return rec.resources.map((r) => r.urn!).sort();
}

test('the default platform (minimal arguments): every URN exactly', async () => {
  expect(await urnsOf(minimalArgs)).toEqual(DEFAULT_PLATFORM_URNS);
});

test('every optional part on: every URN exactly', async () => {
  expect(await urnsOf(everyOptionArgs)).toEqual(EVERY_OPTION_URNS);
});
