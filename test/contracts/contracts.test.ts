// The shared rules of contracts/: which names are daily files (any case, one rule for every
// runtime), the Glue declaration's typed reader, and the facts the portal's two sides share.
import { describe, expect, it } from 'vitest';
import {
  dailyFileFormat,
  isDailyFileName,
  notDailyFileReason,
} from '../../contracts/daily-file.ts';
import {
  GLUE_DECLARATION,
  glueArgumentName,
  STAGED_LINE_NUMBER_COLUMN,
  WORKFLOW_RUN_PROPERTIES,
} from '../../contracts/glue.ts';
import {
  PORTAL_ENV,
  PORTAL_SECRET_SETTINGS,
  PORTAL_WRITTEN_SECRET_SETTINGS,
} from '../../contracts/portal-deployment.ts';
import {
  parseProvinceList,
  provinceListSetting,
  provinceProblems,
} from '../../contracts/territory.ts';

describe('daily file names', () => {
  it.each([
    ['quarantene.csv', 'csv'],
    ['quarantene.CSV', 'csv'],
    ['inbox/ulss9/2026-12-07.Csv', 'csv'],
    ['quarantene.xlsx', 'xlsx'],
    ['QUARANTENE.XLSX', 'xlsx'],
    ['a.b.xLsX', 'xlsx'],
  ])('%s is a daily file (%s)', (name, format) => {
    expect(dailyFileFormat(name)).toBe(format);
    expect(isDailyFileName(name)).toBe(true);
  });

  it.each([
    'quarantene.txt',
    'quarantene.xls',
    'quarantene.csv.gz',
    'csv',
    '.csv',
    'inbox/x.csv/',
    'a/b',
  ])('%s is not', (name) => {
    expect(dailyFileFormat(name)).toBeNull();
    expect(isDailyFileName(name)).toBe(false);
  });

  it('says what a name has and what it needs', () => {
    expect(notDailyFileReason('inbox/quarantene.TXT')).toBe(
      'unsupported file type ".txt": the daily file must be .csv or .xlsx',
    );
    expect(notDailyFileReason('inbox/daily')).toBe(
      'unsupported file type "daily": the daily file must be .csv or .xlsx',
    );
  });
});

describe('the Glue declaration', () => {
  it('reads each argument name by its key, and names the keys there are otherwise', () => {
    expect(glueArgumentName('import', 'catalogDatabase')).toBe('--qdp_catalog_database');
    expect(glueArgumentName('analytics', 'redshiftConnection')).toBe('--qdp_redshift_connection');
    expect(() => glueArgumentName('analytics', 'catalogDatabase')).toThrow(
      'contracts/job-arguments.json declares no argument "catalogDatabase" for the analytics job (it has databaseConnection, redshiftConnection)',
    );
  });

  it('gives the run properties and the staged line number column', () => {
    expect(WORKFLOW_RUN_PROPERTIES).toEqual({
      importId: 'qdp_import_id',
      stagedBucket: 'qdp_staged_bucket',
      stagedKey: 'qdp_staged_key',
      sourceName: 'qdp_source_name',
    });
    expect(STAGED_LINE_NUMBER_COLUMN).toBe('QDP_LINE_NO');
    expect(GLUE_DECLARATION.jobs.import.extraFiles).toEqual([
      'contracts/job-arguments.json',
      'contracts/daily-file.json',
    ]);
  });
});

describe('the portal deployment contract', () => {
  it('keeps the secret settings among the portal environment names', () => {
    expect(Object.values(PORTAL_SECRET_SETTINGS)).toEqual([
      'QDP_PORTAL_DATABASE_URL',
      'QDP_PORTAL_COOKIE_SECRET',
      'QDP_PORTAL_OIDC_CLIENT_SECRET',
    ]);
    expect(PORTAL_WRITTEN_SECRET_SETTINGS).toEqual([
      'QDP_PORTAL_DATABASE_URL',
      'QDP_PORTAL_COOKIE_SECRET',
    ]);
    for (const name of Object.values(PORTAL_SECRET_SETTINGS)) {
      expect(Object.values(PORTAL_ENV)).toContain(name);
    }
  });
});

describe('the territory', () => {
  it('reads a province list as settings write it', () => {
    expect(parseProvinceList(' vr, VI ,,rm ')).toEqual(['VR', 'VI', 'RM']);
    expect(parseProvinceList(' , ')).toEqual([]);
  });

  it('names every problem of a list of codes', () => {
    expect(provinceProblems(['VR', 'VI'])).toEqual([]);
    expect(provinceProblems([])).toEqual([
      'must name at least one province (two-letter codes such as VR, RM)',
    ]);
    expect(provinceProblems(['VR', 'vi', 'XX', 'VR'])).toEqual([
      'unknown province code(s) vi, XX: use upper-case two-letter codes such as VR, VI, RM',
      'VR listed more than once',
    ]);
  });

  it('checks a setting with the same rule', () => {
    expect(provinceListSetting.parse('vr,vi')).toEqual(['VR', 'VI']);
    expect(provinceListSetting.safeParse('vr, xx, VR').error?.issues.map((i) => i.message)).toEqual(
      [
        'unknown province code(s) XX: use upper-case two-letter codes such as VR, VI, RM',
        'VR listed more than once',
      ],
    );
  });
});
