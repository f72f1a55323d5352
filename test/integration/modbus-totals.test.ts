import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { filter, firstValueFrom, timeout } from 'rxjs';
import { createModbusAdapter } from '../../adapters/modbus/index.js';
import type { AdapterTarget, DeviceAdapter } from '../../src/domain/device-adapter.js';
import type { Telemetry } from '../../src/domain/telemetry.js';
import { AdapterCounters } from '../../src/runtime/metrics-adapters.js';
import { startModbusTcpServer, sunspecBank, type ModbusTcpServer } from '../../simulators/servers/index.js';

const units = () => new Map([[1, sunspecBank({ models: [{ id: 203, source: { read: () => ({ W: 12340, TotWhImp: 5_400_000, TotWhExp: 1000, VAR: -2000 }), write: () => undefined } }] })]]);

let server: ModbusTcpServer;
let adapter: DeviceAdapter | null = null;

beforeEach(async () => {
  server = await startModbusTcpServer({ host: '127.0.0.1', port: 0, units: units() });
});

afterEach(async () => {
  await adapter?.close();
  adapter = null;
  await server.close();
});

describe('Modbus adapter error and reconnect totals', () => {
  it('counts every failure and both reconnects of two outages that heal between two samples', async () => {
    const port = server.port;
    const target: AdapterTarget = { siteId: 's1', assetId: 'grid', kind: 'meter', binding: `modbus://127.0.0.1:${port}/1`, pollIntervalS: 5, revertS: 60 };
    const a = createModbusAdapter(target, { backoffMinMs: 50, backoffMaxMs: 200 });
    adapter = a;
    const readings: Telemetry[] = [];
    a.telemetry$.pipe(filter((t) => t.metric === 'powerKw')).subscribe((t) => readings.push(t));
    const reading = (quality: Telemetry['quality'], ms: number) => firstValueFrom(a.telemetry$.pipe(filter((t) => t.metric === 'powerKw' && t.quality === quality), timeout(ms)));
    const good = reading('good', 3000);
    await a.connect();
    await good;
    const counters = new AdapterCounters();
    counters.sample([a]);
    expect(counters.entries()).toEqual([[target, { errors: 0, reconnects: 0 }]]);
    const before = readings.length;

    for (let outage = 0; outage < 2; outage++) {
      const bad = reading('bad', 2000);
      await server.close();
      await bad;
      // Refused connects while the port is closed each count too: wait for one at least.
      await firstValueFrom(a.telemetry$.pipe(filter((t) => t.metric === 'powerKw' && t.quality === 'bad'), timeout(2000)));
      const back = reading('good', 5000);
      server = await startModbusTcpServer({ host: '127.0.0.1', port, units: units() });
      await back;
    }

    // Every failure marks every metric bad once (link-lifecycle.ts): the bad readings are the failures.
    const failures = readings.slice(before).filter((t) => t.quality === 'bad').length;
    expect(failures).toBeGreaterThanOrEqual(4);
    expect(a.health()).toMatchObject({ connected: true, consecutiveErrors: 0, errorsTotal: failures, reconnectsTotal: 2 });
    counters.sample([a]);
    expect(counters.entries()).toEqual([[target, { errors: failures, reconnects: 2 }]]);
  });
});
