import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp, type ReadinessReport } from '../../src/api/index.js';
import type { AdapterHealth } from '../../src/domain/index.js';
import { createLogger, createRuntimeMetrics, readinessReport, reasonClass, type RuntimeMetrics } from '../../src/runtime/index.js';
import { AdapterCounters, protocolOf } from '../../src/runtime/metrics-adapters.js';
import { openStore, type TimeSeriesStore } from '../../src/store/index.js';
import { parseExposition, series } from '../helpers/prometheus.js';

const target = { siteId: 's1', assetId: 'bess', binding: 'opc.tcp://127.0.0.1:4840?profile=x' };
const health = (connected: boolean, errorsTotal: number, reconnectsTotal = 0, consecutiveErrors = 0): AdapterHealth => ({
  connected, consecutiveErrors, lastOkAtMs: null, lastError: consecutiveErrors > 0 ? 'timeout' : null, errorsTotal, reconnectsTotal,
});
/** A stand-in adapter whose health a test sets; the counters tell adapters apart by identity. */
const adapterWith = (h: AdapterHealth, t = target) => {
  const a = { target: t, h, health: () => a.h };
  return a;
};
type Stats = ReturnType<TimeSeriesStore['stats']>;
const stats = (over: Partial<Stats> = {}): Stats => ({
  queuedPoints: 3, spooledPoints: 0, spooledBytes: 0, spoolSegments: 0, spoolMaxBytes: null, writtenPoints: 10, replayedPoints: 0,
  spooledPointsTotal: 0, refusedPoints: 0, skippedSpoolRecords: 0, droppedByBackendPoints: 0, failedFlushes: 0, backendUp: true, ...over,
});

describe('readiness', () => {
  const base = { shuttingDown: false, registryOpen: true, storeKind: 'influx', storeStats: stats(), siteIds: ['a', 'b'], controlled: new Set(['a', 'b']) };
  const failing = (r: ReadinessReport) => r.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
  it.each([
    ['all checks pass', {}, []],
    ['a site with no control cycle yet', { controlled: new Set(['a']) }, ['control: no control cycle yet for b']],
    ['shutting down', { shuttingDown: true }, ['shutdown: shutting down']],
    ['the registry closed', { registryOpen: false }, ['registry: closed']],
    ['the store down, no spool', { storeStats: stats({ backendUp: false }) }, ['store: influx: down, no spool; 3 points queued']],
    ['the store down, spooling: still ready', { storeStats: stats({ backendUp: false, spoolMaxBytes: 1e9, spooledPoints: 40 }) }, []],
  ] as const)('%s', (_name, over, expected) => {
    const r = readinessReport({ ...base, ...over });
    expect(failing(r)).toEqual(expected);
    expect(r.ready).toBe(expected.length === 0);
  });
});

describe('metrics helpers', () => {
  it.each([
    ['peak-shaving: import 365.0 kW > target 300 kW; by peak-shaving', 'peak-shaving'],
    ['follow plan: slot 10:45; by plan-following [ramp-limited from -80.0 kW]', 'plan-following'],
    ['IMPORT_CAPACITY_LIMIT 450 kW (event ev-1); by plan-following', 'dr-event'],
    ['manual: operator 20 kW', 'manual'],
    ['something else', 'other'],
  ])('classes the reason %j as %s', (reason, expected) => expect(reasonClass(reason)).toBe(expected));

  it.each([
    ['modbus://127.0.0.1:1502/1', 'modbus'],
    ['modbus-rtu:///dev/ttyUSB0?unit=3', 'modbus-rtu'],
    ['opc.tcp://h:4840', 'opcua'],
    ['mqtt://b:1883/x', 'mqtt'],
  ])('names the protocol of %s', (binding, expected) => expect(protocolOf(binding)).toBe(expected));

  it('reports the totals the adapter keeps, runs that healed between samples included', () => {
    const c = new AdapterCounters();
    const a = adapterWith(health(false, 1, 0, 1));
    c.sample([a]);
    expect(c.entries()[0]?.[1]).toEqual({ errors: 1, reconnects: 0 });
    // Two runs of errors and two reconnects, all healed before the next sample: the sampler saw none.
    a.h = health(true, 6, 2, 0);
    c.sample([a]);
    expect(c.entries()).toEqual([[target, { errors: 6, reconnects: 2 }]]);
    // Read at scrape time, not only at sample time.
    a.h = health(true, 7, 3, 0);
    expect(c.entries()[0]?.[1]).toEqual({ errors: 7, reconnects: 3 });
  });

  it('keeps a device counter monotonic when its adapter is replaced, leaves or comes back', () => {
    const c = new AdapterCounters();
    const other = { ...target, assetId: 'pv' };
    const first = adapterWith(health(true, 4, 1));
    const pv = adapterWith(health(true, 2), other);
    c.sample([first, pv]);
    first.h = health(false, 5, 1); // counted after the last sample, before the replacement was seen
    const second = adapterWith(health(true, 3), { ...target, binding: 'opc.tcp://127.0.0.1:4841?profile=x' });
    c.sample([second, pv]);
    expect(new Map(c.entries().map(([t, v]) => [t.assetId, v]))).toEqual(new Map([['bess', { errors: 8, reconnects: 1 }], ['pv', { errors: 2, reconnects: 0 }]]));
    expect(c.entries().find(([t]) => t.assetId === 'bess')?.[0].binding).toBe('opc.tcp://127.0.0.1:4841?profile=x');
    // The site moved to another controller: its last totals stay, and add up when it returns.
    second.h = health(false, 4, 1);
    c.sample([pv]);
    second.h = health(false, 99, 99); // gone adapters are no longer read
    expect(c.entries().find(([t]) => t.assetId === 'bess')?.[1]).toEqual({ errors: 9, reconnects: 2 });
    c.sample([adapterWith(health(true, 1, 0)), pv]);
    expect(c.entries().find(([t]) => t.assetId === 'bess')?.[1]).toEqual({ errors: 10, reconnects: 2 });
  });
});

describe('GET /metrics and the health probes', () => {
  let dir: string;
  let store: TimeSeriesStore;
  let metrics: RuntimeMetrics;
  let app: FastifyInstance;
  let readiness: ReadinessReport;
  let device: ReturnType<typeof adapterWith>;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vpp-ops-unit-'));
    store = await openStore({ kind: 'sqlite', dataDir: dir });
    metrics = createRuntimeMetrics();
    device = adapterWith(health(true, 0));
    metrics.bind({ adapters: () => [device], store, activeEvents: () => 2, webhookDeliveries: () => ({ delivered: 5, failed: 1 }) });
    readiness = { ready: false, checks: [{ name: 'control', ok: false, detail: 'no control cycle yet for s1' }] };
    app = await buildApp({ version: 't', sites: () => [], store, adapters: () => [], nowMs: Date.now, metrics, readiness: () => readiness });
  });

  afterEach(async () => {
    await app.close();
    metrics.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('exposes the loop, adapter, store, event and webhook metrics in text format 0.0.4', async () => {
    metrics.loop.cycle(0.004, false);
    metrics.loop.cycle(1.7, true);
    metrics.loop.setpointRecorded('s1', 'x; by peak-shaving', true);
    metrics.loop.setpointRecorded('s1', 'x; by peak-shaving [write failed: timeout]', false);
    store.writeMetrics([{ siteId: 's1', metric: 'gridPowerKw', atMs: Date.now(), value: 1, quality: 'good' }]);
    await store.flush();
    device.h = health(false, 3, 1, 2);
    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/plain; version=0.0.4; charset=utf-8');
    const v = parseExposition(res.body);
    const adapter = { site: 's1', asset: 'bess', protocol: 'opcua' };
    expect(v.get(series('vpp_control_cycles_total'))).toBe(2);
    expect(v.get(series('vpp_control_cycles_late_total'))).toBe(1);
    expect(v.get(series('vpp_control_cycle_duration_seconds_bucket', { le: '0.005' }))).toBe(1);
    expect(v.get(series('vpp_control_cycle_duration_seconds_bucket', { le: '+Inf' }))).toBe(2);
    expect(v.get(series('vpp_setpoints_written_total', { site: 's1', reason: 'peak-shaving', result: 'ok' }))).toBe(1);
    expect(v.get(series('vpp_setpoints_written_total', { site: 's1', reason: 'peak-shaving', result: 'failed' }))).toBe(1);
    expect(v.get(series('vpp_adapter_up', adapter))).toBe(0);
    expect(v.get(series('vpp_adapter_errors_total', adapter))).toBe(3);
    expect(v.get(series('vpp_adapter_reconnects_total', adapter))).toBe(1);
    expect(v.get(series('vpp_store_written_points_total'))).toBe(1);
    expect(v.get(series('vpp_store_up', { kind: 'sqlite' }))).toBe(1);
    expect(v.get(series('vpp_dr_events_active'))).toBe(2);
    expect(v.get(series('vpp_webhook_deliveries_total', { result: 'delivered' }))).toBe(5);
    expect(v.get(series('vpp_webhook_deliveries_total', { result: 'failed' }))).toBe(1);
    expect(v.get(series('vpp_process_cpu_seconds_total'))).toBeGreaterThan(0);
  });

  it('keeps each controller in its own registry', async () => {
    const other = createRuntimeMetrics();
    try {
      metrics.loop.cycle(0.01, false);
      const mine = parseExposition(await metrics.metrics());
      const theirs = parseExposition(await other.metrics());
      expect(mine.get(series('vpp_control_cycles_total'))).toBe(1);
      expect(theirs.get(series('vpp_control_cycles_total'))).toBe(0);
    } finally {
      other.close();
    }
  });

  it('answers readiness 503 problem+json listing the failing checks, then 200', async () => {
    const down = await app.inject({ method: 'GET', url: '/api/v1/health/ready' });
    expect(down.statusCode).toBe(503);
    expect(down.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(down.json()).toMatchObject({ status: 503, detail: 'not ready: control (no control cycle yet for s1)', checks: readiness.checks });
    readiness = { ready: true, checks: [{ name: 'control', ok: true, detail: '1 site(s) controlled' }] };
    const up = await app.inject({ method: 'GET', url: '/api/v1/health/ready' });
    expect(up.statusCode).toBe(200);
    expect(up.json()).toEqual({ status: 'ready', checks: readiness.checks });
    const live = await app.inject({ method: 'GET', url: '/api/v1/health/live' });
    expect(live.statusCode).toBe(200);
    expect(live.json()).toMatchObject({ status: 'ok' });
  });
});

describe('JSON logs', () => {
  it('writes one JSON object per line with a level name, an ISO time and the component', () => {
    const lines: string[] = [];
    const log = createLogger('info', { write: (l: string) => void lines.push(l) });
    log.child({ component: 'control-loop', site: 's1' }).warn({ asset: 'bess' }, 'setpoint refused');
    log.debug('not at info');
    expect(lines).toHaveLength(1);
    const line = JSON.parse(lines[0] ?? '') as Record<string, unknown>;
    expect(line).toMatchObject({ level: 'warn', app: 'vpp', component: 'control-loop', site: 's1', asset: 'bess', msg: 'setpoint refused' });
    expect(new Date(String(line.time)).toISOString()).toBe(line.time);
  });

  it('refuses an unknown VPP_LOG_LEVEL by name', () => {
    expect(() => createLogger('verbose')).toThrow('VPP_LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, silent, got "verbose"');
  });
});
