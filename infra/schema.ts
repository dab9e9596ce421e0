// `npm run schema`: the package schema other Pulumi languages see, generated in-process by the
// analyzer that @pulumi/pulumi ships (the one `pulumi package add` runs through the plugin), from
// the TypeScript declarations of QuarantineDataPlatform and its arguments.
import path from 'node:path';
import { ComponentProvider } from '@pulumi/pulumi/provider/experimental/index.js';
import { QuarantineDataPlatform } from './index.ts';

/** The plugin's name: the package's, and the first part of the component's type token. */
export const PLUGIN_NAME = 'quarantine-data-platform';

/**
 * The schema of the package whose package.json and tsconfig.json are in `dir` (the repository,
 * whose package.json `main` is infra/plugin.ts, or the built package).
 */
export async function packageSchema(dir: string): Promise<Record<string, unknown>> {
  const provider = new ComponentProvider({
    components: [QuarantineDataPlatform],
    name: PLUGIN_NAME,
    dirname: dir,
  });
  return JSON.parse(await provider.getSchema()) as Record<string, unknown>;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === import.meta.filename) {
  const dir = path.resolve(process.argv[2] ?? path.join(import.meta.dirname, '..'));
  console.log(JSON.stringify(await packageSchema(dir), null, 2));
}
