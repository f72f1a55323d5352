import { Subject } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { AdapterTarget, DeviceAdapter, Setpoint, Telemetry, WriteResult } from '../../src/domain/index.js';
import { silentLogger } from '../../src/runtime/index.js';
import { SetpointWriter } from '../../src/runtime/setpoint-writer.js';
import type { SetpointRecord } from '../../src/store/index.js';

/** The device boundary: logs writes and releases in order; a write can be held open. */
function device(withRelease: boolean) {
  const target: AdapterTarget = { siteId: 's1', assetId: 'bess', kind: 'battery', binding: 'modbus://127.0.0.1:1/1', pollIntervalS: 1, revertS: 30 };
  const events: string[] = [];
  let hold: Promise<void> | null = null;
  const ok = (kw: number | null): WriteResult => ({ ok: true, readBackKw: kw, detail: null });
  const d: DeviceAdapter = {
    target,
    telemetry$: new Subject<Telemetry>().asObservable(),
    connect: async () => undefined,
    write: async (sp: Setpoint) => {
      events.push(`write ${sp.powerKw} start`);
      if (hold !== null) await hold;
      events.push(`write ${sp.powerKw} done`);
      return ok(sp.powerKw);
    },
    ...(withRelease
      ? {
          release: async () => {
            events.push('release');
            return ok(0);
          },
        }
      : {}),
    health: () => ({ connected: true, lastOkAtMs: 0, consecutiveErrors: 0, lastError: null, errorsTotal: 0, reconnectsTotal: 0 }),
    close: async () => undefined,
  };
  return { d, events, holdWrites: (p: Promise<void>) => (hold = p) };
}

const sp = (powerKw: number, reason = 'manual'): Setpoint => ({ siteId: 's1', assetId: 'bess', powerKw, reason, atMs: 0 });

describe('setpoint writer: mode changes', () => {
  it('releases only after the write in flight, so no setpoint lands after the release', async () => {
    const { d, events, holdWrites } = device(true);
    const w = new SetpointWriter(new Map([['s1/bess', d]]), { writeSetpoints: () => undefined, writeMetrics: () => undefined }, silentLogger(), { deadbandKw: 0.01, revertS: { bess: 30 } });
    let open = () => undefined as void;
    holdWrites(new Promise<void>((r) => (open = r)));
    const writing = w.apply([sp(-50)], 0);
    const releasing = w.release('s1', 'bess');
    await Promise.resolve();
    expect(events).toEqual(['write -50 start']);
    open();
    await writing;
    expect((await releasing)?.ok).toBe(true);
    expect(events).toEqual(['write -50 start', 'write -50 done', 'release']);
  });

  it('answers null without release(); after forget() the same value is written and recorded again', async () => {
    const { d, events } = device(false);
    const records: SetpointRecord[] = [];
    const w = new SetpointWriter(new Map([['s1/bess', d]]), { writeSetpoints: (r) => void records.push(...r), writeMetrics: () => undefined }, silentLogger(), {
      deadbandKw: 0.01,
      revertS: { bess: 30 },
      rampKwPerS: { bess: 20 },
    });
    expect(await w.release('s1', 'bess')).toBeNull();
    await w.apply([sp(0, 'auto: idle')], 0);
    await w.apply([sp(0, 'auto: idle')], 1000); // deadband: skipped
    w.forget('s1', 'bess');
    await w.apply([sp(0, 'manual: 0')], 2000);
    // After forget the ramp restarts from 0 (where a released device idles): 20 kW/s.
    await w.apply([sp(-100, 'manual: -100')], 3000);
    expect(events.filter((e) => e.endsWith('done'))).toEqual(['write 0 done', 'write 0 done', 'write -20 done']);
    expect(records.map((r) => r.reason)).toEqual(['auto: idle', 'manual: 0', 'manual: -100 [ramp-limited from -100.0 kW]']);
  });
});
