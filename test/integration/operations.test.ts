import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { createLogger, startController, type RunningController } from '../../src/runtime/index.js';
import { eventually } from '../helpers/cli.js';
import { parseExposition, series } from '../helpers/prometheus.js';

/**
 * Operations of a running controller (issue 8, item 4): /metrics, readiness, JSON logs. The
 * demo site's devices are simulated over real SunSpec Modbus TCP on 127.0.0.1 (free ports),
 * the store is SQLite in a temp dir, the logger is the one `vpp start` uses.
 */
const CONFIG = `
http: {host: 127.0.0.1, port: 0}
control: {cycleS: 1}
simulation: {startAt: 2025-07-15T10:45:00+08:00, speed: 1}
sites:
  - id: demo-plant
    timezone: Asia/Shanghai
    gridImportLimitKw: 450
    peakTargetKw: 300
    assets:
      - {id: grid, type: meter, binding: modbus://127.0.0.1:0/1}
      - {id: base-load, type: load, binding: modbus://127.0.0.1:0/2, simulate: {profile: {bdew: g25, annualKwh: 3000000}}}
      - {id: roof-pv, type: pv, kwp: 400, binding: modbus://127.0.0.1:0/3, simulate: {weather: tmy3-723170}}
      - {id: bess, type: battery, capacityKwh: 500, maxChargeKw: 250, maxDischargeKw: 250, minSocPct: 10, maxSocPct: 95,
         revertS: 10, binding: modbus://127.0.0.1:0/4, simulate: {socPct: 60}}
`;

const dir = mkdtempSync(join(tmpdir(), 'vpp-ops-'));
const lines: string[] = [];
const log = createLogger('info', { write: (line: string) => void lines.push(line) });
let vpp: RunningController;

const scrape = async (): Promise<{ contentType: string | null; values: Map<string, number>; text: string }> => {
  const res = await fetch(`${vpp.url}/metrics`);
  expect(res.status).toBe(200);
  const text = await res.text();
  return { contentType: res.headers.get('content-type'), values: parseExposition(text), text };
};

beforeAll(async () => {
  const cfg = parseConfig(CONFIG, 'operations.yaml', { VPP_HTTP_PORT: '0', VPP_DATA_DIR: join(dir, 'data') });
  vpp = await startController(cfg, { log, version: 'test' });
}, 30_000);

afterAll(async () => {
  await vpp?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('a running controller, operated', () => {
  it('turns ready once the site has had a control cycle', async () => {
    const ready = await eventually(
      'readiness 200',
      async () => {
        const res = await fetch(`${vpp.url}/api/v1/health/ready`);
        return res.status === 200 ? ((await res.json()) as { status: string; checks: Array<{ name: string; ok: boolean }> }) : undefined;
      },
      20_000,
    );
    expect(ready.status).toBe('ready');
    expect(ready.checks.map((c) => c.name).sort()).toEqual(['control', 'registry', 'shutdown', 'store']);
    expect(ready.checks.every((c) => c.ok)).toBe(true);
    const live = await fetch(`${vpp.url}/api/v1/health/live`);
    expect(live.status).toBe(200);
    expect(((await live.json()) as { status: string }).status).toBe('ok');
    // The health contract of CONTRACTS.md still holds.
    const health = (await (await fetch(`${vpp.url}/api/v1/health`)).json()) as { status: string };
    expect(health.status).toBe('ok');
  }, 25_000);

  it('serves Prometheus metrics whose counters move with the loop', async () => {
    const first = await scrape();
    expect(first.contentType).toBe('text/plain; version=0.0.4; charset=utf-8');
    const cycles = series('vpp_control_cycles_total');
    const c1 = first.values.get(cycles) ?? NaN;
    expect(c1).toBeGreaterThanOrEqual(1);
    // Two more cycles at least: the loop runs each second.
    const later = await eventually('two more control cycles', async () => {
      const s = await scrape();
      return (s.values.get(cycles) ?? 0) >= c1 + 2 ? s : undefined;
    }, 20_000);
    const v = later.values;
    expect(v.get(series('vpp_control_cycle_duration_seconds_count'))).toBe(v.get(cycles));
    expect(v.get(series('vpp_control_cycle_duration_seconds_sum'))).toBeGreaterThan(0);
    expect(v.has(series('vpp_control_cycles_late_total'))).toBe(true);
    for (const asset of ['grid', 'base-load', 'roof-pv', 'bess']) {
      expect(v.get(series('vpp_adapter_up', { site: 'demo-plant', asset, protocol: 'modbus' })), asset).toBe(1);
      expect(v.get(series('vpp_adapter_errors_total', { site: 'demo-plant', asset, protocol: 'modbus' })), asset).toBe(0);
      expect(v.get(series('vpp_adapter_reconnects_total', { site: 'demo-plant', asset, protocol: 'modbus' })), asset).toBe(0);
    }
    expect(v.get(series('vpp_store_up', { kind: 'sqlite' }))).toBe(1);
    expect(v.get(series('vpp_dr_events_active'))).toBe(0);
    expect(v.has(series('vpp_store_queue_points'))).toBe(true);
    // Process metrics come from this controller's own registry.
    expect(v.get(series('vpp_process_resident_memory_bytes'))).toBeGreaterThan(0);
    expect(later.text).toContain('# TYPE vpp_control_cycle_duration_seconds histogram');
  }, 30_000);

  it('counts written setpoints by the controller that decided them, and the points flushed', async () => {
    // Import ~365 kW over a 300 kW target: the peak shaver discharges bess.
    const v = await eventually('a peak-shaving setpoint written', async () => {
      await vpp.store.flush();
      const s = await scrape();
      return (s.values.get(series('vpp_setpoints_written_total', { site: 'demo-plant', reason: 'peak-shaving', result: 'ok' })) ?? 0) >= 1 ? s.values : undefined;
    }, 20_000);
    const written = v.get(series('vpp_store_written_points_total')) ?? 0;
    const rows = await vpp.store.querySetpoints({ siteId: 'demo-plant', assetId: 'bess', fromMs: 0, toMs: Date.now() + 1 });
    expect(rows.length).toBeGreaterThanOrEqual(1);
    expect(written).toBeGreaterThan(rows.length);
    await vpp.store.flush();
    const after = (await scrape()).values.get(series('vpp_store_written_points_total')) ?? 0;
    expect(after).toBeGreaterThanOrEqual(written);
  }, 25_000);

  it('logs JSON lines with level, time, component and site', () => {
    expect(lines.length).toBeGreaterThan(0);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const p of parsed) {
      expect(typeof p.level).toBe('string');
      expect(Number.isNaN(Date.parse(String(p.time)))).toBe(false);
      expect(p.app).toBe('vpp');
    }
    const loop = parsed.filter((p) => p.component === 'control-loop');
    expect(loop.length).toBeGreaterThan(0);
    expect(loop.some((p) => p.site === 'demo-plant' && typeof p.asset === 'string')).toBe(true);
  });

  it('answers not ready as soon as it starts stopping', async () => {
    const stopped = vpp.stop();
    const report = vpp.readiness?.();
    expect(report?.ready).toBe(false);
    expect(report?.checks.find((c) => c.name === 'shutdown')).toEqual({ name: 'shutdown', ok: false, detail: 'shutting down' });
    await stopped;
    expect(vpp.readiness?.().checks.find((c) => c.name === 'registry')?.ok).toBe(false);
  }, 15_000);
});

describe('a controller before its first control cycle', () => {
  it('answers 503 problem+json naming the site with no control cycle yet', async () => {
    // A minute-long cycle: the first one runs long after these requests. No simulation: the
    // meter's port is closed (its link is down).
    const cfg = parseConfig(
      `
http: {host: 127.0.0.1, port: 0}
control: {cycleS: 60}
sites:
  - id: dark
    timezone: UTC
    gridImportLimitKw: 100
    assets:
      - {id: grid, type: meter, binding: modbus://127.0.0.1:1/1}
`,
      'dark.yaml',
      { VPP_HTTP_PORT: '0', VPP_DATA_DIR: join(dir, 'dark') },
    );
    const dark = await startController(cfg, { log: createLogger('silent'), version: 'test' });
    try {
      const res = await fetch(`${dark.url}/api/v1/health/ready`);
      expect(res.status).toBe(503);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const body = (await res.json()) as { status: number; detail: string; checks: Array<{ name: string; ok: boolean }> };
      expect(body.status).toBe(503);
      expect(body.detail).toContain('control (no control cycle yet for dark)');
      expect(body.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(['control']);
      // Alive all the same: a supervisor must not restart it for a dark field.
      expect((await fetch(`${dark.url}/api/v1/health/live`)).status).toBe(200);
      const m = parseExposition(await (await fetch(`${dark.url}/metrics`)).text());
      expect(m.get(series('vpp_adapter_up', { site: 'dark', asset: 'grid', protocol: 'modbus' }))).toBe(0);
    } finally {
      await dark.stop();
    }
  }, 30_000);
});
