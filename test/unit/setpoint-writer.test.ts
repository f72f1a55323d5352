import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { AdapterTarget, DeviceAdapter, Setpoint, Telemetry, WriteResult } from '../../src/domain/index.js';
import { silentLogger } from '../../src/runtime/index.js';
import { SetpointWriter, rampLimited } from '../../src/runtime/setpoint-writer.js';
import type { SetpointRecord } from '../../src/store/index.js';

/** The device boundary: records what it was told; can be made to refuse. */
function device(): DeviceAdapter & { writes: number[]; refuse: boolean } {
  const target: AdapterTarget = { siteId: 's1', assetId: 'bess', kind: 'battery', binding: 'modbus://127.0.0.1:1/1', pollIntervalS: 1, revertS: 30 };
  const d = {
    target,
    telemetry$: new Subject<Telemetry>().asObservable(),
    writes: [] as number[],
    refuse: false,
    connect: async () => undefined,
    write: async (sp: Setpoint): Promise<WriteResult> => {
      d.writes.push(sp.powerKw);
      return d.refuse ? { ok: false, readBackKw: null, detail: 'read-back mismatch' } : { ok: true, readBackKw: sp.powerKw, detail: null };
    },
    health: () => ({ connected: true, lastOkAtMs: 0, consecutiveErrors: 0, lastError: null, errorsTotal: 0, reconnectsTotal: 0 }),
    close: async () => undefined,
  };
  return d;
}

const sp = (powerKw: number, reason = 'peak-shaving'): Setpoint => ({ siteId: 's1', assetId: 'bess', powerKw, reason, atMs: 0 });

describe('setpoint writer', () => {
  it.each([
    // wanted, last, elapsed s, ramp kW/s → written
    [100, 0, 1, 20, 20],
    [100, 60, 1, 20, 80],
    [-100, -60, 2, 20, -100],
    [10, 60, 1, 20, 10], // toward zero: at once
    [0, -90, 1, 20, 0], // stopping: at once
    [-50, 40, 1, 20, -20], // crossing zero: stop, then ramp from 0
    [100, 0, 1, undefined, 100], // no limit configured
  ])('ramp: wanted %d from %d after %d s at %s kW/s → %d', (wanted, last, elapsed, ramp, expected) => {
    expect(rampLimited(wanted, last, elapsed, ramp)).toBe(expected);
  });

  it('skips writes inside the deadband, refreshes before the revert timer, records changes with reasons', async () => {
    const d = device();
    const records: SetpointRecord[] = [];
    const w = new SetpointWriter(new Map([['s1/bess', d]]), { writeSetpoints: (r) => void records.push(...r), writeMetrics: () => undefined }, silentLogger(), { deadbandKw: 0.5, revertS: { bess: 30 } });
    await w.apply([sp(-50)], 0);
    await w.apply([sp(-50.2)], 1000); // inside the deadband
    await w.apply([sp(-50.2)], 9000);
    await w.apply([sp(-50.2)], 10_000); // a third of the revert time: heartbeat
    await w.apply([sp(-60, 'peak-shaving: more')], 11_000);
    expect(d.writes).toEqual([-50, -50.2, -60]);
    expect(records.map((r) => [r.atMs, r.powerKw, r.reason])).toEqual([
      [0, -50, 'peak-shaving'],
      [11_000, -60, 'peak-shaving: more'],
    ]);
  });

  it('ramps a jump over cycles and says so in the record', async () => {
    const d = device();
    const records: SetpointRecord[] = [];
    const w = new SetpointWriter(new Map([['s1/bess', d]]), { writeSetpoints: (r) => void records.push(...r), writeMetrics: () => undefined }, silentLogger(), { deadbandKw: 0.01, revertS: {}, rampKwPerS: { bess: 25 } });
    await w.apply([sp(0)], 0);
    for (let t = 1; t <= 5; t++) await w.apply([sp(-100)], t * 1000);
    expect(d.writes).toEqual([0, -25, -50, -75, -100]);
    expect(records[1]?.reason).toBe('peak-shaving [ramp-limited from -100.0 kW]');
    await w.apply([sp(0, 'safety: soc floor')], 6000);
    expect(d.writes.at(-1)).toBe(0); // stopping is never ramp-limited
  });

  it('records a refused write and tries again next cycle', async () => {
    const d = device();
    const records: SetpointRecord[] = [];
    const w = new SetpointWriter(new Map([['s1/bess', d]]), { writeSetpoints: (r) => void records.push(...r), writeMetrics: () => undefined }, silentLogger(), { deadbandKw: 0.5, revertS: {} });
    d.refuse = true;
    await w.apply([sp(-30)], 0);
    d.refuse = false;
    await w.apply([sp(-30)], 1000);
    expect(d.writes).toEqual([-30, -30]);
    expect(records.map((r) => r.reason)).toEqual(['peak-shaving [write failed: read-back mismatch]', 'peak-shaving']);
  });
});
