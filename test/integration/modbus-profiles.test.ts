import { readdirSync, readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import { bindingProblem, createAdapter, loadProfile } from '../../adapters/index.js';
import { checkRegisterMap, createModbusConnections, createModbusProfileAdapter } from '../../adapters/modbus/index.js';
import type { Telemetry } from '../../src/domain/index.js';
import { EvChargerModel, HvacModel } from '../../simulators/models/index.js';
import { MODBUS_EXCEPTION, ModbusException, deviceFor, plainDeviceBank, plainMapFor, type RegisterBank } from '../../simulators/servers/index.js';
import { closeProfileTestPeers, firstBatch, next, serve, target } from '../helpers/profile-peers.js';

/** STYLE.md: every device profile is read once against its golden fixture, written from the manual. */
const FIXTURE_DIR = 'test/fixtures/devices';
const FIXTURES = readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.yaml')).sort();

interface Fixture {
  readonly profile: string;
  readonly unit: number;
  readonly input: ReadonlyMap<number, number>;
  readonly holding: ReadonlyMap<number, number>;
  readonly expected: Readonly<Record<string, number | null>>;
}

function registers(file: string, field: string, raw: unknown): Map<number, number> {
  const out = new Map<number, number>();
  if (raw === undefined || raw === null) return out;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new Error(`${file}: ${field} must be a map of address -> [words], got ${JSON.stringify(raw)}`);
  for (const [key, words] of Object.entries(raw as Record<string, unknown>)) {
    const start = Number(key);
    if (!Number.isInteger(start) || start < 0 || start > 0xffff) throw new Error(`${file}: ${field}.${key}: not a protocol address 0..65535`);
    if (!Array.isArray(words) || words.some((w) => !Number.isInteger(w) || (w as number) < 0 || (w as number) > 0xffff)) throw new Error(`${file}: ${field}.${key}: must be a list of 16-bit words, got ${JSON.stringify(words)}`);
    (words as number[]).forEach((w, i) => {
      if (out.has(start + i)) throw new Error(`${file}: ${field}.${key}: register ${start + i} is given twice`);
      out.set(start + i, w);
    });
  }
  return out;
}

function loadFixture(name: string): Fixture {
  const file = `${FIXTURE_DIR}/${name}`;
  const raw = parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  if (typeof raw.profile !== 'string' || typeof raw.manual !== 'string' || raw.manual === '') throw new Error(`${file}: needs profile and manual (where the values came from)`);
  const unit = raw.unit ?? 1;
  if (typeof unit !== 'number' || !Number.isInteger(unit) || ((unit < 1 || unit > 247) && unit !== 255)) throw new Error(`${file}: unit must be 1..247 or 255, got ${JSON.stringify(unit)}`);
  const expected = raw.expected as Record<string, number | null> | undefined;
  if (expected === undefined || typeof expected !== 'object' || Object.keys(expected).length === 0) throw new Error(`${file}: expected must list at least one metric`);
  return { profile: raw.profile, unit, input: registers(file, 'input', raw.input), holding: registers(file, 'holding', raw.holding), expected };
}

afterEach(closeProfileTestPeers);

/** Registers not listed read as 0; FC 3 and FC 4 see their own tables. */
function fixtureBank(f: Fixture): RegisterBank {
  const read = (table: ReadonlyMap<number, number>) => (address: number, count: number) => Uint16Array.from({ length: count }, (_, i) => table.get(address + i) ?? 0);
  return {
    read: read(f.holding),
    readInput: read(f.input),
    write: () => {
      throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_FUNCTION, 'a fixture is read-only');
    },
  };
}

describe('register-map profiles against their golden fixtures', () => {
  it('has fixtures to check', () => {
    expect(FIXTURES.length).toBeGreaterThanOrEqual(2);
  });

  it.each(FIXTURES)('%s: the profile decodes the manual’s values', async (name) => {
    const f = loadFixture(name);
    const head = loadProfile(f.profile);
    const map = checkRegisterMap(head.file, head.body);
    const read = new Set<string>(map.readings.map((r) => r.metric));
    for (const metric of Object.keys(f.expected)) expect(read.has(metric), `${name}: expected ${metric}, which ${head.file} does not read`).toBe(true);
    const server = await serve(new Map([[f.unit, fixtureBank(f)]]));
    const binding = `modbus://127.0.0.1:${server.port}/${f.unit}?profile=${f.profile}`;
    const got = await firstBatch(createModbusProfileAdapter(target(binding, head.kind), { connections: createModbusConnections() }));
    expect([...got.keys()].sort()).toEqual([...read].sort());
    for (const [metric, want] of Object.entries(f.expected)) {
      const t = got.get(metric);
      if (want === null) {
        expect(t, metric).toMatchObject({ value: null, quality: 'bad' });
        continue;
      }
      expect(t?.quality, `${name}: ${metric}`).toBe('good');
      const value = t?.value ?? Number.NaN;
      expect(Math.abs(value - want), `${name}: ${metric} = ${value}, manual says ${want}`).toBeLessThanOrEqual(1e-6 * Math.max(Math.abs(want), 1e-9));
    }
  });
});

/** How far a reading is from the model's value; one decimal on the wire allows half a step. */
function offWire(t: Telemetry | undefined, truth: number | null | undefined): number {
  return Math.abs((t?.value ?? Number.NaN) - (truth ?? Number.NaN));
}

const START_MS = Date.parse('2025-07-15T09:00:00+08:00');

describe('vpp-sim Modbus profiles against our live simulators', () => {
  it('reads the simulated EV charger and writes a power with read-back and revert timer', async () => {
    const model = new EvChargerModel({ id: 'ev', timezone: 'Asia/Shanghai', startMs: START_MS, maxKw: 22, arrives: '08:00', departs: '18:00', energyNeededKwh: 40 });
    const device = deviceFor('s1', model);
    const server = await serve(new Map([[4, plainDeviceBank(device, plainMapFor('evCharger') ?? [])]]));
    // Through createAdapter: a Modbus binding with ?profile= gets the register-map adapter.
    const adapter = createAdapter(target(`modbus://127.0.0.1:${server.port}/4?profile=vpp-sim-modbus-ev-charger`, 'evCharger', 0.1));
    const got = await firstBatch(adapter);
    const truth = device.readings();
    expect(got.get('connected')).toMatchObject({ value: 1, quality: 'good' });
    expect(offWire(got.get('powerKw'), truth.powerKw)).toBeLessThanOrEqual(0.05 + 1e-9);
    expect(offWire(got.get('energyImportKwh'), truth.energyImportKwh)).toBeLessThanOrEqual(0.05 + 1e-9);

    // 11 kW = 15.94 A -> register 159 (15.9 A), which the charger reports back as 10.971 kW.
    const w = await adapter.write({ siteId: 's1', assetId: 'a1', powerKw: 11, reason: 'test', atMs: START_MS });
    expect(w).toEqual({ ok: true, readBackKw: expect.closeTo(10.971, 9) as number, detail: null });
    expect(model.commandedA()).toBeCloseTo(15.9, 9);
    model.step(1);
    expect(model.powerKw()).toBeCloseTo(10.971, 9);
    await next(adapter, 'powerKw', (t) => t.value === 11); // 10.971 kW, one decimal on the wire
    // The revert time (target.revertS = 60) was armed with that setpoint.
    model.step(58);
    expect(model.reverted()).toBe(false);
    model.step(2);
    expect(model.reverted()).toBe(true);

    const negative = await adapter.write({ siteId: 's1', assetId: 'a1', powerKw: -3, reason: 'test', atMs: START_MS });
    expect(negative).toMatchObject({ ok: false, readBackKw: null, detail: expect.stringMatching(/powerKw -3 is -43\.?\d* raw|uint16 cannot hold/) as string });
    // 1 kW = 1.4 A: below the charger's 6 A minimum, so the device answers exception 03.
    const tooLow = await adapter.write({ siteId: 's1', assetId: 'a1', powerKw: 1, reason: 'test', atMs: START_MS });
    expect(tooLow).toMatchObject({ ok: false, readBackKw: null, detail: expect.stringMatching(/exception 3/) as string });
  });

  it('reads the simulated HVAC unit and refuses a power write: its profile has no write map', async () => {
    const model = new HvacModel({ id: 'hvac', timezone: 'Asia/Shanghai', startMs: START_MS, ratedKw: 45, setpointC: 24, outdoorC: 33, initialTempC: 25.2 });
    model.step(60);
    const device = deviceFor('s1', model);
    const server = await serve(new Map([[2, plainDeviceBank(device, plainMapFor('hvac') ?? [])]]));
    const adapter = createModbusProfileAdapter(target(`modbus://127.0.0.1:${server.port}/2?profile=vpp-sim-modbus-hvac`, 'hvac'), { connections: createModbusConnections() });
    const got = await firstBatch(adapter);
    const truth = device.readings();
    for (const metric of ['powerKw', 'temperatureC', 'state', 'energyImportKwh'] as const) {
      expect(got.get(metric)?.quality, metric).toBe('good');
      expect(offWire(got.get(metric), truth[metric]), metric).toBeLessThanOrEqual(0.05 + 1e-9);
    }
    const w = await adapter.write({ siteId: 's1', assetId: 'a1', powerKw: 10, reason: 'test', atMs: START_MS });
    expect(w).toEqual({ ok: false, readBackKw: null, detail: expect.stringMatching(/profile vpp-sim-modbus-hvac has no write map for powerKw/) as string });
  });

  it('refuses a profile of another asset kind or protocol, at config load and at createAdapter', () => {
    const binding = 'modbus://127.0.0.1:502/1?profile=vpp-sim-modbus-hvac';
    expect(() => createAdapter(target(binding, 'evCharger'))).toThrow(/describes a hvac, the asset is a evCharger/);
    expect(bindingProblem(binding)).toBeNull();
    expect(bindingProblem(binding, 'evCharger')).toMatch(/profile vpp-sim-modbus-hvac describes a hvac, the asset is a evCharger \(in "modbus:/);
    expect(bindingProblem('modbus-rtu:///dev/ttyUSB0?unit=3&profile=no-such-device')).toMatch(/config\/devices\/no-such-device\.yaml: cannot read/);
    expect(bindingProblem('modbus://127.0.0.1:502/1?profile=vpp-sim-mqtt-battery')).toMatch(/is for protocol mqtt, not modbus/);
  });
});

