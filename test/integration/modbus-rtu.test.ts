import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { createAdapter, parseModbusRtuBinding } from '../../adapters/index.js';
import type { DeviceAdapter } from '../../src/domain/device-adapter.js';
import type { Metric, Telemetry } from '../../src/domain/telemetry.js';
import { requireBinary, requirePymodbus } from '../helpers/binaries.js';
import { rawSunSpecMap, s16, startPtyPair, startPymodbus, type PtyPair, type PymodbusPeer } from '../helpers/serial.js';

const socat = requireBinary('socat');
const pymodbus = await requirePymodbus();
const UNIT = 3;

/** A meter (model 203) at base 40000, written by hand from the official model definition. */
const METER = rawSunSpecMap([
  { id: 1, length: 66, regs: {} },
  // W at 16, W_SF at 20; VAR at 26, VAR_SF at 30; TotWhExp at 36, TotWhImp at 44, TotWh_SF at 52.
  { id: 203, length: 105, regs: { 16: 2500, 20: s16(-2), 26: s16(-300), 30: s16(1), 37: 700, 45: 9000, 52: s16(0) } },
]);

let pair: PtyPair | null = null;
let peer: PymodbusPeer | null = null;
const adapters: DeviceAdapter[] = [];

function startPeer(port: string): Promise<PymodbusPeer> {
  return startPymodbus({ transport: 'rtu', serial: { port, baudrate: 19200 }, units: { [UNIT]: { base: 40000, registers: METER } } });
}

beforeEach(async () => {
  if (socat === null || !pymodbus) return;
  pair = await startPtyPair(socat);
  peer = await startPeer(pair.b);
});

afterEach(async () => {
  await Promise.all(adapters.splice(0).map((a) => a.close()));
  await peer?.stop();
  await pair?.stop();
  peer = null;
  pair = null;
});

function next(a: DeviceAdapter, metric: Metric, pred: (t: Telemetry) => boolean, ms = 5000): Promise<Telemetry> {
  return firstValueFrom(a.telemetry$.pipe(filter((t) => t.metric === metric && pred(t)), timeout(ms)));
}

describe('Modbus RTU over a virtual serial line (socat pty pair) to a pymodbus peer', () => {
  it.skipIf(socat === null || !pymodbus)('discovers the SunSpec map and emits good telemetry; bad when the peer dies, good when it returns', async () => {
    const ttyA = pair?.a ?? '';
    const a = createAdapter({ siteId: 's', assetId: 'grid', kind: 'meter', binding: `modbus-rtu://${ttyA}?baud=19200&unit=${UNIT}`, pollIntervalS: 0.2, revertS: 30 });
    adapters.push(a);
    const got = Promise.all([next(a, 'powerKw', () => true), next(a, 'reactiveKvar', () => true), next(a, 'energyImportKwh', () => true), next(a, 'energyExportKwh', () => true)]);
    await a.connect();
    expect((await got).map((t) => [t.metric, t.value, t.quality])).toEqual([
      ['powerKw', 0.025, 'good'], // 2500 × 10^-2 W
      ['reactiveKvar', -3, 'good'], // -300 × 10 var
      ['energyImportKwh', 9, 'good'],
      ['energyExportKwh', 0.7, 'good'],
    ]);

    const t0 = Date.now();
    const bad = next(a, 'powerKw', (t) => t.quality === 'bad');
    await peer?.stop();
    const b = await bad;
    expect(b.value).toBeNull();
    // Within one poll interval (0.2 s) plus the 1 s request timeout, with slack for a busy machine.
    expect(b.atMs - t0).toBeLessThan(2000);

    const good = next(a, 'powerKw', (t) => t.quality === 'good', 15_000);
    peer = await startPeer(pair?.b ?? '');
    expect((await good).value).toBe(0.025);
  });
});

describe('modbus-rtu:// bindings', () => {
  it('parses the serial settings with 8N1 defaults', () => {
    expect(parseModbusRtuBinding('modbus-rtu:///dev/ttyUSB0?baud=9600&unit=3')).toEqual({
      endpoint: { transport: 'rtu', path: '/dev/ttyUSB0', baudRate: 9600, parity: 'none', dataBits: 8, stopBits: 1 },
      unit: 3,
    });
    expect(parseModbusRtuBinding('modbus-rtu:///dev/ttyS1?baud=19200&parity=even&dataBits=7&stopBits=2&unit=247').endpoint).toEqual({
      transport: 'rtu', path: '/dev/ttyS1', baudRate: 19200, parity: 'even', dataBits: 7, stopBits: 2,
    });
  });

  it('refuses each malformed part, naming it and the value seen', () => {
    const cases: Array<[string, RegExp]> = [
      ['modbus-rtu:///dev/ttyUSB0?baud=9600', /unit must be a unit id 1\.\.247, got ''/],
      ['modbus-rtu:///dev/ttyUSB0?unit=0', /unit must be a unit id 1\.\.247, got '0'/],
      ['modbus-rtu:///dev/ttyUSB0?unit=1&baud=9601', /baud must be one of .*got '9601'/],
      ['modbus-rtu:///dev/ttyUSB0?unit=1&parity=mark', /parity must be none, even or odd, got 'mark'/],
      ['modbus-rtu:///dev/ttyUSB0?unit=1&dataBits=9', /dataBits must be 7 or 8, got '9'/],
      ['modbus-rtu:///dev/ttyUSB0?unit=1&stopBits=1.5', /stopBits must be 1 or 2, got '1.5'/],
      ['modbus-rtu:///dev/ttyUSB0?unit=1&speed=9600', /unknown parameter 'speed'/],
      ['modbus-rtu:///dev/ttyUSB0?unit=1&unit=2', /'unit' is given twice/],
      ['modbus-rtu://host/dev/ttyUSB0?unit=1', /local serial device .*host 'host'/],
      ['modbus-rtu:///?unit=1', /path must be a serial device/],
    ];
    for (const [url, message] of cases) {
      expect(() => parseModbusRtuBinding(url), url).toThrow(expect.objectContaining({ code: 'BINDING_INVALID', message: expect.stringMatching(message) }));
      expect(() => createAdapter({ siteId: 's', assetId: 'a', kind: 'meter', binding: url, pollIntervalS: 1, revertS: 30 }), url).toThrow(
        expect.objectContaining({ message: expect.stringContaining(url) }),
      );
    }
  });
});
