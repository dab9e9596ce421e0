// Static assets: bootstrap-italia (stylesheet, fonts, icons), chart.js's one file, and the
// portal's own (app.js, portal.css). No CDN: everything is served from here.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

export interface AssetDirs {
  bootstrapItalia: string;
  chartJs: string;
  own: string;
}

/** Source checkout: the packages in node_modules; bundle: the copies next to the server file. */
export function defaultAssetDirs(): AssetDirs {
  // In the bundle this module is part of server.mjs, at the bundle's root.
  const here = path.dirname(fileURLToPath(import.meta.url));
  const bundled = path.join(here, 'static');
  if (existsSync(path.join(bundled, 'bootstrap-italia'))) {
    return {
      bootstrapItalia: path.join(bundled, 'bootstrap-italia'),
      chartJs: path.join(bundled, 'chart.js'),
      own: path.join(bundled, 'portal'),
    };
  }
  const root = path.resolve(here, '..', '..');
  return {
    bootstrapItalia: path.join(root, 'node_modules', 'bootstrap-italia', 'dist'),
    chartJs: path.join(root, 'node_modules', 'chart.js', 'dist'),
    own: path.join(root, 'portal', 'static'),
  };
}

const staticAssets: FastifyPluginAsync<{ assets: AssetDirs }> = async (app, { assets }) => {
  await app.register(fastifyStatic, {
    root: assets.bootstrapItalia,
    prefix: '/static/bi/',
    decorateReply: false,
    index: false,
    maxAge: '1d',
  });
  await app.register(fastifyStatic, {
    root: assets.chartJs,
    prefix: '/static/chart/',
    decorateReply: false,
    index: false,
    allowedPath: (p) => p === '/chart.umd.min.js',
    maxAge: '1d',
  });
  await app.register(fastifyStatic, {
    root: assets.own,
    prefix: '/static/',
    decorateReply: false,
    index: false,
    maxAge: '1h',
  });
};

export default staticAssets;
