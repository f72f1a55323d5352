import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Subject } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/index.js';
import { recordEventPerformance, performanceRecord, storeOptions, type PerformanceView } from '../../src/runtime/recorder.js';
import { openStore } from '../../src/store/index.js';
import type { TimeSeriesStore } from '../../src/store/index.js';

const START = Date.UTC(2025, 6, 15, 6, 0, 0);
const HOUR = 3_600_000;
const view = (baselines: (number | null)[], meanDeliveredKw: number | null): PerformanceView => ({
  window: { start: new Date(START).toISOString(), end: new Date(START + 2 * HOUR).toISOString() },
  intervals: baselines.map((baselineKw) => ({ baselineKw })),
  deliveredKwh: meanDeliveredKw === null ? null : meanDeliveredKw * 2,
  meanDeliveredKw,
  compliancePct: meanDeliveredKw === null ? null : 75,
});

describe('event performance records', () => {
  let dir = '';
  let store: TimeSeriesStore | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  it('maps a performance view to a record, and refuses to make one up without baseline or data', () => {
    expect(performanceRecord('ev-1', 'plant-1', view([800, 820, null, 810], 95.5))).toEqual({
      eventId: 'ev-1', siteId: 'plant-1', startMs: START, endMs: START + 2 * HOUR, baselineKw: 810, deliveredKw: 95.5, deliveredKwh: 191, compliancePct: 75,
    });
    expect(performanceRecord('ev-1', 'plant-1', view([null, null], 10))).toBe('no baseline');
    expect(performanceRecord('ev-1', 'plant-1', view([800], null))).toBe('no meter data in the window');
  });

  it('records each site of a completed event in the store, once it completes', async () => {
    dir = await mkdtemp(join(tmpdir(), 'vpp-events-'));
    store = await openStore({ kind: 'sqlite', dataDir: dir });
    const changes = new Subject<{ eventId: string; status: string; siteIds?: readonly string[] }>();
    const warned: string[] = [];
    const recorded = new Subject<void>();
    const sub = recordEventPerformance({
      store,
      changes$: changes,
      siteIds: ['plant-1', 'plant-2'],
      performance: async (siteId) => (siteId === 'plant-1' ? view([800], 100) : view([null], 5)),
      log: { warn: (_o: object, msg?: string) => void warned.push(String(msg)), info: () => recorded.next() } as never,
    });
    changes.next({ eventId: 'ev-1', status: 'active' });
    const done = new Promise<void>((resolve) => recorded.subscribe(() => resolve()));
    changes.next({ eventId: 'ev-1', status: 'completed' });
    await done;
    await store.flush();
    sub.unsubscribe();
    expect(await store.queryEventPerformance({ siteId: 'plant-1', fromMs: START, toMs: START + 1 })).toEqual([
      { eventId: 'ev-1', siteId: 'plant-1', startMs: START, endMs: START + 2 * HOUR, baselineKw: 800, deliveredKw: 100, deliveredKwh: 200, compliancePct: 75 },
    ]);
    expect(await store.queryEventPerformance({ siteId: 'plant-2', fromMs: 0, toMs: START * 2 })).toEqual([]);
    expect(warned).toEqual(['event performance not recorded: no baseline']);
  });

  it('gives InfluxDB a spool under the data dir and passes retention through', () => {
    const errors: string[] = [];
    const log = { warn: (_o: object, m: string) => void errors.push(`warn ${m}`), error: (_o: object, m: string) => void errors.push(`error ${m}`) };
    const o = storeOptions({ store: { kind: 'influx', url: 'http://127.0.0.1:8086', database: 'vpp', retention: { rawDays: 3 } } }, log as never);
    expect(o).toMatchObject({ kind: 'influx', retention: { rawDays: 3 }, spool: { dir: expect.stringMatching(/spool$/) } });
    o.onError?.({ code: 'STORE_SPOOL_FULL', message: 'full' } as never);
    o.onError?.({ code: 'STORE_WRITE_FAILED', message: 'down' } as never);
    expect(errors).toEqual(['error full', 'warn down']);
    const s = storeOptions({ store: { kind: 'sqlite', dataDir: '/x', spool: { maxBytes: 10 } } }, log as never);
    expect(s).toMatchObject({ kind: 'sqlite', dataDir: '/x', spool: { maxBytes: 10 } });
  });

  it('reads store.retention and store.spool from the config file, with errors naming the field', () => {
    const site = `
sites:
  - id: plant-1
    timezone: Asia/Shanghai
    gridImportLimitKw: 800
    assets:
      - {id: grid, type: meter, binding: "modbus://127.0.0.1:1502/1"}
`;
    const cfg = parseConfig(`store: {kind: sqlite, dataDir: /tmp/x, retention: {rawDays: 3, rollup15mDays: 0}, spool: {maxBytes: 1000}}\n${site}`, 'site.yaml');
    expect(cfg.store).toEqual({ kind: 'sqlite', dataDir: '/tmp/x', retention: { rawDays: 3, rollup15mDays: 0 }, spool: { maxBytes: 1000 } });
    const lines = (text: string): string => {
      try {
        parseConfig(text, 'site.yaml');
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as ConfigError).lines().join('\n');
      }
      throw new Error('expected the config to be rejected');
    };
    expect(lines(`store: {kind: sqlite, retention: {rawDays: 0.01}}\n${site}`)).toMatch(/store\.retention\.rawDays.*must be 0 \(keep forever\) or at least 1\/24 day \(one hour\), got 0\.01/);
    expect(lines(`store: {kind: sqlite, retention: {rawDays: -1}}\n${site}`)).toMatch(/store\.retention\.rawDays/);
    expect(lines(`store: {kind: sqlite, spool: {maxBytes: 0}}\n${site}`)).toMatch(/store\.spool\.maxBytes/);
    expect(lines(`store: {kind: sqlite, retention: {keepDays: 1}}\n${site}`)).toMatch(/store\.retention/);
  });
});
