// The header mapping of contracts/daily-file.ts on shared cases (header-cases.json): what the
// import core's reader, and so on-upload's staged header, makes of an uploaded file's header.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { headerProblem, mapHeader } from '../../contracts/daily-file.ts';

interface HeaderCase {
  headers: string[];
  columns: (number | null)[];
  found: string[];
  missing: string[];
  unrecognised: string[];
  duplicates: { field: string; headers: string[] }[];
  problem: string | null;
}

const { cases } = JSON.parse(
  readFileSync(path.join(import.meta.dirname, 'header-cases.json'), 'utf8'),
) as { cases: HeaderCase[] };

describe('header cases', () => {
  test.each(cases)('$headers', (expected) => {
    const mapping = mapHeader(expected.headers);
    expect({ ...mapping, problem: headerProblem(mapping) }).toEqual({
      columns: expected.columns,
      found: expected.found,
      missing: expected.missing,
      unrecognised: expected.unrecognised,
      duplicates: expected.duplicates,
      problem: expected.problem,
    });
  });
});
