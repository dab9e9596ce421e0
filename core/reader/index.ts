// Reading the daily file (DESIGN §5): inspect it (hash, encoding), then open it as a header and a
// stream of rows in qdp.transit column order, or refuse it as a whole with FileRejectedError.
import { DEFAULT_LIMITS, type FileLimits } from '../contract.ts';
import { openCsv } from './csv.ts';
import { openXlsx } from './xlsx.ts';
import { FileRejectedError, type DailyFile, type InspectedFile } from './types.ts';

export { inspectFile, formatOf } from './inspect.ts';
export {
  FileRejectedError,
  type DailyFile,
  type DailyFileHeader,
  type InspectedFile,
  type Row,
} from './types.ts';

/** Refuses an empty file or one over the size limit (also used before a file is downloaded). */
export function checkFileSize(sizeBytes: number, limits: FileLimits = DEFAULT_LIMITS): void {
  if (sizeBytes === 0) throw new FileRejectedError('the file is empty');
  if (sizeBytes > limits.maxFileBytes) {
    throw new FileRejectedError(
      `the file has ${sizeBytes} bytes, more than the limit of ${limits.maxFileBytes} bytes`,
    );
  }
}

export async function openDailyFile(
  filePath: string,
  inspected: InspectedFile,
  limits: FileLimits = DEFAULT_LIMITS,
): Promise<DailyFile> {
  checkFileSize(inspected.sizeBytes, limits);
  return inspected.format === 'csv'
    ? openCsv(filePath, inspected, limits)
    : openXlsx(filePath, inspected, limits);
}
