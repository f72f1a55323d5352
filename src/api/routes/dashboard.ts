import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync } from 'fastify';
import { problem, sendProblem } from '../problem.js';

const STATIC_DIR = fileURLToPath(new URL('../static/', import.meta.url));
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};
// uPlot's browser builds, from the installed package: the machine (and many sites) are offline,
// so no CDN. The IIFE build defines the global `uPlot` the page modules use.
const VENDOR_FILES = ['uPlot.iife.min.js', 'uPlot.min.css'] as const;

interface Asset {
  readonly type: string;
  readonly body: Buffer;
}

function loadAssets(): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(STATIC_DIR)) {
    const type = TYPES[extname(name)];
    if (type !== undefined) assets.set(name, { type, body: readFileSync(join(STATIC_DIR, name)) });
  }
  const uplotDist = dirname(createRequire(import.meta.url).resolve('uplot'));
  for (const name of VENDOR_FILES) {
    const type = TYPES[extname(name)] ?? 'application/octet-stream';
    assets.set(`vendor/${name}`, { type, body: readFileSync(join(uplotDist, name)) });
  }
  return assets;
}

/**
 * The dashboard: a single page at `/` (vanilla ES modules + uPlot, hash routes `#/`,
 * `#/sites/{id}`, `#/events`, `#/report`) and its files under `/static/`. Everything it reads is
 * a public read of the API, so it works without a token; it never writes.
 */
export function dashboardRoutes(): FastifyPluginAsync {
  // Read once: a fixed, known set of files, so no request path ever reaches the file system.
  const assets = loadAssets();
  const page = assets.get('index.html');
  if (page === undefined) throw new Error(`dashboard: ${STATIC_DIR}index.html is missing`);
  return async (app) => {
    app.get('/', { schema: { hide: true } }, async (_req, reply) => reply.type(page.type).header('cache-control', 'no-cache').send(page.body));
    app.get<{ Params: { '*': string } }>('/static/*', { schema: { hide: true } }, async (req, reply) => {
      const asset = assets.get(req.params['*']);
      if (asset === undefined || req.params['*'] === 'index.html') return sendProblem(reply, problem(404, `no dashboard file '${req.params['*']}'`));
      return reply.type(asset.type).header('cache-control', 'no-cache').send(asset.body);
    });
  };
}
