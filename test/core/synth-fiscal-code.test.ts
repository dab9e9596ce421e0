import * as cfModule from 'codice-fiscale-js';
import { describe, expect, it } from 'vitest';
import {
  checkCharacter,
  dateCode,
  fiscalCode,
  fiscalCodeVariant,
  isValidFiscalCode,
  nameCode,
  omocodiaVariant,
  surnameCode,
} from '../../core/synth/fiscal-code.ts';
import { BIRTHPLACES, FEMALE_NAMES, MALE_NAMES, SURNAMES } from '../../core/synth/people.ts';
import { Rng } from '../../core/synth/random.ts';

// The package's CommonJS bundle exports { CodiceFiscale }, not the default its types declare.
const CodiceFiscale = (
  cfModule as unknown as { CodiceFiscale: (typeof cfModule)['default']['default'] }
).CodiceFiscale;

describe('fiscal code parts', () => {
  it('follows the consonant and vowel rules', () => {
    expect(surnameCode('ROSSI')).toBe('RSS');
    expect(surnameCode('FO')).toBe('FOX');
    expect(surnameCode("D'ANGELO")).toBe('DNG');
    expect(surnameCode('DE LUCA')).toBe('DLC');
    expect(surnameCode('HU')).toBe('HUX');
    expect(nameCode('MARIO')).toBe('MRA');
    expect(nameCode('FRANCESCO')).toBe('FNC'); // four or more consonants: 1st, 3rd, 4th
    expect(nameCode('ALESSANDRO')).toBe('LSN');
    expect(nameCode('EMMA')).toBe('MME');
    expect(dateCode(1980, 1, 1, 'M')).toBe('80A01');
    expect(dateCode(2005, 12, 9, 'F')).toBe('05T49');
  });

  it('computes the textbook example', () => {
    const code = fiscalCode({
      surname: 'ROSSI',
      name: 'MARIO',
      sex: 'M',
      birthYear: 1980,
      birthMonth: 1,
      birthDay: 1,
      belfiore: 'H501',
    });
    expect(code).toBe('RSSMRA80A01H501U');
    expect(checkCharacter('RSSMRA80A01H501')).toBe('U');
    expect(isValidFiscalCode(code)).toBe(true);
  });

  it('makes omocodia variants from the rightmost digit, with a new check character', () => {
    expect(omocodiaVariant('RSSMRA80A01H501U', 1)).toBe('RSSMRA80A01H50M');
    expect(omocodiaVariant('RSSMRA80A01H501U', 3)).toBe('RSSMRA80A01HRLM');
    expect(fiscalCodeVariant('RSSMRA80A01H501U', 0)).toBe('RSSMRA80A01H501U');
    const variant = fiscalCodeVariant('RSSMRA80A01H501U', 7);
    expect(variant.slice(0, 15)).toBe('RSSMRAULALMHRLM');
    expect(isValidFiscalCode(variant)).toBe(true);
    expect(CodiceFiscale.check(variant)).toBe(true);
    expect(() => omocodiaVariant('RSSMRA80A01H501U', 8)).toThrow(
      'omocodia level must be an integer from 0 to 7 (got 8)',
    );
  });

  it('rejects wrong shapes and check characters', () => {
    expect(isValidFiscalCode('RSSMRA80A01H501A')).toBe(false);
    expect(isValidFiscalCode('RSSMRA80A01H501')).toBe(false);
    expect(isValidFiscalCode('RSSMRA8ZA01H501U')).toBe(false);
    expect(isValidFiscalCode('rssmra80a01h501u')).toBe(false);
    expect(isValidFiscalCode('RSSMRA80A01H501UX')).toBe(false);
  });

  it('agrees with codice-fiscale-js on 5,000 random people and their omocodia variants', () => {
    const rng = new Rng(20_210_104);
    let variants = 0;
    for (let n = 0; n < 5_000; n++) {
      const sex = rng.chance(0.5) ? 'M' : 'F';
      const name = rng.pick(sex === 'M' ? MALE_NAMES : FEMALE_NAMES);
      const surname = rng.pick(SURNAMES);
      const birth = new Date(Date.UTC(1930, 0, 1) + rng.int(0, 33_000) * 86_400_000);
      const birthplace = rng.pick(BIRTHPLACES);
      const person = {
        surname,
        name,
        sex,
        birthYear: birth.getUTCFullYear(),
        birthMonth: birth.getUTCMonth() + 1,
        birthDay: birth.getUTCDate(),
        belfiore: birthplace.belfiore,
      } as const;
      const ours = fiscalCode(person);
      const theirs = CodiceFiscale.compute({
        surname,
        name,
        gender: sex,
        day: person.birthDay,
        month: person.birthMonth,
        year: person.birthYear,
        birthplace: birthplace.belfiore,
      });
      expect(ours).toBe(theirs);
      expect(CodiceFiscale.check(ours)).toBe(true);
      if (n % 10 === 0) {
        const level = rng.int(1, 7);
        const variant = fiscalCode(person, level);
        expect(CodiceFiscale.getOmocodie(ours)).toContain(variant);
        expect(isValidFiscalCode(variant)).toBe(true);
        variants++;
      }
    }
    expect(variants).toBe(500);
  });
});
