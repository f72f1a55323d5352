import { describe, expect, it } from 'vitest';
import { evFloorKw, summariseSite } from '../../src/core/index.js';
import {
  initialPeakShavingState,
  peakShaving,
  processImage,
  type ControlObligations,
  type PeakShavingState,
} from '../../src/control/index.js';
import { mulberry32, type AssetState, type EvSession, type Setpoint, type Site } from '../../src/domain/index.js';
import { TEST_ASSET_BASE, testBattery } from '../helpers/assets.js';
import { goodState, testEv, testHvac } from '../helpers/flex-assets.js';

const T0 = Date.parse('2025-07-15T12:00:00+08:00');
const H = 3_600_000;
const meter = { ...TEST_ASSET_BASE, id: 'grid', kind: 'meter' } as const;
const ev = testEv('ev-1');
const chiller = testHvac('chiller');

interface Given {
  readonly atMs: number;
  readonly gridKw: number;
  readonly ev?: { readonly powerKw: number; readonly session?: EvSession };
  readonly hvac?: { readonly powerKw: number; readonly temperatureC: number };
  readonly battery?: { readonly powerKw: number; readonly socPct: number };
  readonly obligations?: ControlObligations;
}
interface Expect {
  readonly setpoints: Readonly<Record<string, { readonly powerKw: number; readonly setpointC?: number; readonly reason: RegExp }>>;
}

function imageOf(site: Site, g: Given) {
  const states: Record<string, AssetState> = { grid: goodState('grid', 'meter', { powerKw: g.gridKw }, g.atMs) };
  if (g.ev !== undefined) states['ev-1'] = goodState('ev-1', 'evCharger', { powerKw: g.ev.powerKw, connected: 1 }, g.atMs);
  if (g.hvac !== undefined) states.chiller = goodState('chiller', 'hvac', g.hvac, g.atMs);
  if (g.battery !== undefined) states.bess = goodState('bess', 'battery', g.battery, g.atMs);
  const sessions = g.ev?.session === undefined ? undefined : { 'ev-1': g.ev.session };
  const image = processImage(site, summariseSite(site, states, g.atMs, sessions));
  return g.obligations === undefined ? image : { ...image, obligations: g.obligations };
}

/** Runs rows in order, state carried from one cycle to the next. */
function runCycles(site: Site, rows: readonly { given: Given; expect: Expect }[]): void {
  let state: PeakShavingState = initialPeakShavingState;
  rows.forEach(({ given, expect: want }, i) => {
    const out = peakShaving(imageOf(site, given), given.atMs, state);
    state = out.state;
    const got = Object.fromEntries(out.setpoints.map((s) => [s.assetId, s]));
    expect(Object.keys(got).sort(), `cycle ${i}: assets with a setpoint`).toEqual(Object.keys(want.setpoints).sort());
    for (const [id, w] of Object.entries(want.setpoints)) {
      const sp = got[id] as Setpoint;
      expect(sp.powerKw, `cycle ${i}: ${id} powerKw`).toBeCloseTo(w.powerKw, 3);
      expect(sp.setpointC, `cycle ${i}: ${id} setpointC`).toBe(w.setpointC);
      expect(sp.reason, `cycle ${i}: ${id} reason`).toMatch(w.reason);
    }
  });
}

const siteWith = (assets: Site['assets'], over: Partial<Site> = {}): Site => ({
  id: 'office', name: 'Office', timezone: 'Asia/Shanghai', gridImportLimitKw: 400, peakTargetKw: 100, assets: [meter, ...assets], ...over,
});
const session = (deliveredKwh: number, departsAtMs: number): EvSession => ({ connectedAtMs: T0 - H, deliveredKwh, energyNeededKwh: 40, departsAtMs });
const DEPARTS = T0 + 5.25 * H;

describe('peakShaving with an EV charger: curtailed, then forced back on to meet departure', () => {
  it('runs cycle by cycle', () => {
    runCycles(siteWith([ev]), [
      // 130 kW with the car at 22: 30 over the target; floor 30 kWh / 5 h = 6 kW, so it gives 16.
      { given: { atMs: T0, gridKw: 130, ev: { powerKw: 22, session: session(10, DEPARTS) } },
        expect: { setpoints: { 'ev-1': { powerKw: 6, reason: /^safety: ev departure: 30\.0 kWh in 5\.00 h needs >= 6\.0 kW \(peak-shaving: import with loads released 130\.0 kW > target 100 kW\)/ } } } },
      // Only 10 over: curtailed by 10 to 12 kW, above the floor.
      { given: { atMs: T0 + 60_000, gridKw: 94, ev: { powerKw: 6, session: session(10.1, DEPARTS) } },
        expect: { setpoints: { 'ev-1': { powerKw: 12, reason: /^peak-shaving: .*: ev curtailed by 10\.0 kW/ } } } },
      // 4 h on, 20 kWh still wanted in 1 h (with the margin): the floor is 20 kW, the peak yields.
      { given: { atMs: DEPARTS - 1.25 * H, gridKw: 114, ev: { powerKw: 6, session: session(20, DEPARTS) } },
        expect: { setpoints: { 'ev-1': { powerKw: 20, reason: /^safety: ev departure: 20\.0 kWh in 1\.00 h needs >= 20\.0 kW/ } } } },
      // Past departure less the margin with energy missing: full power, whatever the peak.
      { given: { atMs: DEPARTS - 0.2 * H, gridKw: 128, ev: { powerKw: 20, session: session(38, DEPARTS) } },
        expect: { setpoints: { 'ev-1': { powerKw: 22, reason: /^safety: ev departure: 2\.0 kWh in -0\.05 h needs >= 22\.0 kW/ } } } },
      // The load falls away: released to full power.
      { given: { atMs: T0 + 60_000, gridKw: 60, ev: { powerKw: 12, session: session(11, DEPARTS) } },
        expect: { setpoints: { 'ev-1': { powerKw: 22, reason: /^ev: released$/ } } } },
      // Energy in: released (the car draws nothing more).
      { given: { atMs: T0 + 2 * H, gridKw: 130, ev: { powerKw: 0, session: session(40, DEPARTS) } },
        expect: { setpoints: { 'ev-1': { powerKw: 22, reason: /^ev: session energy delivered: released$/ } } } },
      // A car whose needs are unknown is never curtailed.
      { given: { atMs: T0, gridKw: 130, ev: { powerKw: 22 } },
        expect: { setpoints: { 'ev-1': { powerKw: 22, reason: /^ev: session unknown/ } } } },
    ]);
  });
});

describe('peakShaving with an HVAC unit: held off until the band edge, then released', () => {
  it('runs cycle by cycle', () => {
    runCycles(siteWith([chiller]), [
      // Running at 24.4 °C, 50 over the target: held off at 26 − 0.5 = 25.5 °C.
      { given: { atMs: T0, gridKw: 150, hvac: { powerKw: 60, temperatureC: 24.4 } },
        expect: { setpoints: { chiller: { powerKw: 0, setpointC: 25.5, reason: /^peak-shaving: .*: hvac held off until the band edge \(24\.4 °C, band edge 26\.0 °C, 0\.1[0-9] h\)/ } } } },
      // Off at 25 °C; at its nominal setpoint it would run: still held.
      { given: { atMs: T0 + 600_000, gridKw: 90, hvac: { powerKw: 0, temperatureC: 25 } },
        expect: { setpoints: { chiller: { powerKw: 0, setpointC: 25.5, reason: /hvac held off/ } } } },
      // At the band edge: released to its nominal setpoint, it runs, however far over the target.
      { given: { atMs: T0 + 1_200_000, gridKw: 90, hvac: { powerKw: 0, temperatureC: 25.96 } },
        expect: { setpoints: { chiller: { powerKw: 60, setpointC: 24, reason: /^safety: comfort band: 26\.0 °C, band edge 26\.0 °C: runs$/ } } } },
      // Cooling down but above 25 °C: a raised setpoint would not stop it, so it is left to run.
      { given: { atMs: T0 + 1_260_000, gridKw: 150, hvac: { powerKw: 60, temperatureC: 25.6 } },
        expect: { setpoints: { chiller: { powerKw: 60, setpointC: 24, reason: /^hvac: thermostat runs on/ } } } },
      // Below 25 °C: curtailable again.
      { given: { atMs: T0 + 1_500_000, gridKw: 150, hvac: { powerKw: 60, temperatureC: 24.9 } },
        expect: { setpoints: { chiller: { powerKw: 0, setpointC: 25.5, reason: /hvac held off/ } } } },
      // Under the target: released.
      { given: { atMs: T0 + 1_800_000, gridKw: 30, hvac: { powerKw: 0, temperatureC: 25.2 } },
        expect: { setpoints: { chiller: { powerKw: 60, setpointC: 24, reason: /^hvac: released$/ } } } },
    ]);
  });
});

describe('peakShaving with battery + EV + HVAC under a DR import cap', () => {
  const site = siteWith([testBattery('bess', { maxDischargeKw: 50 }), ev, chiller], { peakTargetKw: undefined });
  it('sheds the EV to its floor, then the battery, then holds the chiller off and gives its spare back to the battery', () => {
    // 260 kW: base 178 + EV 22 + chiller 60; cap 150: 110 over. EV gives 16 (floor 6), the battery
    // its 50, the chiller 60 for the last 44: 16 spare, so the battery discharges 34. Import 150.
    runCycles(site, [
      { given: { atMs: T0, gridKw: 260, ev: { powerKw: 22, session: session(10, DEPARTS) }, hvac: { powerKw: 60, temperatureC: 24 }, battery: { powerKw: 0, socPct: 50 }, obligations: { importCapKw: 150 } },
        expect: { setpoints: {
          bess: { powerKw: -34, reason: /^dr: import cap: import 244\.0 kW > cap 150 kW.*hvac held off covers 16\.0 kW of it/ },
          'ev-1': { powerKw: 6, reason: /^safety: ev departure: .*\(dr: import cap: import with loads released 260\.0 kW > cap 150 kW\)/ },
          chiller: { powerKw: 0, setpointC: 25.5, reason: /^dr: import cap: .*hvac held off/ },
        } } },
    ]);
  });
});

describe('the guards hold whatever the load (seeded property test)', () => {
  it('never gives an EV less than its departure floor, never holds a unit at its band edge off, never breaks the import limit when it can be kept', () => {
    const rnd = mulberry32(20250715);
    const site = siteWith([testBattery('bess', { maxDischargeKw: 80, maxChargeKw: 80, capacityKwh: 200 }), ev, chiller], { gridImportLimitKw: 300, peakTargetKw: 200 });
    let state: PeakShavingState = initialPeakShavingState;
    const seen = { evCurtailed: 0, hvacHeld: 0, overLimit: 0 };
    for (let i = 0; i < 2000; i++) {
      const atMs = T0 + i * 60_000;
      const baseKw = 50 + rnd() * 300;
      const evKw = rnd() < 0.2 ? 0 : 4.14 + rnd() * 17.86;
      const hvacKw = rnd() < 0.5 ? 0 : 60;
      const batteryKw = (rnd() - 0.5) * 160;
      const soc = 5 + rnd() * 95;
      const temperatureC = 21 + rnd() * 6;
      const delivered = rnd() * 45;
      const departs = atMs + (rnd() * 8 - 0.5) * H;
      const given: Given = {
        atMs, gridKw: baseKw + evKw + hvacKw + batteryKw,
        ev: { powerKw: evKw, session: session(delivered, departs) },
        hvac: { powerKw: hvacKw, temperatureC },
        battery: { powerKw: batteryKw, socPct: soc },
      };
      const out = peakShaving(imageOf(site, given), atMs, state);
      state = out.state;
      const sp = new Map(out.setpoints.map((s) => [s.assetId, s]));
      const evSp = sp.get('ev-1');
      const floor = evFloorKw(ev, Math.max(0, 40 - delivered), (departs - 900_000 - atMs) / H);
      expect(evSp?.powerKw ?? -1, `cycle ${i}: ev >= floor ${floor}`).toBeGreaterThanOrEqual(floor - 1e-9);
      const h = sp.get('chiller');
      if (/ev curtailed|safety: ev departure.*peak-shaving/.test(evSp?.reason ?? '')) seen.evCurtailed++;
      if (h?.setpointC === 25.5) seen.hvacHeld++;
      if (temperatureC >= 25.9) expect(h?.setpointC, `cycle ${i}: chiller at its edge runs`).toBe(24);
      // The setpoint the unit is held at never lets the room past the band: the thermostat starts it at the edge.
      expect((h?.setpointC ?? 0) + 0.5, `cycle ${i}`).toBeLessThanOrEqual(26 + 1e-9);
      const b = sp.get('bess')?.powerKw ?? 0;
      if (soc <= 10) expect(b, `cycle ${i}: no discharge at the SoC floor`).toBeGreaterThanOrEqual(0);
      if (soc >= 95) expect(b, `cycle ${i}: no charge at the SoC ceiling`).toBeLessThanOrEqual(0);
      // Import once the setpoints act: base + EV + chiller (0 when held off) + battery.
      // A car that has its energy draws nothing, whatever it is allowed.
      const evDrawKw = delivered >= 40 ? 0 : (evSp?.powerKw ?? evKw);
      const importKw = baseKw + evDrawKw + (h?.powerKw ?? hvacKw) + b;
      const evFreeKw = evDrawKw - floor;
      const chillerForced = (h?.powerKw ?? 0) > 0 && (temperatureC >= 25.9 || (hvacKw > 0 && temperatureC >= 25));
      const batteryFree = soc > 10 && b > -80 + 1e-6;
      if (importKw > 300 + 1e-6) {
        seen.overLimit++;
        // Over the limit only when every resource is at its guard.
        expect(evFreeKw <= 1e-3 && (chillerForced || (h?.powerKw ?? 0) === 0) && !batteryFree, `cycle ${i}: import ${importKw} ${JSON.stringify({ given, sp: out.setpoints })}`).toBe(true);
      }
    }
    // The draw exercised every branch: curtailments, held units, and loads no resource could keep under the limit.
    expect(seen.evCurtailed).toBeGreaterThan(100);
    expect(seen.hvacHeld).toBeGreaterThan(100);
    expect(seen.overLimit).toBeGreaterThan(0);
  });
});
