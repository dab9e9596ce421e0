import { describe, expect, it } from 'vitest';
import {
  DEFAULT_LIMITS,
  FIELDS,
  headerProblem,
  mapHeader,
  normaliseHeader,
  TRANSIT_COLUMNS,
} from '../../contracts/daily-file.ts';

const CANONICAL = [
  'CODICE_FISCALE',
  'COGNOME',
  'NOME',
  'SESSO',
  'DATA_NASCITA',
  'COD_ISTAT_RESIDENZA',
  'COMUNE_RESIDENZA',
  'INDIRIZZO_RESIDENZA',
  'TELEFONO',
  'COD_MEDICO',
  'MEDICO',
  'MOTIVO',
  'DATA_INIZIO',
  'DATA_FINE',
];

describe('the daily file contract', () => {
  it('declares the fourteen fields in transit column order, with the required ones of DESIGN §5', () => {
    expect(FIELDS.map((f) => f.header)).toEqual(CANONICAL);
    expect(TRANSIT_COLUMNS).toEqual(CANONICAL.map((h) => h.toLowerCase()));
    expect(FIELDS.filter((f) => f.required).map((f) => f.header)).toEqual([
      'CODICE_FISCALE',
      'COGNOME',
      'NOME',
      'SESSO',
      'DATA_NASCITA',
      'COD_ISTAT_RESIDENZA',
      'MOTIVO',
      'DATA_INIZIO',
      'DATA_FINE',
    ]);
  });

  it('declares the file limits with their defaults', () => {
    expect(DEFAULT_LIMITS).toEqual({
      maxFileBytes: 536_870_912,
      xlsxMaxCompressionRatio: 100,
      xlsxMaxUnzippedBytes: 200_000_000,
      xlsxMaxEntries: 10_000,
      csvMaxRecordChars: 1_048_576,
    });
  });
});

describe('normaliseHeader', () => {
  it('ignores case, accents, spaces, tabs, underscores, dots, hyphens and a BOM', () => {
    expect(normaliseHeader('Codice Fiscale')).toBe('CODICEFISCALE');
    expect(normaliseHeader('  data_nascità\t')).toBe('DATANASCITA');
    expect(normaliseHeader('C.F.')).toBe('CF');
    expect(normaliseHeader('cod-istat.residenza')).toBe('CODISTATRESIDENZA');
    expect(normaliseHeader('\ufeffÈ_MOTIVO')).toBe('EMOTIVO');
  });
});

describe('mapHeader', () => {
  it('maps canonical headers, aliases and variants to transit columns, ignoring unknown ones', () => {
    const mapping = mapHeader([
      'c.f.',
      'Cognome',
      'nome',
      'Sesso',
      'Data di nascita',
      'cod istat residenza',
      'Tipo Quarantena',
      'data-inizio',
      'DATA_FINE',
      'NOTE',
      '',
      'Telefono',
    ]);
    expect(mapping).toEqual({
      columns: [0, 1, 2, 3, 4, 5, 11, 12, 13, null, null, 8],
      found: [
        'CODICE_FISCALE',
        'COGNOME',
        'NOME',
        'SESSO',
        'DATA_NASCITA',
        'COD_ISTAT_RESIDENZA',
        'MOTIVO',
        'DATA_INIZIO',
        'DATA_FINE',
        'TELEFONO',
      ],
      missing: [],
      unrecognised: ['NOTE'],
      duplicates: [],
    });
    expect(headerProblem(mapping)).toBeNull();
  });

  it('accepts COD_FISCALE and CF for the fiscal code', () => {
    expect(mapHeader(['COD_FISCALE']).columns).toEqual([0]);
    expect(mapHeader(['CF']).columns).toEqual([0]);
  });

  it('lists the missing required columns in contract order, with what was found', () => {
    const mapping = mapHeader([
      'CODICE_FISCALE',
      'COGNOME',
      'NOME',
      'SESSO',
      'DATA_NASCITA',
      'COD_ISTAT_RESIDENZA',
      'TIPO',
      'DATA_INIZIO',
      'FINE',
    ]);
    expect(mapping.missing).toEqual(['MOTIVO', 'DATA_FINE']);
    expect(headerProblem(mapping)).toBe(
      'missing required columns: MOTIVO, DATA_FINE (found: CODICE_FISCALE, COGNOME, NOME, SESSO, DATA_NASCITA, COD_ISTAT_RESIDENZA, DATA_INIZIO; not recognised: TIPO, FINE)',
    );
    expect(headerProblem(mapHeader(['X']))).toBe(
      'missing required columns: CODICE_FISCALE, COGNOME, NOME, SESSO, DATA_NASCITA, COD_ISTAT_RESIDENZA, MOTIVO, DATA_INIZIO, DATA_FINE (found: none; not recognised: X)',
    );
  });

  it('refuses a field that two header cells both match', () => {
    const mapping = mapHeader([...CANONICAL, 'CF', 'motivo']);
    expect(mapping.columns).toEqual([...CANONICAL.map((_, i) => i), null, null]);
    expect(mapping.duplicates).toEqual([
      { field: 'CODICE_FISCALE', headers: ['CODICE_FISCALE', 'CF'] },
      { field: 'MOTIVO', headers: ['MOTIVO', 'motivo'] },
    ]);
    expect(headerProblem(mapping)).toBe(
      'column CODICE_FISCALE appears more than once (as "CODICE_FISCALE", "CF"); column MOTIVO appears more than once (as "MOTIVO", "motivo")',
    );
  });
});
