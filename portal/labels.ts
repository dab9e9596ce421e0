// How a quarantine's fields are labelled and shown (the list and the patient page share them).
import { formatDate } from './common.ts';
import type { Language, MessageKey, Translate } from './i18n.ts';
import type { ListColumn } from './queries/list.ts';
import type { PatientField } from './queries/patient.ts';

export const FIELD_LABEL: Record<PatientField, MessageKey> = {
  fiscal_code: 'fiscalCode',
  surname: 'surname',
  name: 'name',
  sex: 'sex',
  birth_date: 'birthDate',
  residence_name: 'municipality',
  residence_istat: 'istatCode',
  address: 'address',
  phone: 'phone',
  gp_code: 'gpCode',
  gp_name: 'gp',
  reason: 'reason',
  start_date: 'start',
  end_date: 'end',
  change: 'change',
};

export const CHANGE_LABEL: Record<string, MessageKey> = {
  new: 'statusNew',
  extended: 'statusExtended',
  shortened: 'statusShortened',
  unchanged: 'statusUnchanged',
  ending: 'statusEnding',
};

/**
 * The most characters of a value a list cell shows (longer ones end in an ellipsis; the patient
 * page the row links to shows them whole, wrapped).
 */
export const LIST_CELL_MAX_CHARS = 80;

/** A list cell's text: dates in the language's form, the reason and the change translated. */
export function quarantineCell(
  column: ListColumn,
  value: unknown,
  t: Translate,
  lang: Language,
): string {
  if (value === null || value === undefined) return '';
  if (column === 'birth_date' || column === 'start_date' || column === 'end_date')
    return formatDate(value as Date, lang);
  if (column === 'reason') return t(value === 'POSITIVO' ? 'positive' : 'contact');
  if (column === 'change') return t(CHANGE_LABEL[String(value)] ?? 'statusUnchanged');
  return String(value);
}
