import { describe, expect, it } from 'vitest';
import { csvCell, csvLine } from '../../core/csv-export.ts';

describe('CSV export cells', () => {
  it('neutralises what a spreadsheet would run as a formula', () => {
    expect(['=1+1', '+39 045', '-2', '@SUM(A1)', '\tx', '\rx'].map(csvCell)).toEqual([
      "'=1+1",
      "'+39 045",
      "'-2",
      "'@SUM(A1)",
      "'\tx",
      '"\'\rx"',
    ]);
  });

  it('quotes delimiters, quotes and newlines, and leaves plain text alone', () => {
    expect(csvLine(['ROSSI', 'a;b', 'say "hi"', 'two\nlines', null, 3])).toBe(
      'ROSSI;"a;b";"say ""hi""";"two\nlines";;3\r\n',
    );
  });
});
