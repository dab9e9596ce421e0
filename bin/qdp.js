#!/usr/bin/env node
// The `qdp` command. The sources are TypeScript run directly through tsx (no build step), so the
// command, the tests and local mode always run the same code.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/qdp.ts');
process.exitCode = await main(process.argv.slice(2));
