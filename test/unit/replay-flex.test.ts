import { beforeAll, describe, expect, it } from 'vitest';
import { replayScenario, type ReplayResult } from '../../src/runtime/replay/index.js';
import { loadScenarioFile, type Scenario } from '../../simulators/index.js';

/**
 * `vpp replay` on an office with a battery, two chillers and five EV chargers (issue 6): the
 * peak-shaving controller curtails the chargers and holds the chillers off on top of the
 * battery, never past a comfort band or a car's departure energy.
 */
describe('replay: EV chargers and HVAC as flexible assets (flex/office-ev-hvac.yaml)', () => {
  let scenario: Scenario;
  let none: ReplayResult;
  let shaved: ReplayResult;
  beforeAll(async () => {
    scenario = loadScenarioFile('test/fixtures/scenarios/flex/office-ev-hvac.yaml');
    none = await replayScenario(scenario, { controller: 'none' });
    shaved = await replayScenario(scenario, { controller: 'peak-shaving', collectSeries: true });
  }, 120_000);

  it('uncontrolled, the chillers keep their band and the cars get their energy (the fixture is fair)', () => {
    const s = none.sites[0]!;
    expect(s.comfortViolationMinutes).toBe(0);
    expect(s.evEnergyShortKwh).toBe(0);
    expect(s.peakImportKw).toBeCloseTo(s.uncontrolledPeakImportKw, 9);
  });

  it('drops the peak by more than the battery alone could, with no comfort violation and no car short', () => {
    const s = shaved.sites[0]!;
    const battery = scenario.sites[0]!.assets.find((a) => a.kind === 'battery');
    const batteryKw = battery?.kind === 'battery' ? battery.maxDischargeKw : NaN;
    expect(s.comfortViolationMinutes).toBe(0);
    expect(s.evEnergyShortKwh).toBe(0);
    expect(s.limitViolationMinutes).toBe(0);
    // A battery can take at most its rating off a quarter hour's mean: the rest came from the loads.
    expect(s.peakImportKw).toBeLessThan(s.uncontrolledPeakImportKw - batteryKw);
    // Within 5 % of the target (a chiller that must run at its band edge, a car at its floor).
    expect(s.peakImportKw).toBeLessThan(190 * 1.05);
    expect(s.minSocPct['office-bess']).toBeGreaterThanOrEqual(10 - 1e-9);
    expect(shaved.balanceError).toBeLessThan(1e-9);
  });
});
