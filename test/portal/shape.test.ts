// The portal's shape (fastify/demo's): app.ts composes plugins and one route plugin per area;
// no file imports another that (directly or not) imports it back; routes never import each
// other's pages through app.ts, and queries never import plugins or routes.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROUTES } from '../../portal/app.ts';

const PORTAL = path.resolve(import.meta.dirname, '../../portal');

function portalFiles(dir = PORTAL): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'static' ? [] : portalFiles(full);
    return e.name.endsWith('.ts') ? [full] : [];
  });
}

/** Relative imports of a file inside portal/ (type-only imports count: they tie files too). */
function portalImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [...text.matchAll(/^(?:import|export)[^'"]*?from\s+'(\.[^']+)'/gm)].map(
    (m) => m[1]!,
  );
  return specifiers
    .map((s) => path.resolve(path.dirname(file), s))
    .filter((p) => p.startsWith(PORTAL + path.sep));
}

const rel = (p: string) => path.relative(PORTAL, p);

describe('portal shape', () => {
  const graph = new Map(portalFiles().map((f) => [f, portalImports(f)]));

  it('has no import cycle', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, trail: string[]) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...trail.slice(trail.indexOf(file)), file].map(rel).join(' → '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...trail, file]);
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file, []);
    expect(cycles).toEqual([]);
  });

  it('keeps layers apart: queries import no plugin or route, plugins no route', () => {
    const wrong: string[] = [];
    for (const [file, imports] of graph) {
      const layer = rel(file).split(path.sep)[0];
      for (const target of imports) {
        const to = rel(target).split(path.sep)[0];
        if (layer === 'queries' && (to === 'plugins' || to === 'routes'))
          wrong.push(`${rel(file)} → ${rel(target)}`);
        if (layer === 'plugins' && to === 'routes') wrong.push(`${rel(file)} → ${rel(target)}`);
        if (to === 'app.ts' && file !== path.join(PORTAL, 'main.ts'))
          wrong.push(`${rel(file)} → ${rel(target)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('app.ts registers every route file, each a plugin function', () => {
    const routeFiles = readdirSync(path.join(PORTAL, 'routes')).filter((f) => f.endsWith('.ts'));
    expect(ROUTES).toHaveLength(routeFiles.length);
    expect(ROUTES.every((r) => typeof r === 'function')).toBe(true);
    expect(routeFiles.sort()).toEqual([
      'account.ts',
      'audit.ts',
      'dashboards.ts',
      'imports.ts',
      'list.ts',
      'patient.ts',
      'privacy.ts',
      'root.ts',
      'sign-in.ts',
      'users.ts',
    ]);
  });
});
