import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.js';
import { eventually, spawnVpp } from '../helpers/cli.js';

/**
 * The demo as a new user runs it (`npm start`), with the shipped config: only the ports (0 =
 * any free one) and the data directory differ, so parallel runs cannot collide.
 */
interface ReadingJson { value: number | null; quality: string; time: string }
interface SiteJson {
  id: string;
  peakTargetKw: number;
  state: Record<string, ReadingJson>;
  assets: Array<{ id: string; available: boolean; readings: Record<string, ReadingJson> }>;
}

const dir = mkdtempSync(join(tmpdir(), 'vpp-demo-'));
const dataDir = join(dir, 'data');
const configFile = join(dir, 'demo.yaml');
writeFileSync(configFile, readFileSync('config/default.yaml', 'utf8').replaceAll('127.0.0.1:15020/', '127.0.0.1:0/'));

const vpp = spawnVpp(['start', '--config', configFile], { VPP_HTTP_PORT: '0', VPP_DATA_DIR: dataDir, VPP_LOG_LEVEL: 'warn' });
let base = '';
const getJson = async <T>(path: string): Promise<T> => {
  const res = await fetch(`${base}${path}`);
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return (await res.json()) as T;
};

beforeAll(async () => {
  base = await eventually('the controller to listen', async () => /listening on (http:\/\/[\d.:]+)/.exec(vpp.output())?.[1], 30_000);
}, 40_000);

afterAll(async () => {
  if (vpp.child.exitCode === null) {
    vpp.child.kill('SIGKILL');
    await vpp.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe('npm start: the embedded demo', () => {
  it('shows the demo site with every reading good within 30 s', async () => {
    const site = await eventually(
      'every reading of the demo site to be good',
      async () => {
        const [s] = await getJson<SiteJson[]>('/api/v1/sites');
        const all = [...Object.values(s?.state ?? {}), ...(s?.assets ?? []).flatMap((a) => Object.values(a.readings))];
        return s !== undefined && all.length > 0 && all.every((r) => r.quality === 'good') && s.assets.every((a) => a.available) ? s : undefined;
      },
      30_000,
    );
    expect(site.id).toBe('demo-plant');
    expect(Object.keys(site.state).sort()).toEqual(['batteryPowerKw', 'batterySocPct', 'gridPowerKw', 'loadPowerKw', 'pvPowerKw']);
  }, 35_000);

  it('discharges the battery to hold import at the peak target', async () => {
    const site = await eventually(
      'the battery to discharge with import held near the target',
      async () => {
        const [s] = await getJson<SiteJson[]>('/api/v1/sites');
        const grid = s?.state.gridPowerKw?.value;
        const battery = s?.state.batteryPowerKw?.value;
        if (s === undefined || grid == null || battery == null) return undefined;
        return battery < -1 && Math.abs(grid - s.peakTargetKw) < 5 ? s : undefined;
      },
      20_000,
    );
    const grid = site.state.gridPowerKw?.value ?? NaN;
    const battery = site.state.batteryPowerKw?.value ?? NaN;
    // Without the battery, import would be above the target: that is why it discharges.
    expect(grid - battery).toBeGreaterThan(site.peakTargetKw);
  }, 25_000);

  it('records the series and the setpoints with their reason', async () => {
    const series = await eventually(
      'recorded grid power points',
      async () => {
        const r = await getJson<{ points: Array<{ value: number }> }>('/api/v1/sites/demo-plant/series?metric=gridPowerKw');
        return r.points.length >= 3 ? r : undefined;
      },
      15_000,
    );
    expect(series.points.every((p) => Number.isFinite(p.value))).toBe(true);
    const told = await getJson<{ points: Array<{ value: number }> }>('/api/v1/sites/demo-plant/series?metric=setpointKw&asset=bess');
    expect(told.points.some((p) => p.value < 0)).toBe(true);
  }, 20_000);

  it('stops on SIGINT within 5 s with everything flushed to the store', async () => {
    const before = Date.now();
    vpp.child.kill('SIGINT');
    const code = await vpp.exited;
    expect(code).toBe(0);
    expect(Date.now() - before).toBeLessThan(5000);
    const store = await openStore({ kind: 'sqlite', dataDir });
    try {
      const points = await store.queryMetric({ siteId: 'demo-plant', metric: 'gridPowerKw', fromMs: 0, toMs: Date.now() + 1 });
      expect(points.length).toBeGreaterThanOrEqual(3);
      // The last cycle before the signal is on disk, not lost in a queue.
      expect(before - (points.at(-1)?.atMs ?? 0)).toBeLessThan(2500);
      const setpoints = await store.querySetpoints({ siteId: 'demo-plant', assetId: 'bess', fromMs: 0, toMs: Date.now() + 1 });
      expect(setpoints.some((s) => s.powerKw < 0 && s.reason.startsWith('peak-shaving'))).toBe(true);
    } finally {
      await store.close();
    }
  }, 10_000);
});
