import { describe, expect, it } from 'vitest';
import { importMessage, type ImportSummary } from '../../core/messages.ts';

const base: ImportSummary = {
  importId: 12,
  sourceName: 'quarantene-2021-01-18.csv',
  status: 'published',
  rowsTotal: 10_250,
  rowsAccepted: 10_100,
  rowsRejected: 150,
  topRejectReasons: [
    { field: 'CODICE_FISCALE', reason: 'check character is wrong', count: 90 },
    { field: 'DATA_FINE', reason: 'end date is before start date', count: 60 },
  ],
  inQuarantine: 10_100,
  previousImportId: 11,
  previousInQuarantine: 9_800,
  changes: { new: 700, extended: 120, shortened: 10, unchanged: 9_270, ended: 400 },
  error: null,
  duplicateOf: null,
  receivedAt: '2021-01-18T06:00:00Z',
  finishedAt: '2021-01-18T06:00:04Z',
  durationSeconds: 4.2,
};

describe('import messages', () => {
  it('announces a published import on ETL_Success with counts, reasons, change and duration', () => {
    expect(importMessage(base)).toEqual({
      topic: 'ETL_Success',
      subject: 'Import 12 published: 10,100 in quarantine',
      text: [
        'Import 12 of quarantene-2021-01-18.csv is published: it is now the latest data.',
        'Rows read: 10,250, accepted: 10,100, rejected: 150.',
        'Top reject reasons:',
        '  - CODICE_FISCALE: check character is wrong (90)',
        '  - DATA_FINE: end date is before start date (60)',
        'People in quarantine now: 10,100 (+300 since import 11).',
        'New: 700, extended: 120, shortened: 10, unchanged: 9,270, ended: 400.',
        'Duration: 4.2 s.',
      ].join('\n'),
    });
  });

  it('says when a published import is the first one', () => {
    const text = importMessage({
      ...base,
      previousImportId: null,
      previousInQuarantine: null,
      rowsRejected: 0,
      topRejectReasons: [],
      durationSeconds: 75,
    }).text;
    expect(text.split('\n').slice(2)).toEqual([
      'People in quarantine now: 10,100 (first published import).',
      'New: 700, extended: 120, shortened: 10, unchanged: 9,270, ended: 400.',
      'Duration: 1 min 15 s.',
    ]);
  });

  it('sends a held import to ETL_Failure with the reason and what to do', () => {
    expect(
      importMessage({
        ...base,
        status: 'held',
        error: 'held: 25.0% of rows rejected (limit 20.0%)',
      }),
    ).toEqual({
      topic: 'ETL_Failure',
      subject: 'Import 12 held: quarantene-2021-01-18.csv',
      text: [
        'Import 12 of quarantene-2021-01-18.csv is held for an administrator.',
        'Reason: held: 25.0% of rows rejected (limit 20.0%)',
        'Rows read: 10,250, accepted: 10,100, rejected: 150.',
        'Top reject reasons:',
        '  - CODICE_FISCALE: check character is wrong (90)',
        '  - DATA_FINE: end date is before start date (60)',
        'What to do: The latest published data is unchanged. Check the rejects report (qdp rejects 12), then publish the import (qdp publish 12) or discard it (qdp discard 12).',
      ].join('\n'),
    });
  });

  it('sends rejected, failed and duplicate imports to ETL_Failure', () => {
    const rejected = importMessage({
      ...base,
      status: 'rejected',
      rowsTotal: null,
      rowsAccepted: null,
      rowsRejected: null,
      topRejectReasons: [],
      error: 'missing required columns: MOTIVO (found: CODICE_FISCALE)',
    });
    expect(rejected.topic).toBe('ETL_Failure');
    expect(rejected.text).toBe(
      [
        'Import 12 of quarantene-2021-01-18.csv was rejected.',
        'Reason: missing required columns: MOTIVO (found: CODICE_FISCALE)',
        'What to do: The latest published data is unchanged. Correct the file and upload it again; the rejects report (qdp rejects 12) says what is wrong.',
      ].join('\n'),
    );
    const duplicate = importMessage({ ...base, status: 'duplicate', duplicateOf: 9 });
    expect(duplicate.topic).toBe('ETL_Failure');
    expect(duplicate.text.split('\n')[0]).toBe(
      'Import 12 of quarantene-2021-01-18.csv is a duplicate of import 9: nothing changed.',
    );
    const failed = importMessage({ ...base, status: 'failed', error: 'import failed: boom' });
    expect(failed.subject).toBe('Import 12 failed: quarantene-2021-01-18.csv');
  });

  it('gives short durations in milliseconds', () => {
    expect(
      importMessage({ ...base, durationSeconds: 0.042 })
        .text.split('\n')
        .at(-1),
    ).toBe('Duration: 42 ms.');
  });

  it('keeps subjects within the 100 characters SNS allows', () => {
    const subject = importMessage({
      ...base,
      status: 'rejected',
      sourceName: 'x'.repeat(200),
    }).subject;
    expect(subject).toHaveLength(100);
  });
});
