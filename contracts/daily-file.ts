// The daily file contract (DESIGN §5): fields, header aliases and file limits, declared once in
// contracts/daily-file.json so that the Glue job (Python) reads the same declaration; and which
// uploads are daily files (one case-insensitive rule for every runtime).
import { z } from 'zod';
import declaration from './daily-file.json' with { type: 'json' };

const limitSchema = z.object({ default: z.number().int().positive(), description: z.string() });

const contractSchema = z.object({
  version: z.literal(1),
  fields: z
    .array(
      z.object({
        header: z.string().regex(/^[A-Z_]+$/),
        column: z.string().regex(/^[a-z_]+$/),
        required: z.boolean(),
        aliases: z.array(z.string().min(1)),
        kind: z.enum(['text', 'fiscal_code', 'date', 'istat_code']),
      }),
    )
    .min(1),
  limits: z.object({
    max_file_bytes: limitSchema,
    xlsx_max_compression_ratio: limitSchema,
    xlsx_max_unzipped_bytes: limitSchema,
    xlsx_max_entries: limitSchema,
    csv_max_record_chars: limitSchema,
  }),
});

export type ContractField = z.infer<typeof contractSchema>['fields'][number];

export interface FileLimits {
  maxFileBytes: number;
  xlsxMaxCompressionRatio: number;
  xlsxMaxUnzippedBytes: number;
  xlsxMaxEntries: number;
  csvMaxRecordChars: number;
}

/** Case, accents, spaces, tabs, underscores, dots and hyphens do not matter in a header. */
export function normaliseHeader(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f\ufeff]/g, '')
    .toUpperCase()
    .replace(/[\s_.-]/g, '');
}

function loadContract(): z.infer<typeof contractSchema> {
  const parsed = contractSchema.parse(declaration);
  // An alias shared by two fields would make header matching ambiguous: refuse the contract.
  const owner = new Map<string, string>();
  for (const field of parsed.fields) {
    for (const name of [field.header, ...field.aliases]) {
      const key = normaliseHeader(name);
      const previous = owner.get(key);
      if (previous !== undefined && previous !== field.header) {
        throw new Error(`contract: "${name}" matches both ${previous} and ${field.header}`);
      }
      owner.set(key, field.header);
    }
  }
  return parsed;
}

const contract = loadContract();

/** The fields in qdp.transit column order (after import_id and line_no). */
export const FIELDS: readonly ContractField[] = contract.fields;
export const TRANSIT_COLUMNS: readonly string[] = FIELDS.map((f) => f.column);

export const DEFAULT_LIMITS: Readonly<FileLimits> = Object.freeze({
  maxFileBytes: contract.limits.max_file_bytes.default,
  xlsxMaxCompressionRatio: contract.limits.xlsx_max_compression_ratio.default,
  xlsxMaxUnzippedBytes: contract.limits.xlsx_max_unzipped_bytes.default,
  xlsxMaxEntries: contract.limits.xlsx_max_entries.default,
  csvMaxRecordChars: contract.limits.csv_max_record_chars.default,
});

const fieldByName = new Map<string, number>();
FIELDS.forEach((field, index) => {
  for (const name of [field.header, ...field.aliases])
    fieldByName.set(normaliseHeader(name), index);
});

export interface HeaderDuplicate {
  /** Canonical header of the field. */
  field: string;
  /** The header cells, as written in the file, that all match it. */
  headers: string[];
}

export interface HeaderMapping {
  /** For each file column, the index of its field in FIELDS (= transit column order), or null. */
  columns: (number | null)[];
  /** Canonical headers of the fields found, in file order. */
  found: string[];
  /** Canonical headers of required fields not found, in contract order. */
  missing: string[];
  /** Header cells that match no field (empty cells left out), as written. */
  unrecognised: string[];
  duplicates: HeaderDuplicate[];
}

export function mapHeader(headers: readonly string[]): HeaderMapping {
  const columns: (number | null)[] = [];
  const seen = new Map<number, string[]>();
  const found: string[] = [];
  const unrecognised: string[] = [];
  for (const header of headers) {
    const index = fieldByName.get(normaliseHeader(header));
    if (index === undefined) {
      columns.push(null);
      if (header.trim() !== '') unrecognised.push(header.trim());
      continue;
    }
    const written = seen.get(index);
    if (written) {
      written.push(header.trim());
      columns.push(null);
      continue;
    }
    seen.set(index, [header.trim()]);
    columns.push(index);
    found.push((FIELDS[index] as ContractField).header);
  }
  const missing = FIELDS.filter((f, i) => f.required && !seen.has(i)).map((f) => f.header);
  const duplicates = [...seen.entries()]
    .filter(([, written]) => written.length > 1)
    .sort(([a], [b]) => a - b)
    .map(([index, written]) => ({
      field: (FIELDS[index] as ContractField).header,
      headers: written,
    }));
  return { columns, found, missing, unrecognised, duplicates };
}

/** The file-level reason for a header that cannot be loaded, or null when it can. */
export function headerProblem(mapping: HeaderMapping): string | null {
  if (mapping.duplicates.length > 0) {
    return mapping.duplicates
      .map(
        (d) =>
          `column ${d.field} appears more than once (as ${d.headers.map((h) => `"${h}"`).join(', ')})`,
      )
      .join('; ');
  }
  if (mapping.missing.length > 0) {
    const unrecognised =
      mapping.unrecognised.length > 0 ? `; not recognised: ${mapping.unrecognised.join(', ')}` : '';
    return `missing required columns: ${mapping.missing.join(', ')} (found: ${mapping.found.join(', ') || 'none'}${unrecognised})`;
  }
  return null;
}

/** The formats of a daily file, by file name extension (DESIGN §5). */
export const DAILY_FILE_FORMATS = { '.csv': 'csv', '.xlsx': 'xlsx' } as const;
export type DailyFileFormat = (typeof DAILY_FILE_FORMATS)[keyof typeof DAILY_FILE_FORMATS];
/** The extensions a daily file may have, lower-case; any case is accepted (`.CSV`, `.Xlsx`). */
export const DAILY_FILE_EXTENSIONS = Object.keys(
  DAILY_FILE_FORMATS,
) as (keyof typeof DAILY_FILE_FORMATS)[];

/** A name's extension, lower-case, with its dot ('' when none): `a/b.CSV` → `.csv`. */
function extensionOf(name: string): string {
  const base = name.slice(name.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot).toLowerCase();
}

/** The format of a file or object name, whatever the case of its extension; null if none. */
export function dailyFileFormat(name: string): DailyFileFormat | null {
  const extension = extensionOf(name);
  return Object.hasOwn(DAILY_FILE_FORMATS, extension)
    ? DAILY_FILE_FORMATS[extension as keyof typeof DAILY_FILE_FORMATS]
    : null;
}

/** Whether a file or object name is a daily file's (`.csv` or `.xlsx`, any case). */
export function isDailyFileName(name: string): boolean {
  return dailyFileFormat(name) !== null;
}

/** Why a name is not a daily file's, for messages: what it has and what it needs. */
export function notDailyFileReason(name: string): string {
  const extension = extensionOf(name);
  return `unsupported file type "${extension || name.slice(name.lastIndexOf('/') + 1)}": the daily file must be ${DAILY_FILE_EXTENSIONS.join(' or ')}`;
}
