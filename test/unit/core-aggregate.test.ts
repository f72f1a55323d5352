import { describe, expect, it } from 'vitest';
import { FLEXIBILITY_HORIZON_S, summariseSite } from '../../src/core/index.js';
import {
  VppError,
  type Asset,
  type AssetState,
  type BatteryAsset,
  type Metric,
  type Reading,
  type Site,
} from '../../src/domain/index.js';
import { assetsById } from '../../src/core/index.js';
import { testBattery } from '../helpers/assets.js';

const NOW = 1_000_000;
const base = { binding: 'modbus://127.0.0.1:1/1', staleAfterS: 60, pollIntervalS: 1 };
const meter = (id: string): Asset => ({ ...base, id, kind: 'meter' });
const pv = (id: string): Asset => ({ ...base, id, kind: 'pv', kwp: 400 });
const load = (id: string): Asset => ({ ...base, id, kind: 'load' });
const battery = (id: string, over: Partial<BatteryAsset> = {}): BatteryAsset => testBattery(id, { staleAfterS: 60, ...over });
const site = (...assets: Asset[]): Site => ({
  id: 's',
  name: 'S',
  timezone: 'Asia/Shanghai',
  gridImportLimitKw: 800,
  assets,
});

const g = (value: number, atMs = NOW - 1000): Reading => ({ value, quality: 'good', atMs });
const stale = (value: number, atMs = NOW - 90_000): Reading => ({ value, quality: 'stale', atMs });
const bad = (atMs = NOW - 500): Reading => ({ value: null, quality: 'bad', atMs });

/** An asset state as assetState$ would build it (availability: power, and SoC for batteries). */
function st(asset: Asset, readings: Partial<Record<Metric, Reading>>): AssetState {
  const need: Metric[] = asset.kind === 'battery' ? ['powerKw', 'socPct'] : ['powerKw'];
  return {
    assetId: asset.id,
    kind: asset.kind,
    readings,
    available: need.every((m) => readings[m]?.quality === 'good'),
  };
}
function states(...list: AssetState[]): Record<string, AssetState> {
  return Object.fromEntries(list.map((s) => [s.assetId, s]));
}

const M = meter('m');
const P = pv('pv');
const B = battery('b');
const L = load('l');

describe('summariseSite: aggregates and quality', () => {
  const rows: {
    name: string;
    site: Site;
    states: Record<string, AssetState>;
    expect: Partial<Record<'grid' | 'load' | 'pv' | 'battery' | 'soc', Reading | undefined>>;
  }[] = [
    {
      name: 'all good: load = grid − pv − battery',
      site: site(M, P, B),
      states: states(st(M, { powerKw: g(300) }), st(P, { powerKw: g(-100) }), st(B, { powerKw: g(50), socPct: g(60) })),
      expect: { grid: g(300), pv: g(-100), battery: g(50), load: g(350), soc: g(60) },
    },
    {
      name: 'stale pv: derived load keeps the value for display but is stale, grid stays good',
      site: site(M, P, B),
      states: states(
        st(M, { powerKw: g(300) }),
        st(P, { powerKw: stale(-100) }),
        st(B, { powerKw: g(50), socPct: g(60) }),
      ),
      expect: { grid: g(300), pv: stale(-100), load: stale(350, NOW - 90_000) },
    },
    {
      name: 'bad pv: derived load is bad with null, never a partial sum',
      site: site(M, P, B),
      states: states(st(M, { powerKw: g(300) }), st(P, { powerKw: bad() }), st(B, { powerKw: g(50), socPct: g(60) })),
      expect: { grid: g(300), pv: bad(), load: { value: null, quality: 'bad', atMs: NOW - 1000 } },
    },
    {
      name: 'battery never reported: battery and load are bad, SoC bad',
      site: site(M, B),
      states: states(st(M, { powerKw: g(300) }), st(B, {})),
      expect: {
        grid: g(300),
        battery: bad(NOW),
        soc: bad(NOW),
        load: { value: null, quality: 'bad', atMs: NOW - 1000 },
      },
    },
    {
      name: 'two meters sum; one stale makes the grid stale',
      site: site(M, meter('m2')),
      states: states(st(M, { powerKw: g(300) }), st(meter('m2'), { powerKw: stale(120) })),
      expect: { grid: stale(420), load: stale(420) },
    },
    {
      name: 'no meter but a load asset: grid = load + pv + battery',
      site: site(L, P, B),
      states: states(st(L, { powerKw: g(400) }), st(P, { powerKw: g(-150) }), st(B, { powerKw: g(-50), socPct: g(50) })),
      expect: { grid: g(200), load: g(400) },
    },
    {
      name: 'no meter, no load asset: grid is bad (unmetered load unknown), no load',
      site: site(P),
      states: states(st(P, { powerKw: g(-150) })),
      expect: { grid: bad(NOW), load: undefined, pv: g(-150), battery: undefined, soc: undefined },
    },
    {
      name: 'SoC is capacity-weighted: (100×80 + 300×40) / 400 = 50',
      site: site(M, battery('b1', { capacityKwh: 100 }), battery('b2', { capacityKwh: 300 })),
      states: states(
        st(M, { powerKw: g(0) }),
        st(battery('b1'), { powerKw: g(10), socPct: g(80) }),
        st(battery('b2'), { powerKw: g(-30), socPct: g(40) }),
      ),
      expect: { soc: g(50), battery: g(-20), load: g(20) },
    },
    {
      name: 'one battery with bad SoC makes the site SoC bad',
      site: site(M, battery('b1'), battery('b2')),
      states: states(
        st(M, { powerKw: g(0) }),
        st(battery('b1'), { powerKw: g(0), socPct: bad() }),
        st(battery('b2'), { powerKw: g(0), socPct: g(40) }),
      ),
      expect: { soc: { value: null, quality: 'bad', atMs: NOW - 1000 } },
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const s = summariseSite(row.site, row.states, NOW);
      const actual = { grid: s.gridPowerKw, load: s.loadPowerKw, pv: s.pvPowerKw, battery: s.batteryPowerKw, soc: s.batterySocPct };
      for (const [key, want] of Object.entries(row.expect)) {
        expect(actual[key as keyof typeof actual], key).toEqual(want);
      }
      expect(JSON.parse(JSON.stringify(s))).toStrictEqual(s);
    });
  }
});

describe('summariseSite: flexibility envelope (numbers by hand)', () => {
  // 500 kWh, 250/250 kW, floor 10 %, ceiling 95 %, η 0.95 both ways.
  const rows: { name: string; batteries: [BatteryAsset, Partial<Record<Metric, Reading>>][]; expect: object }[] = [
    {
      name: 'one battery at 60 % charging 50 kW',
      batteries: [[B, { powerKw: g(50), socPct: g(60) }]],
      // above floor 0.50×500 = 250 kWh: decrease 250 + 50 = 300 kW for 250×0.95/250 h = 3420 s
      // below ceiling 0.35×500 = 175 kWh: increase 250 − 50 = 200 kW for 175/(250×0.95) h = 2652.63 s
      expect: { decreaseKw: 300, decreaseDurationS: 3420, increaseKw: 200, increaseDurationS: (175 / 237.5) * 3600 },
    },
    {
      name: 'two batteries: powers add, the duration is the first to run out',
      batteries: [
        [battery('b1'), { powerKw: g(-100), socPct: g(60) }],
        [battery('b2', { capacityKwh: 100 }), { powerKw: g(0), socPct: g(30) }],
      ],
      // b1: dec 150, 3420 s; inc 350, 2652.63 s. b2: 20 kWh above floor → 20×0.95/250 h = 273.6 s;
      // 65 kWh below ceiling → 65/237.5 h = 985.26 s.
      expect: { decreaseKw: 400, decreaseDurationS: 273.6, increaseKw: 600, increaseDurationS: (65 / 237.5) * 3600 },
    },
    {
      name: 'at the floor and charging: only stopping the charge, held for the horizon',
      batteries: [[B, { powerKw: g(30), socPct: g(10) }]],
      expect: { decreaseKw: 30, decreaseDurationS: FLEXIBILITY_HORIZON_S, increaseKw: 220 },
    },
    {
      name: 'at the ceiling and idle: no increase at all',
      batteries: [[B, { powerKw: g(0), socPct: g(95) }]],
      expect: { increaseKw: 0, increaseDurationS: 0, decreaseKw: 250 },
    },
    {
      name: 'BMS limit narrows the rated power',
      batteries: [[B, { powerKw: g(0), socPct: g(60), availableDischargeKw: g(100) }]],
      expect: { decreaseKw: 100, decreaseDurationS: ((250 * 0.95) / 100) * 3600 },
    },
    {
      name: 'unavailable battery (stale SoC) offers nothing',
      batteries: [[B, { powerKw: g(0), socPct: stale(60) }]],
      expect: { decreaseKw: 0, decreaseDurationS: 0, increaseKw: 0, increaseDurationS: 0 },
    },
  ];
  for (const row of rows) {
    it(row.name, () => {
      const assets = row.batteries.map(([a]) => a);
      const s = summariseSite(
        site(M, ...assets),
        states(st(M, { powerKw: g(100) }), ...row.batteries.map(([a, r]) => st(a, r))),
        NOW,
      );
      for (const [key, want] of Object.entries(row.expect)) {
        expect(s.flexibility[key as keyof typeof s.flexibility], key).toBeCloseTo(want as number, 6);
      }
    });
  }
});

describe('assetsById', () => {
  it('rejects a duplicate asset id, naming it', () => {
    expect(() => assetsById(site(M, meter('m')))).toThrow(/assets\[\]\.id must be unique, got "m"/);
    expect(() => assetsById(site(M, meter('m')))).toThrow(VppError);
  });
});
