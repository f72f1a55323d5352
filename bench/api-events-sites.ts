/**
 * Issue 7: GET /api/v1/sites with 1,000 sites, requests/s and p99 latency by autocannon, beside
 * GET /api/v1/health on the same app in the same run. The app is `buildApp` on a free loopback
 * port; its `sites()` dependency (a true boundary: the runtime's latest site states) answers 1,000
 * SiteViews of three assets each with good readings. autocannon runs in a child process, so the
 * load generator does not share the server's thread.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildApp, type SiteView } from '../src/api/index.js';
import { parseConfig } from '../src/config/index.js';
import { summariseSite } from '../src/core/index.js';
import type { AssetState, Reading } from '../src/domain/index.js';
import type { BenchFigure } from './figure.js';

const SITES = 1000;
const DURATION_S = Number(process.env.VPP_BENCH_API_HTTP_S ?? '10');
const CONNECTIONS = 10;
const AUTOCANNON = fileURLToPath(new URL('../node_modules/autocannon/autocannon.js', import.meta.url));

function siteViews(nowMs: number): SiteView[] {
  const entries = Array.from({ length: SITES }, (_, i) => `
  - id: site-${i}
    timezone: Asia/Shanghai
    gridImportLimitKw: 800
    assets:
      - {id: grid-${i}, type: meter, binding: modbus://127.0.0.1:1502/1}
      - {id: roof-${i}, type: pv, kwp: 200, binding: modbus://127.0.0.1:1502/2}
      - {id: bess-${i}, type: battery, capacityKwh: 200, maxChargeKw: 100, maxDischargeKw: 100, binding: modbus://127.0.0.1:1502/3}`);
  const cfg = parseConfig(`sites:${entries.join('')}\n`, 'bench-sites.yaml');
  const good = (value: number): Reading => ({ value, quality: 'good', atMs: nowMs });
  return cfg.sites.map(({ site }, i) => {
    const [grid, roof, bess] = site.assets;
    const assets: Record<string, AssetState> = {
      [grid?.id ?? '']: { assetId: grid?.id ?? '', kind: 'meter', readings: { powerKw: good(300 + (i % 50)) }, available: true },
      [roof?.id ?? '']: { assetId: roof?.id ?? '', kind: 'pv', readings: { powerKw: good(-80) }, available: true },
      [bess?.id ?? '']: { assetId: bess?.id ?? '', kind: 'battery', readings: { powerKw: good(-20), socPct: good(55) }, available: true },
    };
    return { site, state: summariseSite(site, assets, nowMs) };
  });
}

interface Cannon {
  readonly perS: number;
  readonly p99Ms: number;
  readonly non2xx: number;
  readonly errors: number;
}

function cannon(url: string, durationS: number): Promise<Cannon> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [AUTOCANNON, '--json', '-c', String(CONNECTIONS), '-d', String(durationS), url], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout) => {
      if (err !== null) return reject(new Error(`bench: autocannon failed: ${err.message}`));
      const r = JSON.parse(stdout) as { requests: { average: number }; latency: { p99: number }; non2xx: number; errors: number };
      resolve({ perS: r.requests.average, p99Ms: r.latency.p99, non2xx: r.non2xx, errors: r.errors });
    });
  });
}

export async function benchSitesApi(): Promise<BenchFigure[]> {
  const views = siteViews(Date.now());
  const app = await buildApp({
    version: 'bench',
    sites: () => views,
    store: { kind: 'sqlite', queryMetric: async () => [] },
    adapters: () => [],
    nowMs: Date.now,
  });
  try {
    const base = await app.listen({ host: '127.0.0.1', port: 0 });
    const first = await fetch(`${base}/api/v1/sites`);
    const body = (await first.json()) as unknown[];
    if (first.status !== 200 || body.length !== SITES) throw new Error(`bench: GET /api/v1/sites answered ${first.status} with ${body.length} sites`);
    const bytes = JSON.stringify(body).length;
    await cannon(`${base}/api/v1/sites`, 2); // warm-up: JIT, serializer
    const sites = await cannon(`${base}/api/v1/sites`, DURATION_S);
    const health = await cannon(`${base}/api/v1/health`, DURATION_S);
    const bad = (c: Cannon) => (c.non2xx + c.errors > 0 ? `; ${c.non2xx} non-2xx, ${c.errors} errors` : '');
    return [
      {
        name: `GET /api/v1/sites, ${SITES.toLocaleString('en-US')} sites (${Math.round(bytes / 1024)} KiB): req/s`,
        value: sites.perS,
        unit: 'req/s',
        baseline: `GET /api/v1/health ${Math.round(health.perS).toLocaleString('en-US')} req/s; autocannon -c ${CONNECTIONS} -d ${DURATION_S}${bad(sites)}`,
      },
      { name: `GET /api/v1/sites, ${SITES.toLocaleString('en-US')} sites: p99 latency`, value: sites.p99Ms, unit: 'ms', baseline: `GET /api/v1/health p99 ${health.p99Ms.toFixed(0)} ms${bad(health)}` },
    ];
  } finally {
    await app.close();
  }
}
