// Child process of the import benchmark: imports one file through the same code path as
// `qdp import` and reports the outcome and this process's peak resident memory.
import { loadConfig } from '../core/config.ts';
import { importDailyFile } from '../core/importer.ts';
import { openDatabase } from '../local/database.ts';

const file = process.argv[2];
if (!file) throw new Error('usage: import-child.ts FILE');
const db = await openDatabase(loadConfig());
const { summary } = await importDailyFile(db.pool, file);
await db.close();
process.stdout.write(
  JSON.stringify({
    peakRssMb: process.resourceUsage().maxRSS / 1024,
    outcome: { status: summary.status, rowsAccepted: summary.rowsAccepted ?? 0 },
  }),
);
