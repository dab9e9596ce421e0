// Tags: one transform on the component gives every taggable resource the caller's tags and the
// platform's own; the list of taggable types matches @pulumi/aws's declarations.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { expect, test } from 'vitest';
import { validateTags } from '../../infra/tags.ts';
import { QuarantineDataPlatform } from '../../infra/index.ts';
import { AUTOSCALING_GROUP, TAGGABLE_TYPES } from '../../infra/tags.ts';
import { typicalArgs } from './fixtures.ts';
import { installMocks, resolve, settle } from './mocks.ts';

const CALLER_TAGS = { CostCentre: 'ULSS9-IT', Environment: 'production' };
const EXPECTED = {
  ...CALLER_TAGS,
  'quarantine:instance': 'ulss9',
  'quarantine:authority': 'ULSS 9 Scaligera',
};

/** Whether @pulumi/aws declares `tags` in the Args of a type token (`aws:s3/bucket:Bucket`). */
function declaresTags(type: string): boolean {
  const require = createRequire(import.meta.url);
  const root = path.dirname(require.resolve('@pulumi/aws/package.json'));
  const [, modulePath, className] = type.split(':') as [string, string, string];
  const [module, file] = modulePath.split('/') as [string, string];
  const text = readFileSync(path.join(root, module, `${file}.d.ts`), 'utf8');
  const args = new RegExp(`export interface ${className}Args \\{([\\s\\S]*?)\\n\\}`).exec(text);
  if (args === null) throw new Error(`no ${className}Args in @pulumi/aws ${modulePath}`);
  return /\n {4}tags\?: /.test(args[1]!);
}

test('every taggable resource carries exactly the caller tags and the platform tags', async () => {
  const rec = await installMocks();
  const platform = new QuarantineDataPlatform('ulss9', { ...typicalArgs, tags: CALLER_TAGS });
  await resolve(platform.dashboardName);
  await settle(rec);

  const custom = rec.resources.filter((r) => r.custom && r.type !== 'pulumi:providers:aws');
  for (const r of custom) {
    if (r.type === AUTOSCALING_GROUP) {
      expect(r.tags, r.name).toEqual(
        Object.entries(EXPECTED).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
      );
    } else if (TAGGABLE_TYPES.has(r.type)) {
      expect([r.type, r.name, r.tags]).toEqual([r.type, r.name, EXPECTED]);
    } else {
      expect([r.type, r.name, r.tags]).toEqual([r.type, r.name, undefined]);
    }
  }
  // The list is exactly the declared types that take a tags map (S3 objects left out on purpose).
  const declared = [...new Set(custom.map((r) => r.type))].filter(
    (t) => t.startsWith('aws:') && t !== AUTOSCALING_GROUP,
  );
  const taggable = declared.filter(
    (t) => declaresTags(t) && t !== 'aws:s3/bucketObjectv2:BucketObjectv2',
  );
  expect(declared.filter((t) => TAGGABLE_TYPES.has(t)).sort()).toEqual(taggable.sort());
});

test('without caller tags, the platform tags only', async () => {
  const rec = await installMocks();
  const platform = new QuarantineDataPlatform('ulss9', typicalArgs);
  await resolve(platform.dashboardName);
  await settle(rec);
  const topics = rec.resources.filter((r) => r.type === 'aws:sns/topic:Topic');
  expect(topics.map((t) => t.tags)).toEqual([
    { 'quarantine:instance': 'ulss9', 'quarantine:authority': 'ULSS 9 Scaligera' },
    { 'quarantine:instance': 'ulss9', 'quarantine:authority': 'ULSS 9 Scaligera' },
  ]);
});

test('tag validation: every message', () => {
  expect(validateTags({})).toEqual([]);
  expect(validateTags({ 'Cost Centre': 'a/b=c+d-e@f.g:h_i' })).toEqual([]);
  expect(
    validateTags({
      '': 'x',
      'aws:owner': 'x',
      'quarantine:instance': 'x',
      ok: 'v'.repeat(257),
      'bad#key': 'x',
    }),
  ).toEqual([
    'tags: key "" must be 1 to 128 characters: letters, digits, spaces and _ . : / = + - @',
    'tags: key "aws:owner" must not start with "aws:" (reserved by AWS)',
    'tags: key "quarantine:instance" is set by the component (the instance and the authority)',
    'tags: value of "ok" must be up to 256 characters: letters, digits, spaces and _ . : / = + - @',
    'tags: key "bad#key" must be 1 to 128 characters: letters, digits, spaces and _ . : / = + - @',
  ]);
  const many = Object.fromEntries(Array.from({ length: 41 }, (_, i) => [`k${i}`, 'v']));
  expect(validateTags(many)).toEqual(['tags: 41 given, at most 40']);
});
