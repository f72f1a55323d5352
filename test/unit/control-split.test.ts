import { describe, expect, it } from 'vitest';
import { initialPeakShavingState, peakShaving, splitByWeight, type SplitPart } from '../../src/control/index.js';
import type { BatteryAsset } from '../../src/domain/index.js';
import { testBattery } from '../helpers/assets.js';
import { controlSite, imageOf, T0 } from '../helpers/control-image.js';

describe('splitByWeight: by available flexibility, water-filling past capped parts', () => {
  const p = (id: string, limitKw: number, weight: number): SplitPart => ({ id, limitKw, weight });
  const rows: [string, number, SplitPart[], Record<string, number>][] = [
    ['in proportion to the weights', 100, [p('a', 250, 250), p('b', 250, 100)], { a: (100 * 250) / 350, b: (100 * 100) / 350 }],
    ['a capped part passes the rest on', 400, [p('a', 250, 250), p('b', 250, 100)], { a: 250, b: 150 }],
    ['more than all can take: every part at its limit', 900, [p('a', 250, 1), p('b', 100, 1)], { a: 250, b: 100 }],
    ['a part with no room (SoC bound) gets nothing', 100, [p('a', 0, 500), p('b', 250, 10)], { a: 0, b: 100 }],
    ['three parts, two capped in turn', 300, [p('a', 50, 100), p('b', 100, 100), p('c', 500, 100)], { a: 50, b: 100, c: 150 }],
    ['nothing asked, nothing given', 0, [p('a', 250, 1)], { a: 0 }],
    ['a negative total gives nothing (directions are the caller\u2019s)', -50, [p('a', 250, 1)], { a: 0 }],
    ['all weights 0: equal shares', 100, [p('a', 250, 0), p('b', 250, 0)], { a: 50, b: 50 }],
  ];
  it.each(rows)('%s', (_name, totalKw, parts, want) => {
    const got = splitByWeight(totalKw, parts);
    for (const [id, kw] of Object.entries(want)) expect(got.get(id), id).toBeCloseTo(kw, 9);
    const sum = [...got.values()].reduce((a, v) => a + v, 0);
    expect(sum).toBeCloseTo(Math.min(Math.max(0, totalKw), parts.reduce((a, x) => a + x.limitKw, 0)), 9);
  });
});

/**
 * Closed loop over simulated minutes: peakShaving decides, the batteries follow within the
 * minute (CONTRACTS.md physics), SoC moves. Returns SoC per battery after each step.
 */
function simulate(bs: readonly BatteryAsset[], socPct: Record<string, number>, loadKw: number, site: ReturnType<typeof controlSite>, steps: number): Record<string, number>[] {
  const soc = { ...socPct };
  const power: Record<string, number> = Object.fromEntries(bs.map((b) => [b.id, 0]));
  let state = initialPeakShavingState;
  const out: Record<string, number>[] = [];
  for (let i = 0; i < steps; i++) {
    const gridKw = loadKw + Object.values(power).reduce((a, v) => a + v, 0);
    const given = Object.fromEntries(bs.map((b) => [b.id, { powerKw: power[b.id] ?? 0, socPct: soc[b.id] ?? 0 }]));
    const r = peakShaving(imageOf(site, gridKw, given, T0 + i * 60_000), T0 + i * 60_000, state);
    state = r.state;
    for (const b of bs) {
      const kw = r.setpoints.find((sp) => sp.assetId === b.id)?.powerKw ?? 0;
      power[b.id] = kw;
      const storedKwh = (kw >= 0 ? kw * b.chargeEfficiency : kw / b.dischargeEfficiency) / 60;
      soc[b.id] = Math.min(b.maxSocPct, Math.max(b.minSocPct, (soc[b.id] ?? 0) + (storedKwh / b.capacityKwh) * 100));
    }
    out.push({ ...soc });
  }
  return out;
}

describe('peak shaving keeps batteries of different sizes SoC-balanced', () => {
  const small = testBattery('small', { capacityKwh: 200, maxChargeKw: 100, maxDischargeKw: 100 });
  const big = testBattery('big');
  const site = controlSite({ peakTargetKw: 600, rechargeBelowKw: 250, gridExportLimitKw: undefined }, [small, big]);

  it('discharging: the fuller one gives more, the SoC gap only closes, both reach the floor together', () => {
    const path = simulate([small, big], { small: 80, big: 40 }, 750, site, 180);
    let gap = 40;
    for (const [i, s] of path.entries()) {
      const sm = s.small ?? Number.NaN;
      const bg = s.big ?? Number.NaN;
      expect(Math.abs(sm - bg), `minute ${i}`).toBeLessThanOrEqual(gap + 1e-9);
      gap = Math.abs(sm - bg);
      // Shares in proportion to energy above the floor keep the ratio of those energies (70:30
      // in SoC points here): each battery spends the same fraction of what it has left.
      if (bg > big.minSocPct + 1) expect((sm - small.minSocPct) / (bg - big.minSocPct), `minute ${i}`).toBeCloseTo(70 / 30, 1);
    }
    const firstAtFloor = path.findIndex((s) => (s.small ?? 100) <= small.minSocPct + 0.5 || (s.big ?? 100) <= big.minSocPct + 0.5);
    expect(firstAtFloor).toBeGreaterThan(60);
    const at = path[firstAtFloor] ?? {};
    expect(Math.abs((at.small ?? 0) - (at.big ?? 0))).toBeLessThan(1);
  });

  it('charging: the emptier one takes more, and both reach the ceiling together', () => {
    const path = simulate([small, big], { small: 20, big: 50 }, 100, site, 400);
    let gap = 30;
    for (const [i, s] of path.entries()) {
      const g = Math.abs((s.small ?? 0) - (s.big ?? 0));
      expect(g, `minute ${i}`).toBeLessThanOrEqual(gap + 1e-9);
      gap = g;
    }
    const firstFull = path.findIndex((s) => (s.small ?? 0) >= small.maxSocPct - 0.5 || (s.big ?? 0) >= big.maxSocPct - 0.5);
    expect(firstFull).toBeGreaterThan(60);
    const at = path[firstFull] ?? {};
    expect(Math.abs((at.small ?? 0) - (at.big ?? 0))).toBeLessThan(1);
  });
});
