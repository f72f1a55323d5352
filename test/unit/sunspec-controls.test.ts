import { describe, expect, it } from 'vitest';
import { MODEL_123, MODEL_124, MODEL_704 } from '../../src/domain/sunspec/index.js';
import {
  chooseControlModel,
  planPvLimitWrite,
  planStorageWrite,
  planWSetWrite,
  pvLimitCommandKw,
  pvRatingW,
  type PointValues,
  type PowerControl,
} from '../../adapters/modbus/index.js';

const at = (model: typeof MODEL_123, name: string): number => model.byName.get(name)?.offset ?? -1;

describe('model 123: PV limit plan', () => {
  const v: PointValues = { WMaxLimPct_SF: -1 };
  const rows: ReadonlyArray<{ powerKw: number; ratingW: number; sf: number; pctRaw: number; tolKw: number }> = [
    { powerKw: -40, ratingW: 100_000, sf: -1, pctRaw: 400, tolKw: 0.05 }, // 40.0 % in 0.1 % steps
    { powerKw: -100, ratingW: 100_000, sf: -1, pctRaw: 1000, tolKw: 0.05 },
    { powerKw: 0, ratingW: 100_000, sf: -1, pctRaw: 0, tolKw: 0.05 },
    { powerKw: -33.3, ratingW: 100_000, sf: 0, pctRaw: 33, tolKw: 0.5 }, // whole percent: the device's own resolution
    { powerKw: -2.5, ratingW: 5000, sf: -2, pctRaw: 5000, tolKw: 0.00025 },
  ];
  for (const r of rows) {
    it(`${r.powerKw} kW of WMax ${r.ratingW} W at WMaxLimPct_SF ${r.sf} → ${r.pctRaw}, enable last`, () => {
      const plan = planPvLimitWrite({ WMaxLimPct_SF: r.sf }, r.ratingW, r.powerKw, 30);
      expect(plan).toMatchObject({
        ok: true,
        groups: [
          { offset: at(MODEL_123, 'WMaxLimPct'), values: [r.pctRaw] },
          { offset: at(MODEL_123, 'WMaxLimPct_RvrtTms'), values: [30] },
          { offset: at(MODEL_123, 'WMaxLim_Ena'), values: [1] },
        ],
      });
      if (plan.ok) expect(plan.toleranceKw).toBeCloseTo(r.tolKw, 6);
    });
  }

  const refusals: ReadonlyArray<[string, PointValues, number, number, number, RegExp]> = [
    ['a positive setpoint', v, 100_000, 5, 30, /must be <= 0 kW .* got 5/],
    ['NaN', v, 100_000, Number.NaN, 30, /finite number, got NaN/],
    ['beyond WMax', v, 100_000, -150, 30, /-150 kW is beyond WMax 100 kW/],
    ['no scale factor', { WMaxLimPct_SF: null }, 100_000, -10, 30, /WMaxLimPct_SF is not implemented/],
    ['no revert timer', v, 100_000, -10, 0, /revertS must be 1..65534 s, got 0/],
    ['a revert timer uint16 cannot carry', v, 100_000, -10, 70_000, /revertS must be 1..65534 s, got 70000/],
    ['an unknown rating', v, Number.NaN, -10, 30, /WMax must be > 0 W, got NaN/],
  ];
  for (const [what, values, ratingW, powerKw, revertS, detail] of refusals) {
    it(`refuses ${what}`, () => {
      expect(planPvLimitWrite(values, ratingW, powerKw, revertS)).toEqual({ ok: false, detail: expect.stringMatching(detail) });
    });
  }

  it('takes WMax from 121, else WRtg from 120, else refuses naming both', () => {
    expect(pvRatingW({ WMax: 80_000 }, { WRtg: 100_000 })).toEqual({ ok: true, watts: 80_000, source: 'model 121 WMax' });
    expect(pvRatingW({ WMax: null }, { WRtg: 100_000 })).toEqual({ ok: true, watts: 100_000, source: 'model 120 WRtg' });
    expect(pvRatingW(null, { WRtg: 100_000 })).toMatchObject({ ok: true, watts: 100_000 });
    expect(pvRatingW({ WMax: null }, null)).toEqual({ ok: false, detail: expect.stringMatching(/model 121 WMax not implemented, no model 120/) });
    expect(pvRatingW(null, { WRtg: null })).toEqual({ ok: false, detail: expect.stringMatching(/no model 121, model 120 WRtg not implemented/) });
    expect(pvRatingW({ WMax: 0 }, null)).toMatchObject({ ok: false });
  });

  it('reads the cap back in the load convention, null when no limit is enabled', () => {
    expect(pvLimitCommandKw({ WMaxLim_Ena: 1, WMaxLimPct: 40 }, 100_000)).toBe(-40);
    expect(Object.is(pvLimitCommandKw({ WMaxLim_Ena: 1, WMaxLimPct: 0 }, 100_000), 0)).toBe(true);
    expect(pvLimitCommandKw({ WMaxLim_Ena: 0, WMaxLimPct: 40 }, 100_000)).toBeNull();
    expect(pvLimitCommandKw({ WMaxLim_Ena: 1, WMaxLimPct: null }, 100_000)).toBeNull();
  });
});

describe('model 124: ChaGriSet with the charge command', () => {
  const base: PointValues = { WChaMax: 100_000, InOutWRte_SF: -1, ChaGriSet: 1 };
  const chaGriSet = at(MODEL_124, 'ChaGriSet');
  const rows: ReadonlyArray<{ what: string; v: PointValues; powerKw: number; allowed: boolean; written: number | null }> = [
    { what: 'charge, grid allowed → GRID', v: base, powerKw: 20, allowed: true, written: 1 },
    { what: 'charge, PV only → PV', v: base, powerKw: 20, allowed: false, written: 0 },
    { what: 'discharge: source left alone', v: base, powerKw: -20, allowed: false, written: null },
    { what: 'idle: source left alone', v: base, powerKw: 0, allowed: true, written: null },
    { what: 'charge on a device without ChaGriSet, grid allowed', v: { ...base, ChaGriSet: null }, powerKw: 20, allowed: true, written: null },
  ];
  for (const r of rows) {
    it(r.what, () => {
      const plan = planStorageWrite(r.v, r.powerKw, 30, r.allowed);
      if (!plan.ok) throw new Error(plan.detail);
      const g = plan.groups.find((x) => x.offset === chaGriSet);
      expect(g?.values ?? null).toEqual(r.written === null ? null : [r.written]);
      expect(plan.expectPoints).toEqual(r.written === null ? undefined : { ChaGriSet: r.written });
      expect(plan.groups.at(-1)).toEqual({ offset: at(MODEL_124, 'StorCtl_Mod'), values: [r.powerKw > 0 ? 1 : r.powerKw < 0 ? 2 : 0] });
    });
  }

  it('refuses PV-only charging on a device without ChaGriSet, naming it', () => {
    expect(planStorageWrite({ ...base, ChaGriSet: null }, 20, 30, false)).toEqual({ ok: false, detail: expect.stringMatching(/ChaGriSet is not implemented/) });
  });
});

describe('model 704: WSet signs', () => {
  const wset = at(MODEL_704, 'WSet');
  const rows: ReadonlyArray<[number, number, readonly [number, number]]> = [
    [10, 1, [0xffff, 0x10000 - 1000]], // charging 10 kW: WSet = -10 000 W, in 10 W steps
    [-25, 1, [0, 2500]], // generating 25 kW
    [-25, 0, [0, 25_000]],
  ];
  for (const [powerKw, sf, regs] of rows) {
    it(`${powerKw} kW (load convention) at WSet_SF ${sf} → WSet registers ${regs.join(', ')}`, () => {
      const plan = planWSetWrite({ WSet_SF: sf }, powerKw, 30);
      if (!plan.ok) throw new Error(plan.detail);
      const g = plan.groups.find((x) => x.offset <= wset && x.offset + x.values.length > wset);
      expect(g?.values.slice(wset - (g?.offset ?? 0), wset - (g?.offset ?? 0) + 2)).toEqual(regs);
    });
  }
});

describe('which model carries the setpoint', () => {
  const rows: ReadonlyArray<[string, 'pv' | 'battery' | 'meter', readonly number[], PowerControl, number | null]> = [
    ['PV with 123 only', 'pv', [1, 103, 123], 'auto', 123],
    ['PV with 704: preferred', 'pv', [1, 103, 121, 123, 704], 'auto', 704],
    ['PV without controls', 'pv', [1, 103], 'auto', null],
    ['battery with 124 and 704: 124 kept', 'battery', [1, 103, 124, 704], 'auto', 124],
    ['battery without 124', 'battery', [1, 103, 802, 704], 'auto', 704],
    ['battery told to use WSet', 'battery', [1, 103, 124, 704], 'wset', 704],
    ['PV told to use WSet without 704', 'pv', [1, 103, 123], 'wset', null],
    ['a meter', 'meter', [1, 203, 704], 'auto', null],
  ];
  for (const [what, kind, ids, control, want] of rows) {
    it(what, () => expect(chooseControlModel(kind, ids, control)).toBe(want));
  }
});
