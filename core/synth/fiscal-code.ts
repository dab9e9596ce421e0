// The Italian fiscal code (codice fiscale), computed here rather than with codice-fiscale-js:
// the generator makes a million codes in a few seconds and needs no birthplace lookup by name
// (its birthplaces carry their Belfiore code). The tests cross-check against the library.

const MONTH_LETTERS = 'ABCDEHLMPRST';
// Values of a character in an odd (1st, 3rd, …) position, digits and letters alike (0=A … 9=J).
const ODD_VALUES = [
  1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23,
];
/** Positions (0-based) of the digits that omocodia replaces, rightmost first. */
const OMOCODIA_POSITIONS = [14, 13, 12, 10, 9, 7, 6];
const OMOCODIA_LETTERS = 'LMNPQRSTUV';

function letters(text: string): string {
  return text.toUpperCase().replace(/[^A-Z]/g, '');
}

function split(text: string): { consonants: string; vowels: string } {
  const clean = letters(text);
  return {
    consonants: clean.replace(/[AEIOU]/g, ''),
    vowels: clean.replace(/[^AEIOU]/g, ''),
  };
}

// Names repeat a lot in a million rows: their codes are computed once.
const surnameCodes = new Map<string, string>();
const nameCodes = new Map<string, string>();

/** Surname part: the consonants, then the vowels, padded with X. */
export function surnameCode(surname: string): string {
  let code = surnameCodes.get(surname);
  if (code === undefined) {
    const { consonants, vowels } = split(surname);
    code = `${consonants}${vowels}XXX`.slice(0, 3);
    surnameCodes.set(surname, code);
  }
  return code;
}

/** Name part: with four or more consonants, the 1st, 3rd and 4th; otherwise as the surname. */
export function nameCode(name: string): string {
  let code = nameCodes.get(name);
  if (code === undefined) {
    const { consonants, vowels } = split(name);
    code =
      consonants.length >= 4
        ? `${consonants[0]}${consonants[2]}${consonants[3]}`
        : `${consonants}${vowels}XXX`.slice(0, 3);
    nameCodes.set(name, code);
  }
  return code;
}

/** Birth part: two-digit year, month letter, day (+40 for women). */
export function dateCode(year: number, month: number, day: number, sex: 'M' | 'F'): string {
  const yy = String(year % 100).padStart(2, '0');
  const dd = String(sex === 'F' ? day + 40 : day).padStart(2, '0');
  return `${yy}${MONTH_LETTERS[month - 1]}${dd}`;
}

function charValue(code: number): number {
  // '0'..'9' → 0..9, 'A'..'Z' → 0..25.
  return code <= 57 ? code - 48 : code - 65;
}

/** The check character of the first 15 characters. */
export function checkCharacter(first15: string): string {
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const value = charValue(first15.charCodeAt(i));
    // Position 1 (odd, 1-based) is index 0.
    sum += i % 2 === 0 ? (ODD_VALUES[value] as number) : value;
  }
  return String.fromCharCode(65 + (sum % 26));
}

export interface FiscalCodePerson {
  surname: string;
  name: string;
  sex: 'M' | 'F';
  birthYear: number;
  birthMonth: number;
  birthDay: number;
  /** Belfiore code of the birthplace (an Italian municipality, or Z… for a foreign country). */
  belfiore: string;
}

/** The 16-character fiscal code; `omocodia` (0–7) replaces that many digits, rightmost first. */
export function fiscalCode(person: FiscalCodePerson, omocodia = 0): string {
  const first15 =
    surnameCode(person.surname) +
    nameCode(person.name) +
    dateCode(person.birthYear, person.birthMonth, person.birthDay, person.sex) +
    person.belfiore;
  return withCheck(omocodia === 0 ? first15 : omocodiaVariant(first15, omocodia));
}

/** Replaces the `level` rightmost digits of a code's first 15 characters by letters. */
export function omocodiaVariant(code: string, level: number): string {
  if (!Number.isInteger(level) || level < 0 || level > OMOCODIA_POSITIONS.length) {
    throw new Error(`omocodia level must be an integer from 0 to 7 (got ${level})`);
  }
  const chars = code.slice(0, 15).split('');
  for (const position of OMOCODIA_POSITIONS.slice(0, level)) {
    const c = chars[position] as string;
    if (c >= '0' && c <= '9') chars[position] = OMOCODIA_LETTERS[Number(c)] as string;
  }
  return chars.join('');
}

/** The code with its `level` rightmost digits replaced (omocodia) and its check recomputed. */
export function fiscalCodeVariant(code: string, level: number): string {
  if (level === 0 && code.length === 16) return code;
  return withCheck(omocodiaVariant(code, level));
}

function withCheck(first15: string): string {
  return first15 + checkCharacter(first15);
}

/** A fiscal code's shape (omocodia letters allowed in digit positions), check character aside. */
export const FISCAL_CODE_SHAPE =
  /^[A-Z]{6}[0-9LMNPQRSTUV]{2}[ABCDEHLMPRST][0-7LMNPQRSTU][0-9LMNPQRSTUV][A-Z][0-9LMNPQRSTUV]{3}[A-Z]$/;

/** True when the code has the right shape and check character (omocodia allowed). */
export function isValidFiscalCode(code: string): boolean {
  return FISCAL_CODE_SHAPE.test(code) && checkCharacter(code) === code[15];
}
