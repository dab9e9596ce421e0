// The reference data (contracts/territory.ts: every current Italian municipality, from ISTAT's
// list) loaded into qdp.municipalities, with the authority's territory marked by province.
import type pg from 'pg';
import { allMunicipalities, provinceProblems } from '../contracts/territory.ts';

/**
 * Loads the reference data into qdp.municipalities (insert or update, never delete: imports may
 * reference a municipality that was later merged) and marks the territory's provinces.
 */
export async function syncMunicipalities(
  client: pg.ClientBase,
  territoryProvinces: readonly string[],
): Promise<{ municipalities: number; inTerritory: number }> {
  const problems = provinceProblems(territoryProvinces);
  if (problems.length > 0) throw new Error(`territory: ${problems.join('; ')}`);
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
