// The rows of one synthetic daily file, in closed form: person slot i lives through cycles of
// 35–64 days (its length and phase hashed from the seed and i); cycle k of slot i holds one
// quarantine episode of a person derived from (seed, i, k), starting on the cycle's first day.
// Some episodes are extended or shortened, announced on a given day of the episode. Day D's file
// lists the first `rows` slots whose episode covers D, with the end date as known on D: files of
// consecutive days share most people, some extended, some ended, some new — without simulating
// any earlier day.
import { fiscalCodeVariant } from './fiscal-code.ts';
import { PopulationModel, type Person } from './people.ts';
import { Rng, fmix32, mix32, seedHash } from './random.ts';
import { FIELDS } from '../../contracts/daily-file.ts';
import { provinceProblems } from '../../contracts/territory.ts';

/** The daily file's headers, in the contract's order (core/contract/daily-file.json). */
export const COLUMNS: readonly string[] = FIELDS.map((field) => field.header);

/** Indexes of the date columns: their value is a day number (a real date) or a text. */
export const DATE_COLUMNS: readonly number[] = FIELDS.flatMap((field, index) =>
  field.kind === 'date' ? [index] : [],
);

/** Every kind of bad row; bad row j of a file is of kind BAD_ROW_KINDS[j % length]. */
export const BAD_ROW_KINDS = [
  'bad-check-character',
  'malformed-fiscal-code',
  'missing-surname',
  'missing-name',
  'bad-sex',
  'impossible-birth-date',
  'future-birth-date',
  'unknown-istat-code',
  'malformed-istat-code',
  'bad-reason',
  'start-after-end',
  'malformed-date',
  'duplicate-fiscal-code',
] as const;
export type BadRowKind = (typeof BAD_ROW_KINDS)[number];

/** A cell: text, or for the date columns a day number (days since 1970-01-01, UTC). */
export type Field = string | number;

export interface SynthRow {
  fields: Field[];
  /** Why the row is bad, or undefined for a good row. */
  bad: BadRowKind | undefined;
}

export interface SyntheticDayOptions {
  rows: number;
  seed: string | number;
  /** 1-based day index. @default 1 */
  day?: number;
  /** Share of bad rows, 0–0.5. @default 0.02 */
  badRowShare?: number;
  /** Province codes of the territory. @default ['VR'] */
  provinces?: string[];
  /** ISO date of day 1. @default '2021-01-04' */
  startDate?: string;
}

export const DEFAULT_BAD_ROW_SHARE = 0.02;
export const DEFAULT_PROVINCES: readonly string[] = ['VR'];
export const DEFAULT_START_DATE = '2021-01-04';
export const MAX_BAD_ROW_SHARE = 0.5;

/** Every problem with the options, each naming the option (empty when they are valid). */
export function checkSyntheticDayOptions(options: SyntheticDayOptions): string[] {
  const problems: string[] = [];
  const { rows, day = 1, badRowShare = DEFAULT_BAD_ROW_SHARE } = options;
  const provinces = options.provinces ?? DEFAULT_PROVINCES;
  const startDate = options.startDate ?? DEFAULT_START_DATE;
  // Zero rows is allowed: a header-only file is a useful hostile case.
  if (!Number.isSafeInteger(rows) || rows < 0) {
    problems.push(`rows must be a whole number, 0 or more (got ${String(rows)})`);
  }
  if (!Number.isSafeInteger(day) || day < 1) {
    problems.push(`day must be a positive integer (got ${String(day)})`);
  }
  if (typeof badRowShare !== 'number' || !(badRowShare >= 0 && badRowShare <= MAX_BAD_ROW_SHARE)) {
    problems.push(`badRowShare must be a number from 0 to 0.5 (got ${String(badRowShare)})`);
  }
  if (typeof options.seed !== 'string' && typeof options.seed !== 'number') {
    problems.push(`seed must be a string or a number (got ${typeof options.seed})`);
  }
  // The territory's one province rule and messages (contracts/territory.ts).
  problems.push(...provinceProblems(provinces).map((problem) => `provinces: ${problem}`));
  if (isoDay(startDate) === undefined) {
    problems.push(`startDate must be an ISO date yyyy-mm-dd (got ${String(startDate)})`);
  }
  return problems;
}

/** Days since 1970-01-01 of an ISO date, or undefined when it is not a real yyyy-mm-dd date. */
export function isoDay(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(text));
  if (!match) return undefined;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const ms = Date.UTC(year, month - 1, day);
  const d = new Date(ms);
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) {
    return undefined;
  }
  return ms / 86_400_000;
}

const POSITIVE_SHARE = 30; // percent: contacts outnumber positives
const EXTENDED_SHARE = 12; // percent of episodes whose end moves later
const SHORTENED_SHARE = 5; // percent of episodes whose end moves earlier

/** One quarantine episode as it stands on a given day (day indexes are 1-based file days). */
export interface Episode {
  slot: number;
  cycle: number;
  reason: 'POSITIVO' | 'CONTATTO';
  /** First day of quarantine. */
  start: number;
  /** Last day of quarantine as known on the day asked for. */
  end: number;
}

/**
 * The episode of `slot` covering `day`, or undefined when the slot is not in quarantine that
 * day. Pure: depends only on (seed hash, slot, day).
 */
export function episodeOn(seed: number, slot: number, day: number): Episode | undefined {
  const h = mix32(seed, 0x510, slot);
  const length = 35 + (h % 30);
  const t = day + ((h >>> 8) % length);
  const cycle = Math.floor(t / length);
  const offset = t - cycle * length;
  // Cheap rejection first: most slots are not in quarantine on a given day.
  if (offset > 30) return undefined;
  const e = mix32(seed, 0xe91, slot, cycle);
  const positive = e % 100 < POSITIVE_SHARE;
  const plannedEnd = positive ? 9 + ((e >>> 8) % 12) : 6 + ((e >>> 8) % 8); // offsets: 10–21 or 7–14 days
  const change = (e >>> 16) % 100;
  const f = fmix32(e ^ 0x2545f491);
  let end = plannedEnd;
  if (change < EXTENDED_SHARE) {
    const announced = 1 + (f % plannedEnd);
    if (offset >= announced) end = plannedEnd + 1 + ((f >>> 8) % 10);
  } else if (change < EXTENDED_SHARE + SHORTENED_SHARE) {
    const announced = 1 + (f % (plannedEnd - 1));
    if (offset >= announced) end = announced + ((f >>> 8) % (plannedEnd - announced));
  }
  if (offset > end) return undefined;
  return {
    slot,
    cycle,
    reason: positive ? 'POSITIVO' : 'CONTATTO',
    start: day - offset,
    end: day - offset + end,
  };
}

export interface SyntheticDay {
  goodRows: number;
  badRows: number;
  /** Yields exactly goodRows + badRows rows, good and bad interleaved. */
  rows(): Generator<SynthRow>;
}

/** Plans one day's file; throws with every problem in the options. */
export function planSyntheticDay(options: SyntheticDayOptions): SyntheticDay {
  const problems = checkSyntheticDayOptions(options);
  if (problems.length > 0) {
    throw new Error(`invalid synthetic file options: ${problems.join('; ')}`);
  }
  const rows = options.rows;
  const day = options.day ?? 1;
  const badRows = Math.round(rows * (options.badRowShare ?? DEFAULT_BAD_ROW_SHARE));
  const seed = seedHash(options.seed);
  const provinces = options.provinces ?? [...DEFAULT_PROVINCES];
  const firstDay = isoDay(options.startDate ?? DEFAULT_START_DATE) as number;
  const model = new PopulationModel(seed, provinces);
  return {
    goodRows: rows - badRows,
    badRows,
    rows: () => generateRows(model, seed, day, firstDay, rows, badRows),
  };
}

function* generateRows(
  model: PopulationModel,
  seed: number,
  day: number,
  firstDay: number,
  rows: number,
  badRows: number,
): Generator<SynthRow> {
  // Two synthetic people may share a fiscal code; as in the real registry the later one gets
  // an omocodia variant, so that every good row is a distinct person.
  const used = new Set<string>();
  const unique = (person: Person): string => {
    let code = person.fiscalCode;
    for (let level = person.omocodia + 1; used.has(code) && level <= 7; level++) {
      code = fiscalCodeVariant(person.baseFiscalCode, level);
    }
    used.add(code);
    return code;
  };
  const toDate = (d: number): number => firstDay + d - 1;
  let slot = 0;
  let bad = 0;
  // Bad row j sits at index floor((j + 1) * rows / (badRows + 1)): spread out, never first.
  let nextBadAt = badRows > 0 ? Math.floor(rows / (badRows + 1)) : rows;
  let lastGood: Field[] | undefined;
  for (let index = 0; index < rows; index++) {
    if (index === nextBadAt) {
      const kind = BAD_ROW_KINDS[bad % BAD_ROW_KINDS.length] as BadRowKind;
      const rng = new Rng(seed, 0xbad, bad, 0x5eed);
      const person = model.person(rng);
      const fields =
        kind === 'duplicate-fiscal-code' && lastGood
          ? [...lastGood]
          : badFields(kind, person, rng, model, toDate(day), unique);
      bad++;
      nextBadAt = bad < badRows ? Math.floor(((bad + 1) * rows) / (badRows + 1)) : rows;
      yield { fields, bad: kind };
      continue;
    }
    let episode: Episode | undefined;
    while (!(episode = episodeOn(seed, slot, day))) slot++;
    slot++;
    const person = model.person(new Rng(seed, episode.slot, episode.cycle, 0xbe0));
    const fields = personFields(person, unique(person), episode.reason);
    fields.push(toDate(episode.start), toDate(episode.end));
    lastGood = fields;
    yield { fields, bad: undefined };
  }
}

function personFields(person: Person, code: string, reason: string): Field[] {
  return [
    code,
    person.surname,
    person.name,
    person.sex,
    person.birthDay,
    person.residence.istatCode,
    person.residence.name,
    person.address,
    person.phone,
    person.gp?.code ?? '',
    person.gp?.name ?? '',
    reason,
  ];
}

function badFields(
  kind: BadRowKind,
  person: Person,
  rng: Rng,
  model: PopulationModel,
  today: number,
  unique: (person: Person) => string,
): Field[] {
  const brokenCode = kind === 'bad-check-character' || kind === 'malformed-fiscal-code';
  const fields = personFields(
    person,
    brokenCode ? person.fiscalCode : unique(person),
    rng.chance(POSITIVE_SHARE / 100) ? 'POSITIVO' : 'CONTATTO',
  );
  const start = today - rng.int(0, 6);
  fields.push(start, start + rng.int(7, 14));
  const code = person.fiscalCode;
  const birth = model.ymd(person.birthDay);
  switch (kind) {
    case 'bad-check-character': {
      const check = code.charCodeAt(15) - 65;
      fields[0] = code.slice(0, 15) + String.fromCharCode(65 + ((check + rng.int(1, 25)) % 26));
      break;
    }
    case 'malformed-fiscal-code':
      fields[0] = rng.pick([
        code.slice(0, 15),
        `${code}0`,
        `${code.slice(0, 6)}Z${code.slice(7)}`,
        `${code.slice(0, 11)}-${code.slice(12)}`,
      ]);
      break;
    case 'missing-surname':
      fields[1] = rng.pick(['', '   ']);
      break;
    case 'missing-name':
      fields[2] = rng.pick(['', '   ']);
      break;
    case 'bad-sex':
      fields[3] = rng.pick(['X', 'U', '9']);
      break;
    case 'impossible-birth-date':
      fields[4] = rng.pick([
        `31/02/${birth.year}`,
        `30/02/${birth.year}`,
        `31/04/${birth.year}`,
        `31/11/${birth.year}`,
      ]);
      break;
    case 'future-birth-date':
      fields[4] = Date.UTC(2099, rng.int(0, 11), rng.int(1, 28)) / 86_400_000;
      break;
    case 'unknown-istat-code':
      fields[5] = rng.pick(['999999', '000000', '023999']);
      break;
    case 'malformed-istat-code':
      fields[5] = rng.pick(['0230911', 'ABC123', '02309', '23.091']);
      break;
    case 'bad-reason':
      fields[11] = rng.pick(['GUARITO', 'SOSPETTO', 'ISOLAMENTO']);
      break;
    case 'start-after-end':
      fields[12] = today;
      fields[13] = today - rng.int(1, 5);
      break;
    case 'malformed-date':
      fields[rng.chance(0.5) ? 12 : 13] = rng.pick(['ieri', '2021-13-45', '15/15/2021', '01.02']);
      break;
    case 'duplicate-fiscal-code':
      // Only reached when no good row precedes (cannot happen: bad rows are never first).
      break;
  }
  return fields;
}
