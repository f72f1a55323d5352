import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/index.js';
import {
  defaultSimpleShedKw,
  initialPeakShavingState,
  obligationsFrom,
  peakShaving,
  type ControlObligations,
  type DrObligations,
} from '../../src/control/index.js';
import { VppError, type DrSignal, type Site } from '../../src/domain/index.js';
import { testBattery } from '../helpers/assets.js';
import { controlSite, imageOf, T0, type BatteryGiven } from '../helpers/control-image.js';

const site = controlSite();

describe('obligationsFrom: a defined action for every OpenADR 3 payload type', () => {
  const rows: [string, DrSignal[], number | undefined, Partial<DrObligations>][] = [
    ['IMPORT_CAPACITY_LIMIT: a cap on import', [{ type: 'IMPORT_CAPACITY_LIMIT', valueKw: 450, eventId: 'e1' }], undefined,
      { obligations: { importCapKw: 450, sources: { importCap: 'IMPORT_CAPACITY_LIMIT 450 kW (event e1)' } }, replan: false, notes: [] }],
    ['EXPORT_CAPACITY_LIMIT: a cap on export', [{ type: 'EXPORT_CAPACITY_LIMIT', valueKw: 0 }], undefined,
      { obligations: { exportCapKw: 0, sources: { exportCap: 'EXPORT_CAPACITY_LIMIT 0 kW' } }, replan: false }],
    ['DISPATCH_SETPOINT: grid power held at the value (cap and floor)', [{ type: 'DISPATCH_SETPOINT', valueKw: 300 }], undefined,
      { obligations: { importCapKw: 300, importFloorKw: 300, sources: { importCap: 'DISPATCH_SETPOINT 300 kW', importFloor: 'DISPATCH_SETPOINT 300 kW' } } }],
    ['DISPATCH_SETPOINT_RELATIVE -150: cap = baseline - 150', [{ type: 'DISPATCH_SETPOINT_RELATIVE', valueKw: -150 }], 700,
      { obligations: { importCapKw: 550, sources: { importCap: 'DISPATCH_SETPOINT_RELATIVE -150 kW against baseline 700 kW' } } }],
    ['DISPATCH_SETPOINT_RELATIVE +50: floor = baseline + 50', [{ type: 'DISPATCH_SETPOINT_RELATIVE', valueKw: 50 }], 700,
      { obligations: { importFloorKw: 750, sources: { importFloor: 'DISPATCH_SETPOINT_RELATIVE 50 kW against baseline 700 kW' } } }],
    ['SIMPLE 0: normal operation, nothing', [{ type: 'SIMPLE', level: 0 }], 700, { obligations: {}, replan: false, notes: [] }],
    ['SIMPLE 3: default 30 % of the import limit shed', [{ type: 'SIMPLE', level: 3 }], 700,
      { obligations: { importCapKw: 460, sources: { importCap: 'SIMPLE level 3 (shed 240 kW) against baseline 700 kW' } } }],
    ['PRICE: no bound, a tariff override and a re-plan', [{ type: 'PRICE', pricePerKwh: 1.8, currency: 'CNY' }], undefined,
      { obligations: {}, replan: true, tariffOverride: { pricePerKwh: 1.8, currency: 'CNY' } }],
    ['GHG: no bound, a carbon override and a re-plan', [{ type: 'GHG', gPerKwh: 620 }], undefined,
      { obligations: {}, replan: true, carbonOverride: { gPerKwh: 620 } }],
    ['several caps: the tightest wins', [
      { type: 'IMPORT_CAPACITY_LIMIT', valueKw: 500 },
      { type: 'SIMPLE', level: 1 },
      { type: 'DISPATCH_SETPOINT_RELATIVE', valueKw: -300, eventId: 'e9' },
      { type: 'EXPORT_CAPACITY_LIMIT', valueKw: 100 },
      { type: 'EXPORT_CAPACITY_LIMIT', valueKw: 50 },
    ], 700, { obligations: { importCapKw: 400, exportCapKw: 50, sources: {
      importCap: 'DISPATCH_SETPOINT_RELATIVE -300 kW against baseline 700 kW (event e9)', exportCap: 'EXPORT_CAPACITY_LIMIT 50 kW' } } }],
    ['a floor above a cap is lowered to it', [{ type: 'DISPATCH_SETPOINT', valueKw: 600 }, { type: 'IMPORT_CAPACITY_LIMIT', valueKw: 450 }], undefined,
      { obligations: { importCapKw: 450, importFloorKw: 450, sources: { importCap: 'IMPORT_CAPACITY_LIMIT 450 kW', importFloor: 'DISPATCH_SETPOINT 600 kW, capped by IMPORT_CAPACITY_LIMIT 450 kW' } },
        notes: ['import floor 600 kW (DISPATCH_SETPOINT 600 kW) lowered to the import cap 450 kW (IMPORT_CAPACITY_LIMIT 450 kW): the tightest cap wins'] }],
    ['two prices: plan with the dearer', [{ type: 'PRICE', pricePerKwh: 0.3 }, { type: 'PRICE', pricePerKwh: 1.1 }, { type: 'GHG', gPerKwh: 500 }], undefined,
      { replan: true, tariffOverride: { pricePerKwh: 1.1 }, carbonOverride: { gPerKwh: 500 } }],
  ];
  it.each(rows)('%s', (_name, signals, baselineKw, want) => {
    expect(obligationsFrom(signals, site, baselineKw)).toMatchObject(want);
  });

  it('a site-configured SIMPLE shed replaces the default', () => {
    const s: Site = { ...site, simpleShedKw: [0, 50, 100, 200] };
    expect(defaultSimpleShedKw(site)).toEqual([0, 80, 160, 240]);
    expect(obligationsFrom([{ type: 'SIMPLE', level: 2 }], s, 700).obligations.importCapKw).toBe(600);
    expect(obligationsFrom([{ type: 'SIMPLE', level: 2 }], s, 700, [0, 10, 20, 30]).obligations.importCapKw).toBe(680);
  });

  it('a shed with no (or a NaN) baseline is not applied against 0: it is reported', () => {
    for (const baseline of [undefined, Number.NaN]) {
      const r = obligationsFrom([{ type: 'SIMPLE', level: 2 }, { type: 'DISPATCH_SETPOINT_RELATIVE', valueKw: -50 }], site, baseline);
      expect(r.obligations).toEqual({});
      expect(r.notes).toEqual([
        `signals[0]: SIMPLE level 2 (shed 160 kW) not applied: no baseline (got ${String(baseline)})`,
        `signals[1]: DISPATCH_SETPOINT_RELATIVE -50 kW not applied: no baseline (got ${String(baseline)})`,
      ]);
    }
  });

  const bad: [string, DrSignal[], readonly number[] | undefined, RegExp][] = [
    ['negative capacity limit', [{ type: 'IMPORT_CAPACITY_LIMIT', valueKw: -5 }], undefined, /signals\[0\]\.valueKw must be a finite number >= 0 for IMPORT_CAPACITY_LIMIT, got -5/],
    ['NaN setpoint', [{ type: 'PRICE', pricePerKwh: 1 }, { type: 'DISPATCH_SETPOINT', valueKw: Number.NaN }], undefined, /signals\[1\]\.valueKw must be a finite number for DISPATCH_SETPOINT, got null/],
    ['SIMPLE level 4', [{ type: 'SIMPLE', level: 4 as 3 }], undefined, /signals\[0\]\.level must be one of 0, 1, 2, 3 for SIMPLE, got 4/],
    ['negative GHG', [{ type: 'GHG', gPerKwh: -1 }], undefined, /signals\[0\]\.gPerKwh must be a finite number >= 0, got -1/],
    ['unknown type', [{ type: 'CURVE' } as unknown as DrSignal], undefined, /signals\[0\]\.type must be an OpenADR payload type this controller accepts, got "CURVE"/],
    ['shed table not rising', [], [0, 50, 40, 60], /simpleShedKw\[2\] must be >= simpleShedKw\[1\] \(50\), got 40/],
    ['shed at level 0', [], [5, 50, 60, 70], /simpleShedKw\[0\] must be 0 \(level 0 is normal operation\), got 5/],
  ];
  it.each(bad)('rejects %s, naming the field', (_name, signals, shed, message) => {
    const run = (): DrObligations => obligationsFrom(signals, site, 700, shed);
    expect(run).toThrow(VppError);
    expect(run).toThrow(message);
  });
});

interface Row {
  readonly gridKw: number;
  readonly batteries: Readonly<Record<string, BatteryGiven>>;
  /** kW per battery that gets a setpoint; a battery not listed must get none. */
  readonly expect: Readonly<Record<string, number>>;
  readonly reasons?: Readonly<Record<string, RegExp>>;
  readonly notes?: RegExp;
}

/** Rows in order through one controller state, one 1 s cycle each, under the signals' obligations. */
function runCycles(s: Site, signals: DrSignal[], baselineKw: number | undefined, rows: readonly Row[]): void {
  const { obligations } = obligationsFrom(signals, s, baselineKw);
  let state = initialPeakShavingState;
  rows.forEach((row, i) => {
    const nowMs = T0 + i * 1000;
    const out = peakShaving(imageOf(s, row.gridKw, row.batteries, nowMs, obligations), nowMs, state);
    const got = Object.fromEntries(out.setpoints.map((sp) => [sp.assetId, sp.powerKw]));
    expect(Object.keys(got).sort(), `cycle ${i}: which batteries`).toEqual(Object.keys(row.expect).sort());
    for (const [id, kw] of Object.entries(row.expect)) expect(got[id], `cycle ${i}: ${id} kW`).toBeCloseTo(kw, 2);
    for (const [id, re] of Object.entries(row.reasons ?? {})) {
      expect(out.setpoints.find((sp) => sp.assetId === id)?.reason, `cycle ${i}: ${id} reason`).toMatch(re);
    }
    if (row.notes !== undefined) expect((out.notes ?? []).join('\n'), `cycle ${i}: notes`).toMatch(row.notes);
    state = out.state;
  });
}

const bess = (powerKw: number, socPct: number): Record<string, BatteryGiven> => ({ bess: { powerKw, socPct } });

describe('peakShaving under DR obligations, cycle by cycle', () => {
  it('IMPORT_CAPACITY_LIMIT: discharges to the cap, holds it, never recharges over it', () => {
    runCycles(controlSite({ peakTargetKw: 600 }), [{ type: 'IMPORT_CAPACITY_LIMIT', valueKw: 450, eventId: 'e1' }], undefined, [
      { gridKw: 520, batteries: bess(0, 60), expect: { bess: -70 },
        reasons: { bess: /^dr: import cap: import 520\.0 kW > cap 450 kW \(IMPORT_CAPACITY_LIMIT 450 kW \(event e1\)\)$/ } },
      { gridKw: 450, batteries: bess(-70, 60), expect: { bess: -70 } },
      // Recharge wants 600 but the DR cap is the ceiling now.
      { gridKw: 300, batteries: bess(0, 60), expect: { bess: 150 },
        reasons: { bess: /^recharge: import 300\.0 kW < 600 kW; limited by dr import cap 450 kW \(IMPORT_CAPACITY_LIMIT 450 kW \(event e1\)\)$/ } },
      // The cap never takes a battery below its SoC floor.
      { gridKw: 700, batteries: bess(0, 10), expect: { bess: 0 }, reasons: { bess: /^safety: soc floor 10\.0 % <= 10 % \(dr: import cap/ } },
    ]);
  });

  it('EXPORT_CAPACITY_LIMIT: charges to absorb export beyond the cap; no discharge into export past it', () => {
    runCycles(controlSite(), [{ type: 'EXPORT_CAPACITY_LIMIT', valueKw: 0 }], undefined, [
      { gridKw: -120, batteries: bess(0, 60), expect: { bess: 120 }, reasons: { bess: /^dr: export cap: export 120\.0 kW > cap 0 kW/ } },
      { gridKw: 0, batteries: bess(120, 60), expect: { bess: 120 } },
      // Charging stops at the SoC ceiling whatever the cap: export it is (the guard is the battery).
      { gridKw: -120, batteries: bess(0, 95), expect: { bess: 0 }, reasons: { bess: /^safety: soc ceiling/ } },
    ]);
    runCycles(controlSite({ peakTargetKw: -100 }), [{ type: 'EXPORT_CAPACITY_LIMIT', valueKw: 0 }], undefined, [
      { gridKw: 100, batteries: bess(0, 60), expect: { bess: -100 }, reasons: { bess: /^peak-shaving: .*; limited by dr export cap 0 kW/ } },
    ]);
  });

  it('DISPATCH_SETPOINT: holds the grid power at the value from both sides, within battery and site limits', () => {
    runCycles(controlSite(), [{ type: 'DISPATCH_SETPOINT', valueKw: 300 }], undefined, [
      { gridKw: 500, batteries: bess(0, 60), expect: { bess: -200 }, reasons: { bess: /^dr: import cap: import 500\.0 kW > cap 300 kW \(DISPATCH_SETPOINT 300 kW\)$/ } },
      { gridKw: 250, batteries: bess(0, 60), expect: { bess: 50 }, reasons: { bess: /^dr: import floor: import 250\.0 kW < floor 300 kW \(DISPATCH_SETPOINT 300 kW\)$/ } },
      { gridKw: 250, batteries: bess(0, 95), expect: { bess: 0 }, reasons: { bess: /^safety: soc ceiling/ } },
      { gridKw: 900, batteries: bess(0, 60), expect: { bess: -250 }, reasons: { bess: /limited by battery discharge power 250\.0 kW$/ } },
    ]);
    // With a peak target above the setpoint, recharging would go further: the setpoint caps it.
    runCycles(controlSite({ peakTargetKw: 600 }), [{ type: 'DISPATCH_SETPOINT', valueKw: 300 }], undefined, [
      { gridKw: 250, batteries: bess(0, 60), expect: { bess: 50 }, reasons: { bess: /^recharge: .*; limited by dr import cap 300 kW \(DISPATCH_SETPOINT 300 kW\)$/ } },
      { gridKw: 500, batteries: bess(0, 60), expect: { bess: -200 }, reasons: { bess: /^dr: import cap/ } },
    ]);
    // Asked to export 300 on a site that may export 200: the hard limit wins.
    runCycles(controlSite(), [{ type: 'DISPATCH_SETPOINT', valueKw: -300 }], undefined, [
      { gridKw: 0, batteries: bess(0, 60), expect: { bess: -200 }, reasons: { bess: /^dr: import cap: .*; limited by grid export limit 200 kW$/ } },
    ]);
    // A floor above the import limit fills only up to the limit.
    runCycles(controlSite({ gridImportLimitKw: 400 }), [{ type: 'DISPATCH_SETPOINT', valueKw: 600 }], undefined, [
      { gridKw: 300, batteries: bess(0, 60), expect: { bess: 100 }, reasons: { bess: /^dr: import floor/ } },
      { gridKw: 390, batteries: bess(0, 60), expect: { bess: 10 } },
    ]);
  });

  it('DISPATCH_SETPOINT_RELATIVE and SIMPLE shed against the baseline', () => {
    runCycles(controlSite(), [{ type: 'DISPATCH_SETPOINT_RELATIVE', valueKw: -150 }], 700, [
      { gridKw: 700, batteries: bess(0, 60), expect: { bess: -150 }, reasons: { bess: /^dr: import cap: import 700\.0 kW > cap 550 kW/ } },
    ]);
    runCycles(controlSite(), [{ type: 'SIMPLE', level: 3 }], 700, [
      { gridKw: 700, batteries: bess(0, 60), expect: { bess: -240 }, reasons: { bess: /cap 460 kW \(SIMPLE level 3 \(shed 240 kW\) against baseline 700 kW\)/ } },
    ]);
    runCycles(controlSite({ simpleShedKw: [0, 30, 60, 90] }), [{ type: 'SIMPLE', level: 1 }], 700, [
      { gridKw: 700, batteries: bess(0, 60), expect: { bess: -30 } },
    ]);
  });

  it('PRICE and GHG change no setpoint in the cycle: they go to the planner', () => {
    const s = controlSite({ peakTargetKw: 600 });
    const r = obligationsFrom([{ type: 'PRICE', pricePerKwh: 2 }, { type: 'GHG', gPerKwh: 700 }], s);
    expect(r.obligations).toEqual({});
    runCycles(s, [{ type: 'PRICE', pricePerKwh: 2 }], undefined, [
      { gridKw: 652, batteries: bess(0, 60), expect: { bess: -52 }, reasons: { bess: /^peak-shaving/ } },
      { gridKw: 600, batteries: bess(0, 60), expect: { bess: 0 }, reasons: { bess: /^idle/ } },
    ]);
  });

  it('several at once: the tightest cap and the floor under it', () => {
    runCycles(controlSite(), [{ type: 'IMPORT_CAPACITY_LIMIT', valueKw: 500 }, { type: 'DISPATCH_SETPOINT', valueKw: 550 }], undefined, [
      { gridKw: 480, batteries: bess(0, 60), expect: { bess: 20 }, reasons: { bess: /^dr: import floor: import 480\.0 kW < floor 500 kW/ } },
      { gridKw: 560, batteries: bess(0, 60), expect: { bess: -60 }, reasons: { bess: /^dr: import cap: import 560\.0 kW > cap 500 kW \(IMPORT_CAPACITY_LIMIT 500 kW\)$/ } },
    ]);
  });

  it('a stale battery is dropped in the first stale cycle and the other takes over', () => {
    const two = controlSite({}, [testBattery('b1'), testBattery('b2')]);
    const loadKw = 650;
    runCycles(two, [{ type: 'IMPORT_CAPACITY_LIMIT', valueKw: 450 }], undefined, [
      { gridKw: loadKw, batteries: { b1: { powerKw: 0, socPct: 60 }, b2: { powerKw: 0, socPct: 60 } }, expect: { b1: -100, b2: -100 } },
      // b1's link is lost while it still runs its last setpoint (its device holds it until the revert timer).
      { gridKw: loadKw - 200, batteries: { b1: 'stale', b2: { powerKw: -100, socPct: 60 } }, expect: { b2: -100 },
        notes: /b1: unavailable \(powerKw stale, socPct stale\): no setpoint/ },
      // b1's revert timer took it to 0: the meter shows it, b2 carries the whole shed.
      { gridKw: loadKw - 100, batteries: { b1: 'stale', b2: { powerKw: -100, socPct: 60 } }, expect: { b2: -200 } },
    ]);
  });
});

describe('no limit broken under random obligations, over 2000 seeded cycles', () => {
  it('holds battery, SoC, site and DR bounds, and meets the cap whenever the batteries can', () => {
    let seed = 7;
    const rnd = (lo: number, hi: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return lo + ((hi - lo) * seed) / 2 ** 31;
    };
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd(0, xs.length))] as T;
    const limits = { b1: testBattery('b1', { capacityKwh: 200, maxDischargeKw: 100 }), b2: testBattery('b2') };
    let state = initialPeakShavingState;
    for (let i = 0; i < 2000; i++) {
      const s = controlSite(
        { gridImportLimitKw: rnd(200, 1000), ...(rnd(0, 1) < 0.7 ? { peakTargetKw: rnd(-300, 900) } : {}) },
        Object.values(limits),
      );
      const signals: DrSignal[] = [];
      const n = Math.floor(rnd(0, 4));
      for (let k = 0; k < n; k++) {
        const type = pick(['IMPORT_CAPACITY_LIMIT', 'EXPORT_CAPACITY_LIMIT', 'DISPATCH_SETPOINT', 'DISPATCH_SETPOINT_RELATIVE', 'SIMPLE', 'PRICE'] as const);
        if (type === 'SIMPLE') signals.push({ type, level: pick([0, 1, 2, 3] as const) });
        else if (type === 'PRICE') signals.push({ type, pricePerKwh: rnd(-1, 3) });
        else if (type === 'DISPATCH_SETPOINT' || type === 'DISPATCH_SETPOINT_RELATIVE') signals.push({ type, valueKw: rnd(-400, 900) });
        else signals.push({ type, valueKw: rnd(0, 900) });
      }
      const ob: ControlObligations = obligationsFrom(signals, s, rnd(0, 1) < 0.8 ? rnd(0, 1000) : undefined).obligations;
      const given = { b1: { powerKw: rnd(-100, 250), socPct: rnd(5, 100) }, b2: { powerKw: rnd(-250, 250), socPct: rnd(5, 100) } };
      const gridKw = rnd(-400, 1200);
      const netKw = gridKw - given.b1.powerKw - given.b2.powerKw;
      const out = peakShaving(imageOf(s, gridKw, given, T0 + i * 1000, ob), T0 + i * 1000, state);

      const hardFloorKw = -200;
      const ceilKw = Math.max(Math.min(s.gridImportLimitKw, ob.importCapKw ?? Infinity), hardFloorKw);
      const floorKw = Math.min(Math.max(hardFloorKw, -(ob.exportCapKw ?? Infinity), ob.importFloorKw ?? -Infinity), ceilKw);
      let total = 0;
      let dischargeRoomKw = 0;
      for (const id of ['b1', 'b2'] as const) {
        if (given[id].socPct > limits[id].minSocPct) dischargeRoomKw += limits[id].maxDischargeKw;
      }
      for (const sp of out.setpoints) {
        const a = limits[sp.assetId as 'b1' | 'b2'];
        const soc = given[sp.assetId as 'b1' | 'b2'].socPct;
        const at = `cycle ${i} ${sp.assetId}`;
        expect(sp.powerKw, at).toBeGreaterThanOrEqual(-a.maxDischargeKw);
        expect(sp.powerKw, at).toBeLessThanOrEqual(a.maxChargeKw);
        if (soc <= a.minSocPct) expect(sp.powerKw, at).toBeGreaterThanOrEqual(0);
        if (soc >= a.maxSocPct) expect(sp.powerKw, at).toBeLessThanOrEqual(0);
        total += sp.powerKw;
      }
      // Charging never lifts import over the ceiling; discharging never pushes it under the floor.
      if (total > 0) expect(netKw + total, `cycle ${i}`).toBeLessThanOrEqual(Math.max(netKw, ceilKw) + 1e-6);
      if (total < 0) expect(netKw + total, `cycle ${i}`).toBeGreaterThanOrEqual(Math.min(netKw, floorKw) - 1e-6);
      // Over the ceiling: back under it (within the 0.5 kW deadband), unless the batteries give all they have.
      if (netKw > ceilKw + 1) {
        const met = netKw + total <= ceilKw + 0.5 + 1e-6;
        expect(met || -total >= dischargeRoomKw - 0.01, `cycle ${i}: net ${netKw}, ceiling ${ceilKw}, total ${total}`).toBe(true);
      }
      state = out.state;
    }
  });
});

describe('simpleShedKw in the config file', () => {
  const yaml = (shed: string): string => `
sites:
  - id: plant-1
    timezone: Asia/Shanghai
    gridImportLimitKw: 800
    ${shed}
    assets:
      - {id: grid, type: meter, binding: "modbus://127.0.0.1:1502/1"}
`;
  it('is optional, and carried to the Site when given', () => {
    expect(parseConfig(yaml(''), 'site.yaml').sites[0]?.site).not.toHaveProperty('simpleShedKw');
    expect(parseConfig(yaml('simpleShedKw: [0, 40, 80, 160]'), 'site.yaml').sites[0]?.site.simpleShedKw).toEqual([0, 40, 80, 160]);
  });
  it.each([
    ['[5, 40, 80, 160]', /sites\[0\]\.simpleShedKw\[0\].*must be 0 \(level 0 is normal operation\), got 5/],
    ['[0, 80, 40, 160]', /sites\[0\]\.simpleShedKw\[2\].*must be >= sites\[0\]\.simpleShedKw\[1\] \(80\), got 40/],
    ['[0, 40, 80]', /sites\[0\]\.simpleShedKw/],
    ['[0, -1, 80, 90]', /sites\[0\]\.simpleShedKw\[1\]/],
  ])('rejects simpleShedKw: %s, naming the entry', (shed, message) => {
    let caught: unknown;
    try {
      parseConfig(yaml(`simpleShedKw: ${shed}`), 'site.yaml');
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).lines().join('\n')).toMatch(message);
  });
});
