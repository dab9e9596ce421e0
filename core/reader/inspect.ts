// One streaming pass over a received file: its SHA-256 (the import's identity) and, for a .csv,
// whether it is valid UTF-8 (otherwise it is read as Windows-1252, DESIGN §5).
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { TextDecoder } from 'node:util';
import {
  dailyFileFormat,
  notDailyFileReason,
  type DailyFileFormat,
} from '../../contracts/daily-file.ts';
import { FileRejectedError, READ_CHUNK_BYTES, type InspectedFile } from './types.ts';

export function formatOf(filePath: string): DailyFileFormat {
  const format = dailyFileFormat(filePath);
  if (format === null) throw new FileRejectedError(notDailyFileReason(filePath));
  return format;
}

export async function inspectFile(filePath: string): Promise<InspectedFile> {
  const format = formatOf(filePath);
  const hash = createHash('sha256');
  let decoder: TextDecoder | null =
    format === 'csv' ? new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }) : null;
  let sizeBytes = 0;
  for await (const chunk of createReadStream(filePath, { highWaterMark: READ_CHUNK_BYTES })) {
    const bytes = chunk as Buffer;
    hash.update(bytes);
    sizeBytes += bytes.length;
    if (decoder) {
      try {
        decoder.decode(bytes, { stream: true });
      } catch {
        decoder = null; // not UTF-8: stop checking, keep hashing
      }
    }
  }
  let encoding: InspectedFile['encoding'] = null;
  if (format === 'csv') {
    if (decoder) {
      try {
        decoder.decode(); // a truncated multi-byte sequence at the end is not UTF-8 either
        encoding = 'utf-8';
      } catch {
        encoding = 'windows-1252';
      }
    } else {
      encoding = 'windows-1252';
    }
  }
  return { sha256: hash.digest('hex'), sizeBytes, format, encoding };
}
