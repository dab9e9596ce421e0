// The synthetic daily-file generator (`qdp synth`): see core/README.md.
export {
  writeSyntheticDailyFile,
  checkWriteSyntheticOptions,
  csvLine,
  formatDay,
  XLSX_SHEET,
} from './write.ts';
export type { WriteSyntheticOptions, WriteSyntheticResult } from './write.ts';
export {
  BAD_ROW_KINDS,
  COLUMNS,
  DATE_COLUMNS,
  checkSyntheticDayOptions,
  episodeOn,
  planSyntheticDay,
} from './generate.ts';
export type {
  BadRowKind,
  Episode,
  Field,
  SynthRow,
  SyntheticDay,
  SyntheticDayOptions,
} from './generate.ts';
export { fiscalCode, isValidFiscalCode, checkCharacter, FISCAL_CODE_SHAPE } from './fiscal-code.ts';
