import * as cfModule from 'codice-fiscale-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allMunicipalities, municipalitiesOf } from '../../contracts/territory.ts';
import {
  BAD_ROW_KINDS,
  checkSyntheticDayOptions,
  episodeOn,
  isoDay,
  planSyntheticDay,
  type BadRowKind,
  type Episode,
  type SynthRow,
} from '../../core/synth/generate.ts';
import { seedHash } from '../../core/synth/random.ts';
import { createTestDatabase, type TestDatabase } from '../support/database.ts';

const CodiceFiscale = (
  cfModule as unknown as { CodiceFiscale: (typeof cfModule)['default']['default'] }
).CodiceFiscale;

const DAY1 = isoDay('2021-01-04') as number;
const rowsOf = (options: Parameters<typeof planSyntheticDay>[0]): SynthRow[] => [
  ...planSyntheticDay(options).rows(),
];

describe('options', () => {
  it('accepts the defaults', () => {
    expect(checkSyntheticDayOptions({ rows: 10, seed: 1 })).toEqual([]);
    expect(checkSyntheticDayOptions({ rows: 0, seed: 'x', provinces: ['VR', 'VI'] })).toEqual([]);
  });

  it('reports every problem at once, naming the option', () => {
    expect(() =>
      planSyntheticDay({
        rows: -1,
        seed: 1,
        day: 0,
        badRowShare: 0.6,
        provinces: ['VR', 'XX'],
        startDate: '2021-02-30',
      }),
    ).toThrow(
      'invalid synthetic file options: rows must be a whole number, 0 or more (got -1); ' +
        'day must be a positive integer (got 0); badRowShare must be a number from 0 to 0.5 (got 0.6); ' +
        'provinces: unknown province code(s) XX: use upper-case two-letter codes such as VR, VI, RM; ' +
        'startDate must be an ISO date yyyy-mm-dd (got 2021-02-30)',
    );
    expect(checkSyntheticDayOptions({ rows: 1.5, seed: 1, provinces: [] })).toEqual([
      'rows must be a whole number, 0 or more (got 1.5)',
      'provinces: must name at least one province (two-letter codes such as VR, RM)',
    ]);
    expect(checkSyntheticDayOptions({ rows: 1, seed: 1, provinces: ['VR', 'vi', 'VR'] })).toEqual([
      'provinces: unknown province code(s) vi: use upper-case two-letter codes such as VR, VI, RM',
      'provinces: VR listed more than once',
    ]);
    expect(
      checkSyntheticDayOptions({ rows: 1, seed: null as unknown as string, badRowShare: NaN }),
    ).toEqual([
      'badRowShare must be a number from 0 to 0.5 (got NaN)',
      'seed must be a string or a number (got object)',
    ]);
  });
});

describe('episodes', () => {
  const seed = seedHash('episodes');
  const slots = 200_000;

  it('carry over from one day to the next, with extensions, shortenings, ends and starts', () => {
    const counts = { carried: 0, extended: 0, shortened: 0, ended: 0, started: 0 };
    for (let slot = 0; slot < slots; slot++) {
      const before = episodeOn(seed, slot, 6);
      const after = episodeOn(seed, slot, 7);
      if (before && !after) {
        // Only an episode whose last day was day 6 leaves the list on day 7.
        expect(before.end).toBe(6);
        counts.ended++;
      } else if (!before && after) {
        expect(after.start).toBe(7);
        counts.started++;
      } else if (before && after) {
        const same = (e: Episode) => [e.slot, e.cycle, e.reason, e.start];
        expect(same(after)).toEqual(same(before));
        expect(after.end).toBeGreaterThanOrEqual(7);
        if (after.end > before.end) counts.extended++;
        else if (after.end < before.end) counts.shortened++;
        else counts.carried++;
      }
    }
    const inQuarantine = counts.carried + counts.extended + counts.shortened + counts.ended;
    // About a quarter of the slots are in quarantine on a given day.
    expect(inQuarantine / slots).toBeGreaterThan(0.2);
    expect(inQuarantine / slots).toBeLessThan(0.3);
    expect(counts.carried / inQuarantine).toBeGreaterThan(0.85);
    expect(counts.extended).toBeGreaterThan(counts.shortened);
    expect(counts.shortened).toBeGreaterThan(50);
    expect(counts.ended / inQuarantine).toBeGreaterThan(0.04);
    expect(counts.started / inQuarantine).toBeGreaterThan(0.04);
  });

  it('have realistic durations and more contacts than positives', () => {
    let positives = 0;
    let contacts = 0;
    for (let slot = 0; slot < 50_000; slot++) {
      const e = episodeOn(seed, slot, 30);
      if (!e) continue;
      expect(e.start).toBeLessThanOrEqual(30);
      expect(e.end).toBeGreaterThanOrEqual(30);
      const days = e.end - e.start + 1;
      expect(days >= 1 && days <= 31).toBe(true);
      if (e.reason === 'POSITIVO') positives++;
      else contacts++;
    }
    expect(contacts).toBeGreaterThan(1.3 * positives);
    expect(positives).toBeGreaterThan(2_000);
  });
});

describe('a day of rows', () => {
  const rows = 3_000;
  let day1: SynthRow[];
  let day2: SynthRow[];
  beforeAll(() => {
    day1 = rowsOf({ rows, seed: 'continuity', day: 1 });
    day2 = rowsOf({ rows, seed: 'continuity', day: 2 });
  });

  it('has exactly the rows asked for, with the share of bad rows asked for', () => {
    expect(day1.length).toBe(rows);
    expect(day1.filter((r) => r.bad).length).toBe(60);
    expect(planSyntheticDay({ rows, seed: 1, badRowShare: 0.1 }).badRows).toBe(300);
    expect(rowsOf({ rows: 7, seed: 1, badRowShare: 0 }).length).toBe(7);
    expect(rowsOf({ rows: 0, seed: 1 })).toEqual([]);
    const small = rowsOf({ rows: 100, seed: 1, badRowShare: 0.5 });
    expect([small.length, small.filter((r) => r.bad).length]).toEqual([100, 50]);
    expect(small[0]?.bad).toBe(undefined);
  });

  it('is deterministic and depends on the seed', () => {
    expect(rowsOf({ rows, seed: 'continuity', day: 1 })).toEqual(day1);
    const other = rowsOf({ rows, seed: 'other', day: 1 });
    expect(other.filter((r, i) => r.fields[0] === day1[i]?.fields[0]).length).toBe(0);
  });

  it('lists valid, distinct people in quarantine that day', () => {
    const territory = new Set(municipalitiesOf(['VR']).map((m) => m.istatCode));
    const known = new Set(allMunicipalities().map((m) => m.istatCode));
    const good = day1.filter((r) => !r.bad);
    const codes = new Set<string>();
    let outside = 0;
    let withoutGp = 0;
    for (const { fields } of good) {
      const [
        code,
        surname,
        name,
        sex,
        birth,
        istat,
        comune,
        ,
        ,
        gpCode,
        gpName,
        reason,
        start,
        end,
      ] = fields;
      expect(CodiceFiscale.check(code as string)).toBe(true);
      expect(codes.has(code as string)).toBe(false);
      codes.add(code as string);
      expect(typeof surname === 'string' && surname.trim() !== '').toBe(true);
      expect(typeof name === 'string' && name.trim() !== '').toBe(true);
      expect(['M', 'F']).toContain(sex);
      expect(typeof birth).toBe('number');
      expect(known.has(istat as string)).toBe(true);
      expect(typeof comune === 'string' && comune === comune.toUpperCase()).toBe(true);
      if (!territory.has(istat as string)) outside++;
      expect(['POSITIVO', 'CONTATTO']).toContain(reason);
      expect((start as number) <= DAY1 && DAY1 <= (end as number)).toBe(true);
      expect(gpCode === '').toBe(gpName === '');
      if (gpCode === '') withoutGp++;
    }
    expect(outside).toBeGreaterThan(5);
    expect(outside).toBeLessThan(70);
    expect(withoutGp / good.length).toBeGreaterThan(0.02);
    expect(withoutGp / good.length).toBeLessThan(0.07);
  });

  it('carries most people over to the next day, with some extended, ended and new', () => {
    const byCode = (list: SynthRow[]) =>
      new Map(list.filter((r) => !r.bad).map((r) => [r.fields[0] as string, r.fields]));
    const first = byCode(day1);
    const second = byCode(day2);
    let shared = 0;
    let extended = 0;
    for (const [code, fields] of second) {
      const before = first.get(code);
      if (!before) continue;
      shared++;
      expect(fields.slice(0, 13)).toEqual(before.slice(0, 13));
      if ((fields[13] as number) > (before[13] as number)) extended++;
    }
    const ended = [...first.values()].filter((f) => f[13] === DAY1 && !second.has(f[0] as string));
    const started = [...second.values()].filter((f) => f[12] === DAY1 + 1);
    expect(shared / first.size).toBeGreaterThan(0.85);
    expect(extended).toBeGreaterThan(5);
    expect(ended.length).toBeGreaterThan(20);
    expect(started.length).toBeGreaterThan(20);
  });

  it('spreads bad rows over every kind, each with its defect', () => {
    const kinds = new Map<BadRowKind, number>();
    const isDate = (v: unknown) => typeof v === 'number';
    let previousGood: SynthRow | undefined;
    for (const row of day1) {
      if (!row.bad) {
        previousGood = row;
        continue;
      }
      kinds.set(row.bad, (kinds.get(row.bad) ?? 0) + 1);
      const f = row.fields;
      const code = f[0] as string;
      switch (row.bad) {
        case 'bad-check-character':
          expect([code.length, CodiceFiscale.check(code)]).toEqual([16, false]);
          break;
        case 'malformed-fiscal-code':
          expect(/^[A-Z0-9]{16}$/.test(code) && /^[A-Z]{6}[0-9LMNPQRSTUV]{2}/.test(code)).toBe(
            false,
          );
          break;
        case 'missing-surname':
          expect((f[1] as string).trim()).toBe('');
          break;
        case 'missing-name':
          expect((f[2] as string).trim()).toBe('');
          break;
        case 'bad-sex':
          expect(['M', 'F']).not.toContain(f[3]);
          break;
        case 'impossible-birth-date':
          expect(f[4]).toMatch(/^(3[01]\/02|31\/(04|11))\/\d{4}$/);
          break;
        case 'future-birth-date':
          expect(f[4] as number).toBeGreaterThan(Date.now() / 86_400_000);
          break;
        case 'unknown-istat-code':
          expect(f[5]).toMatch(/^\d{6}$/);
          expect(allMunicipalities().some((m) => m.istatCode === f[5])).toBe(false);
          break;
        case 'malformed-istat-code':
          expect(f[5]).not.toMatch(/^\d{6}$/);
          break;
        case 'bad-reason':
          expect(['POSITIVO', 'CONTATTO']).not.toContain(f[11]);
          break;
        case 'start-after-end':
          expect(f[12] as number).toBeGreaterThan(f[13] as number);
          break;
        case 'malformed-date':
          expect(isDate(f[12]) && isDate(f[13])).toBe(false);
          break;
        case 'duplicate-fiscal-code':
          expect(f).toEqual(previousGood?.fields);
          break;
      }
      if (row.bad !== 'bad-check-character' && row.bad !== 'malformed-fiscal-code') {
        expect(CodiceFiscale.check(code)).toBe(true);
      }
    }
    expect([...kinds.keys()].sort()).toEqual([...BAD_ROW_KINDS].sort());
    expect(Math.min(...kinds.values())).toBe(4);
    expect(Math.max(...kinds.values())).toBe(5);
  });
});

describe('against the schema', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => {
    await db.drop();
  });

  it('uses residence codes that qdp.municipalities knows, mostly in the territory', async () => {
    const rows = rowsOf({ rows: 2_000, seed: 'schema', badRowShare: 0 });
    const { rows: result } = await db.pool.query<{ unknown: number; outside: number }>(
      `select count(*) filter (where m.istat_code is null)::int as unknown,
              count(*) filter (where not m.in_territory)::int as outside
       from unnest($1::text[]) as r(istat_code)
       left join qdp.municipalities m using (istat_code)`,
      [rows.map((r) => r.fields[5])],
    );
    expect(result[0]?.unknown).toBe(0);
    expect(result[0]?.outside).toBeGreaterThan(0);
    expect(result[0]?.outside).toBeLessThan(60);
  });
});
