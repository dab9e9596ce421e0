// Writes the staged CSV of a daily file exactly as on-upload does (the import core's reader, then
// functions/on-upload csvOf), so that the Glue tests read what the crawler would.
//   node --import tsx test/glue/stage.ts UPLOADED_FILE STAGED_CSV
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { inspectFile, openDailyFile } from '../../core/reader/index.ts';
import { csvOf } from '../../functions/on-upload/upload.ts';

const [input, output] = process.argv.slice(2);
if (input === undefined || output === undefined) {
  throw new Error('usage: node --import tsx test/glue/stage.ts UPLOADED_FILE STAGED_CSV');
}
const dailyFile = await openDailyFile(input, await inspectFile(input));
await pipeline(Readable.from(csvOf(dailyFile.rows)), createWriteStream(output));
