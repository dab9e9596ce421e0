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

  it('shows bidirectional controls as markers, keeps a 5,000-character value whole', () => {
    expect(csvCell('ROSSI\u202Efdp.exe')).toBe('ROSSI[U+202E]fdp.exe');
    expect(csvCell('\u2067=1+1\u2069')).toBe('[U+2067]=1+1[U+2069]');
    expect(csvCell('=A1\u202E')).toBe("'=A1[U+202E]");
    expect(csvCell('A'.repeat(5000))).toBe('A'.repeat(5000));
  });
});
