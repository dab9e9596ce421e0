// Reading the daily file (DESIGN §5): inspect it (hash, encoding), then open it as a header and a
// stream of rows in qdp.transit column order, or refuse it as a whole with FileRejectedError.
import { openCsv } from './csv.ts';
import { openXlsx } from './xlsx.ts';
import { FileRejectedError, type DailyFile, type InspectedFile } from './types.ts';
import { DEFAULT_LIMITS, type FileLimits } from '../../contracts/daily-file.ts';

export { inspectFile, formatOf } from './inspect.ts';
export {
  FileRejectedError,
  type DailyFile,
  type DailyFileHeader,
  type InspectedFile,
  type Row,
} from './types.ts';

export async function openDailyFile(
  filePath: string,
  inspected: InspectedFile,
  limits: FileLimits = DEFAULT_LIMITS,
): Promise<DailyFile> {
  if (inspected.sizeBytes === 0) throw new FileRejectedError('the file is empty');
  if (inspected.sizeBytes > limits.maxFileBytes) {
    throw new FileRejectedError(
      `the file has ${inspected.sizeBytes} bytes, more than the limit of ${limits.maxFileBytes} bytes`,
    );
  }
  return inspected.format === 'csv'
    ? openCsv(filePath, inspected, limits)
    : openXlsx(filePath, inspected, limits);
}
