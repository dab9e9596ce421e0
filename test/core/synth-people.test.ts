import * as cfModule from 'codice-fiscale-js';
import { describe, expect, it } from 'vitest';
import { allMunicipalities, municipalitiesOf } from '../../contracts/territory.ts';
import {
  BIRTHPLACES,
  FEMALE_NAMES,
  GPS_PER_PROVINCE,
  MALE_NAMES,
  POPULATIONS,
  PopulationModel,
  makeGps,
} from '../../core/synth/people.ts';
import { Rng, seedHash } from '../../core/synth/random.ts';

const CodiceFiscale = (
  cfModule as unknown as { CodiceFiscale: (typeof cfModule)['default']['default'] }
).CodiceFiscale;

describe('reference lists', () => {
  it('gives every birthplace its real Belfiore code', () => {
    for (const place of BIRTHPLACES) {
      expect([place.name, CodiceFiscale.findLocationCode(place.name, place.province)]).toEqual([
        place.name,
        place.belfiore,
      ]);
    }
  });

  it('names only real municipalities in the population table', () => {
    const names = new Set(allMunicipalities().map((m) => m.name));
    expect(Object.keys(POPULATIONS).filter((name) => !names.has(name))).toEqual([]);
  });

  it('keeps the sexes of first names apart', () => {
    const male = new Set(MALE_NAMES);
    expect(FEMALE_NAMES.filter((name) => male.has(name))).toEqual([]);
  });
});

describe('GPs', () => {
  it('makes a few hundred unique MG codes per province, deterministically', () => {
    const gps = makeGps(seedHash(1), ['VR', 'VI']);
    expect(gps.length).toBe(2 * GPS_PER_PROVINCE);
    expect(new Set(gps.map((g) => g.code)).size).toBe(gps.length);
    expect(gps.every((g) => /^MG\d{5}$/.test(g.code) && /^[A-Z' ]+ [A-Z' ]+$/.test(g.name))).toBe(
      true,
    );
    expect(gps.filter((g) => g.province === 'VI').length).toBe(GPS_PER_PROVINCE);
    expect(makeGps(seedHash(1), ['VR', 'VI'])).toEqual(gps);
    expect(makeGps(seedHash(2), ['VR', 'VI'])).not.toEqual(gps);
  });
});

describe('people', () => {
  const model = new PopulationModel(seedHash('people'), ['VR']);
  const people = Array.from({ length: 20_000 }, (_, i) => model.person(new Rng(7, i)));

  it('is a pure function of the random stream', () => {
    expect(model.person(new Rng(7, 123))).toEqual(people[123]);
  });

  it('makes people whose fiscal code matches their sex, birth date and birthplace', () => {
    const male = new Set(MALE_NAMES);
    const female = new Set(FEMALE_NAMES);
    // The library's decoder is slow: 5,000 people are plenty.
    for (const p of people.slice(0, 5_000)) {
      expect(CodiceFiscale.check(p.fiscalCode)).toBe(true);
      const decoded = CodiceFiscale.computeInverse(p.fiscalCode);
      const birth = new Date(p.birthDay * 86_400_000);
      expect([decoded.gender, decoded.day, decoded.month]).toEqual([
        p.sex,
        birth.getUTCDate(),
        birth.getUTCMonth() + 1,
      ]);
      expect(decoded.year % 100).toBe(birth.getUTCFullYear() % 100);
      expect(new CodiceFiscale(p.fiscalCode).birthplace.cc).toBe(p.birthplace.belfiore);
      expect(birth.getUTCFullYear() >= 1930 && birth.getUTCFullYear() <= 2020).toBe(true);
      const names = p.name.split(' ');
      expect(names.every((n) => (p.sex === 'M' ? male : female).has(n))).toBe(true);
    }
  });

  it('makes a small share of omocodia codes', () => {
    const omocodia = people.filter((p) => p.omocodia > 0).length;
    expect(omocodia).toBeGreaterThan(20);
    expect(omocodia).toBeLessThan(120);
  });

  it('houses most people in the territory, weighted towards big towns, and a few outside', () => {
    const territory = new Set(municipalitiesOf(['VR']).map((m) => m.istatCode));
    const known = new Set(allMunicipalities().map((m) => m.istatCode));
    const outside = people.filter((p) => !territory.has(p.residence.istatCode));
    expect(people.every((p) => known.has(p.residence.istatCode))).toBe(true);
    expect(outside.every((p) => !p.residence.inTerritory && p.gp === undefined)).toBe(true);
    expect(outside.length).toBeGreaterThan(100);
    expect(outside.length).toBeLessThan(300);
    // Verona (023091) has about a quarter of the province's people.
    const verona = people.filter((p) => p.residence.istatCode === '023091').length;
    expect(verona / people.length).toBeGreaterThan(0.2);
    expect(verona / people.length).toBeLessThan(0.35);
  });

  it('binds about 3% of residents to no GP, the rest to a GP of their province', () => {
    const residents = people.filter((p) => p.residence.inTerritory);
    const withoutGp = residents.filter((p) => p.gp === undefined).length / residents.length;
    expect(withoutGp).toBeGreaterThan(0.02);
    expect(withoutGp).toBeLessThan(0.04);
    const codes = new Set(model.gps.map((g) => g.code));
    expect(residents.every((p) => p.gp === undefined || codes.has(p.gp.code))).toBe(true);
  });
});
