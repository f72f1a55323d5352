import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createModbusConnections, createModbusProfileAdapter } from '../../adapters/modbus/index.js';
import type { Telemetry } from '../../src/domain/index.js';
import { MODBUS_EXCEPTION, ModbusException, type RegisterBank } from '../../simulators/servers/index.js';
import { closeProfileTestPeers, firstBatch, next, serve, target, track } from '../helpers/profile-peers.js';

afterEach(closeProfileTestPeers);

/** A meter with float32 values (low word first) in input registers 10-11 and 14-15, and holding 3. */
const ACME = `name: acme-meter
protocol: modbus
kind: meter
source: "test profile"
modbus:
  wordOrder: little
  readings:
    - {metric: powerKw, address: 10, function: input, type: float32, scale: 0.001}
    - {metric: energyImportKwh, address: 14, function: input, type: float32}
    - {metric: socPct, address: 3, function: holding, type: uint16}
`;

const DIR = mkdtempSync(join(tmpdir(), 'vpp-profiles-'));
writeFileSync(join(DIR, 'acme-meter.yaml'), ACME);
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

function acmeDir(): URL {
  return pathToFileURL(`${DIR}/`);
}

/** Answers exception 02 for any register it does not map, as strict devices do. */
function strictBank(input: Readonly<Record<number, number>>, holding: Readonly<Record<number, number>>): RegisterBank & { reads: string[] } {
  const reads: string[] = [];
  const read = (fn: string, table: Readonly<Record<number, number>>) => (address: number, count: number) => {
    reads.push(`${fn}${address}+${count}`);
    return Uint16Array.from({ length: count }, (_, i) => {
      const v = table[address + i];
      if (v === undefined) throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_ADDRESS, `register ${address + i} is not mapped`);
      return v;
    });
  };
  return { reads, read: read('h', holding), readInput: read('i', input), write: () => undefined };
}

describe('register-map adapter against a strict device', () => {
  it('reads input registers with FC 4, falls back to value-by-value reads when a gap is refused', async () => {
    // 1234.5 W = 0x449A5000 and 98765.5 kWh = 0x47C0E6C0, low word first.
    const bank = strictBank({ 10: 0x5000, 11: 0x449a, 14: 0xe6c0, 15: 0x47c0 }, { 3: 87, 10: 0xdead, 11: 0xbeef });
    const server = await serve(new Map([[1, bank]]));
    const binding = `modbus://127.0.0.1:${server.port}/1?profile=acme-meter`;
    const adapter = createModbusProfileAdapter(target(binding, 'meter', 0.1), { profileDir: acmeDir(), connections: createModbusConnections() });
    const got = await firstBatch(adapter);
    expect(got.get('powerKw')?.value).toBeCloseTo(1.2345, 9);
    expect(got.get('energyImportKwh')?.value).toBe(98765.5);
    expect(got.get('socPct')?.value).toBe(87);
    expect(bank.reads.slice(0, 4)).toEqual(['i10+6', 'i10+2', 'i14+2', 'h3+1']);
    // Next poll: the gap is no longer read through.
    bank.reads.length = 0;
    await next(adapter, 'socPct', () => true);
    expect(bank.reads.slice(0, 3)).toEqual(['i10+2', 'i14+2', 'h3+1']);
  });

  it('rejects connect() with PROFILE_MISMATCH when the device refuses every register', async () => {
    const server = await serve(new Map([[1, strictBank({}, {})]]));
    const adapter = createModbusProfileAdapter(target(`modbus://127.0.0.1:${server.port}/1?profile=acme-meter`, 'meter'), { profileDir: acmeDir(), connections: createModbusConnections() });
    track(adapter);
    const bad = next(adapter, 'powerKw', (t) => t.quality === 'bad');
    await expect(adapter.connect()).rejects.toMatchObject({ code: 'PROFILE_MISMATCH', message: expect.stringMatching(/refused every register/) as string });
    expect(await bad).toMatchObject({ value: null, quality: 'bad' });
  });

  it('rejects connect() with DEVICE_UNREACHABLE when the gateway says the unit does not answer (exception 0B)', async () => {
    const server = await serve(new Map([[1, strictBank({}, {})]]));
    const adapter = createModbusProfileAdapter(target(`modbus://127.0.0.1:${server.port}/7?profile=acme-meter`, 'meter'), { profileDir: acmeDir(), connections: createModbusConnections() });
    track(adapter);
    await expect(adapter.connect()).rejects.toMatchObject({ code: 'DEVICE_UNREACHABLE', message: expect.stringMatching(/unit does not answer \(exception 11\)/) as string });
  });

  it('turns every metric bad within one timeout when the device stops answering, and good again', async () => {
    let drop = false;
    const bank = strictBank({ 10: 0x5000, 11: 0x449a, 14: 0xe6c0, 15: 0x47c0 }, { 3: 87 });
    const server = await serve(new Map([[1, bank]]), () => (drop ? 'drop' : 'answer'));
    const timeoutMs = 300;
    const pollMs = 100;
    const adapter = createModbusProfileAdapter(target(`modbus://127.0.0.1:${server.port}/1?profile=acme-meter`, 'meter', pollMs / 1000), {
      profileDir: acmeDir(),
      connections: createModbusConnections(),
      timeoutMs,
      backoffMinMs: 50,
      backoffMaxMs: 200,
    });
    await firstBatch(adapter);
    const batch = new Map<string, Telemetry>();
    adapter.telemetry$.subscribe((t) => batch.set(t.metric, t));
    const wentBad = next(adapter, 'socPct', (t) => t.quality === 'bad');
    drop = true;
    const t0 = Date.now();
    await wentBad;
    const elapsedMs = Date.now() - t0;
    expect(elapsedMs).toBeLessThanOrEqual(timeoutMs + pollMs + 200);
    expect([...batch.values()].every((t) => t.quality === 'bad' && t.value === null)).toBe(true);
    expect(adapter.health()).toMatchObject({ connected: false, lastError: expect.stringMatching(/timed out/) as string });
    const good = next(adapter, 'powerKw', (t) => t.quality === 'good');
    drop = false;
    expect((await good).value).toBeCloseTo(1.2345, 9);
    expect(adapter.health()).toMatchObject({ connected: true, consecutiveErrors: 0, lastError: null });
  });
});

