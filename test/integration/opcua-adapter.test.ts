import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ReplaySubject, filter, firstValueFrom, timeout, type Observable } from 'rxjs';
import { createOpcuaAdapter, opcuaBindingProblem } from '../../adapters/opcua/index.js';
import { createAdapter } from '../../adapters/index.js';
import type { AdapterTarget, DeviceAdapter, Metric, Telemetry } from '../../src/domain/index.js';
import { startOpcuaSimulator, type OpcuaSimulator } from '../../simulators/servers/index.js';
import { fakeBattery } from '../helpers/sim-devices.js';

const PROFILE = 'vpp-sim-opcua-battery';

function target(endpointUrl: string, assetId: string, extra = ''): AdapterTarget {
  return { siteId: 'plant-1', assetId, kind: 'battery', binding: `${endpointUrl}?profile=${PROFILE}${extra}`, pollIntervalS: 0.2, revertS: 30 };
}

/** The first reading (from now on, or already replayed) that matches, within a bounded wait. */
function next(t$: Observable<Telemetry>, metric: Metric, pred: (t: Telemetry) => boolean, ms = 5000): Promise<Telemetry> {
  return firstValueFrom(t$.pipe(filter((t) => t.metric === metric && pred(t)), timeout(ms)));
}

describe('OPC UA adapter against the simulator (SecurityMode None)', () => {
  let dir: string;
  let sim: OpcuaSimulator;
  let port: number;
  const bess = fakeBattery('plant-1', 'bess', { socPct: 61.5 });
  const nodata = fakeBattery('plant-1', 'nodata', { socPct: null });
  const adapters: DeviceAdapter[] = [];
  const start = (p: number) => startOpcuaSimulator({ port: p, devices: [bess.device, nodata.device], pkiDir: join(dir, 'server-pki') });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vpp-opcua-adapter-'));
    sim = await start(0);
    port = sim.port;
  });

  afterAll(async () => {
    for (const a of adapters) await a.close();
    await sim?.close();
    await rm(dir, { recursive: true, force: true });
  });

  function adapter(t: AdapterTarget): { a: DeviceAdapter; seen$: ReplaySubject<Telemetry> } {
    const a = createOpcuaAdapter(t, { pkiDir: join(dir, 'client-pki') });
    adapters.push(a);
    // Replays everything, so a reading emitted during connect() is not missed.
    const seen$ = new ReplaySubject<Telemetry>();
    a.telemetry$.subscribe(seen$);
    return { a, seen$ };
  }

  it('checks bindings before dialling', () => {
    expect(opcuaBindingProblem(`opc.tcp://127.0.0.1:4840?profile=${PROFILE}`)).toBeNull();
    expect(opcuaBindingProblem(`opc.tcp://127.0.0.1:4840/ua?profile=${PROFILE}&security=SignAndEncrypt`)).toBeNull();
    expect(opcuaBindingProblem('opc.tcp://127.0.0.1:4840')).toMatch(/profile is required/);
    expect(opcuaBindingProblem(`opc.tcp://127.0.0.1:4840?profile=${PROFILE}&security=Sign`)).toMatch(/security must be None or SignAndEncrypt, got 'Sign'/);
    expect(opcuaBindingProblem(`opc.tcp://127.0.0.1:4840?profile=${PROFILE}&sampling=1`)).toMatch(/unknown parameter 'sampling'/);
    expect(opcuaBindingProblem('opc.tcp://127.0.0.1:4840?profile=no-such-profile')).toMatch(/config\/devices\/no-such-profile\.yaml: cannot read/);
    expect(opcuaBindingProblem(`modbus://127.0.0.1:4840?profile=${PROFILE}`)).toMatch(/scheme must be opc.tcp:/);
  });

  it('is what createAdapter gives for opc.tcp://, with node-opcua loaded on first connect', async () => {
    const prev = process.env.VPP_DATA_DIR;
    process.env.VPP_DATA_DIR = join(dir, 'data');
    try {
      const a = createAdapter(target(sim.endpointUrl, 'bess'));
      adapters.push(a);
      expect(a.health()).toMatchObject({ connected: false, lastError: null });
      const seen$ = new ReplaySubject<Telemetry>();
      a.telemetry$.subscribe(seen$);
      await a.connect();
      expect(await next(seen$, 'socPct', (t) => t.quality === 'good')).toMatchObject({ assetId: 'bess', value: 61.5 });
      expect(a.health()).toMatchObject({ connected: true });
      expect(() => createAdapter(target(sim.endpointUrl, 'bess', '&security=Sign'))).toThrow(expect.objectContaining({ code: 'BINDING_INVALID' }));
    } finally {
      if (prev === undefined) delete process.env.VPP_DATA_DIR;
      else process.env.VPP_DATA_DIR = prev;
    }
  });

  it('connects and emits good telemetry in the load convention', async () => {
    const { a, seen$ } = adapter(target(sim.endpointUrl, 'bess'));
    const t0 = performance.now();
    await a.connect();
    console.info(`OPC UA None session open (client certificate created on first use): ${(performance.now() - t0).toFixed(0)} ms`);
    expect(await next(seen$, 'socPct', (t) => t.quality === 'good')).toMatchObject({ siteId: 'plant-1', assetId: 'bess', value: 61.5 });
    expect(await next(seen$, 'powerKw', (t) => t.quality === 'good')).toMatchObject({ value: 0 });
    expect(a.health()).toMatchObject({ connected: true, consecutiveErrors: 0 });
  });

  it('a device change arrives through the subscription, without a write', async () => {
    const { a, seen$ } = adapter(target(sim.endpointUrl, 'bess'));
    await a.connect();
    bess.state.powerKw = 12.5;
    expect(await next(seen$, 'powerKw', (t) => t.value === 12.5)).toMatchObject({ quality: 'good' });
  });

  it('a reading the server gives as BadNoData is bad, never 0', async () => {
    const { a, seen$ } = adapter(target(sim.endpointUrl, 'nodata'));
    await a.connect();
    expect(await next(seen$, 'socPct', () => true)).toMatchObject({ value: null, quality: 'bad' });
    expect(await next(seen$, 'powerKw', () => true)).toMatchObject({ value: 0, quality: 'good' });
    expect(a.health().lastError).toMatch(/socPct: BadNoData/);
  });

  it('writes the setpoint and revert timer, reads back; BadOutOfRange is reported by name', async () => {
    const { a } = adapter(target(sim.endpointUrl, 'bess'));
    await a.connect();
    const sp = { siteId: 'plant-1', assetId: 'bess', reason: 'test', atMs: Date.now() };
    expect(await a.write({ ...sp, powerKw: -40 })).toEqual({ ok: true, readBackKw: -40, detail: null });
    expect(bess.state).toEqual({ powerKw: -40, revertS: 30 });
    const refused = await a.write({ ...sp, powerKw: 500 });
    expect(refused).toMatchObject({ ok: false, readBackKw: null });
    expect(refused.detail).toMatch(/writing powerKw .* = 500: BadOutOfRange/);
    expect(bess.state.powerKw).toBe(-40);
  });

  it('fails connect with a clear error for a missing device or an unreachable server', async () => {
    const missing = adapter(target(sim.endpointUrl, 'bess', '&device=plant-1/ghost')).a;
    await expect(missing.connect()).rejects.toMatchObject({ code: 'PROFILE_MISMATCH', message: expect.stringMatching(/no node ns=1;s=plant-1\/ghost\/powerKw/) });
    const dead = adapter(target('opc.tcp://127.0.0.1:1', 'bess')).a;
    await expect(dead.connect()).rejects.toMatchObject({ code: 'DEVICE_UNREACHABLE' });
  });

  it('server gone: every metric bad at once; server back on the same port: good again', async () => {
    const { a, seen$ } = adapter(target(sim.endpointUrl, 'bess'));
    await a.connect();
    await next(seen$, 'powerKw', (t) => t.quality === 'good');
    const tClose = Date.now();
    await sim.close();
    const [p, s] = await Promise.all([next(seen$, 'powerKw', (t) => t.atMs >= tClose && t.quality === 'bad'), next(seen$, 'socPct', (t) => t.atMs >= tClose && t.quality === 'bad')]);
    expect([p.value, s.value]).toEqual([null, null]);
    expect(a.health().connected).toBe(false);
    console.info(`OPC UA connection loss detected after ${Math.max(p.atMs, s.atMs) - tClose} ms`);
    bess.state.powerKw = 7;
    const tStart = Date.now();
    sim = await start(port);
    expect(sim.port).toBe(port);
    const back = await next(seen$, 'powerKw', (t) => t.atMs >= tStart && t.quality === 'good', 30_000);
    console.info(`OPC UA re-subscribed ${back.atMs - tStart} ms after the server restart began (start-up ${sim.startupMs.toFixed(0)} ms)`);
    expect(back.value).toBe(7);
    expect(await next(seen$, 'socPct', (t) => t.atMs >= tStart && t.quality === 'good')).toMatchObject({ value: 61.5 });
    expect(a.health()).toMatchObject({ connected: true, reconnectsTotal: 1 });
    expect(a.health().errorsTotal).toBeGreaterThanOrEqual(1);
    // The re-created subscription follows changes again.
    bess.state.powerKw = 8;
    await next(seen$, 'powerKw', (t) => t.value === 8);
  }, 60_000);

  it('close() completes the stream', async () => {
    const { a, seen$ } = adapter(target(sim.endpointUrl, 'bess'));
    await a.connect();
    const done = new Promise<void>((resolve) => seen$.subscribe({ complete: resolve }));
    await a.close();
    await done;
    await expect(a.connect()).rejects.toMatchObject({ code: 'ADAPTER_CLOSED' });
  });
});
