import { describe, expect, it } from 'vitest';
import {
  BatteryModel,
  EvChargerModel,
  HvacModel,
  LoadModel,
  PvModel,
  SeededRandom,
  SitePhysics,
  loadBdewProfile,
  loadTmy3Weather,
} from '../../simulators/models/index.js';

const TZ = 'Asia/Shanghai';
const START = Date.parse('2025-01-01T00:00:00+08:00');
const SEED = 20250101;

/**
 * A year of one site with every kind of asset. Step: 60 s (525 600 steps, measured 2.2 s on the
 * shared 2-core box), the scenario default, so the year runs at the resolution replays use.
 */
describe('a simulated year', () => {
  it('closes the energy balance to 1e-9 and keeps SoC within bounds', () => {
    const weather = loadTmy3Weather('tmy3-723170');
    const load = new LoadModel({
      id: 'base', timezone: TZ, startMs: START, profile: { bdew: loadBdewProfile('g25'), annualKwh: 600_000 },
      noise: { pct: 5, seed: SEED }, steps: [{ at: START + 30 * 86_400_000, deltaKw: 40, durationS: 90 * 86_400 }],
    });
    const pv = new PvModel({ id: 'roof', timezone: TZ, startMs: START, kwp: 250, acKw: 200, weather });
    const bess = new BatteryModel({
      id: 'bess', startMs: START, capacityKwh: 500, maxChargeKw: 250, maxDischargeKw: 250, socPct: 60, minSocPct: 10,
      maxSocPct: 95, chargeEfficiency: 0.95, dischargeEfficiency: 0.93, taperPct: 5, fallback: { kind: 'limitPct', pct: 20 },
      responseDelayS: 1, rampKwPerS: 25,
    });
    const hvac = new HvacModel({ id: 'chiller', timezone: TZ, startMs: START, ratedKw: 40, setpointC: 24, weather, internalGainsKw: 10 });
    const ev = new EvChargerModel({ id: 'ev-1', timezone: TZ, startMs: START, maxKw: 22, arrives: '08:30', departs: '17:30', energyNeededKwh: 40 });
    const site = new SitePhysics(START, [load, pv, bess, hvac, ev], { measurementLagS: 2 });
    const rnd = SeededRandom.forAsset(SEED, 'controller');
    const stepS = 60;
    const steps = (365 * 86_400) / stepS;
    const startStoredKwh = bess.energyStoredKwh();
    let minSoc = Infinity;
    let maxSoc = -Infinity;
    const t0 = performance.now();
    for (let i = 0; i < steps; i++) {
      if (i % 15 === 0) bess.command(rnd.between(-300, 300), rnd.next() < 0.1 ? 300 : null);
      if (i % 240 === 0) hvac.setSetpoint(rnd.next() < 0.2 ? 26 : 24);
      if (i % 60 === 0) ev.setCurrentA(rnd.next() < 0.3 ? 0 : 16);
      site.step(stepS);
      const soc = bess.socPct();
      if (soc < minSoc) minSoc = soc;
      if (soc > maxSoc) maxSoc = soc;
    }
    const wallMs = performance.now() - t0;

    expect(minSoc).toBeGreaterThanOrEqual(10);
    expect(maxSoc).toBeLessThanOrEqual(95);
    const assetKwh = [
      load.energyImportKwh(),
      -pv.energyExportKwh(),
      bess.energyChargedKwh() - bess.energyDischargedKwh(),
      hvac.energyImportKwh(),
      ev.energyDeliveredKwh(),
    ];
    const grossKwh = assetKwh.reduce((s, e) => s + Math.abs(e), 0);
    const netKwh = assetKwh.reduce((s, e) => s + e, 0);
    const meterNetKwh = site.meter.energyImportKwh() - site.meter.energyExportKwh();
    // Relative to the gross energy through the site (the net can be near 0).
    const siteRelErr = Math.abs(meterNetKwh - netKwh) / grossKwh;
    expect(siteRelErr).toBeLessThan(1e-9);
    expect(site.meter.energyExportKwh()).toBeGreaterThan(0);
    const storedDeltaKwh = bess.energyChargedKwh() * 0.95 - bess.energyDischargedKwh() / 0.93;
    const throughputKwh = bess.energyChargedKwh() + bess.energyDischargedKwh();
    const bessRelErr = Math.abs(bess.energyStoredKwh() - startStoredKwh - storedDeltaKwh) / throughputKwh;
    expect(bessRelErr).toBeLessThan(1e-9);
    console.log(`year at ${stepS} s: ${steps} steps in ${wallMs.toFixed(0)} ms; relative error site ${siteRelErr.toExponential(2)}, battery ${bessRelErr.toExponential(2)}`);
    expect(bess.energyChargedKwh()).toBeGreaterThan(10_000);
    expect(hvac.energyImportKwh()).toBeGreaterThan(0);
    expect(ev.departedSessions()).toBe(365);
    expect(ev.energyShortKwh()).toBeGreaterThan(0);
    expect(site.nowMs()).toBe(START + 365 * 86_400_000);
  }, 60_000);
});
