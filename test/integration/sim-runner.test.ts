import { afterEach, describe, expect, it } from 'vitest';
import { parseScenario, startScenario, type SimRun } from '../../simulators/index.js';

const scenario = (meter: string, battery: string) =>
  parseScenario(
    `version: 1
name: lag
start: 2025-07-15T00:00:00+08:00
durationH: 1
stepS: 1
forecast: perfect
sites:
  - id: s1
    timezone: Asia/Shanghai
    gridImportLimitKw: 500
    meter: ${meter}
    assets:
      - {id: base, type: load, profile: {constantKw: 100}}
      - {id: bess, type: battery, capacityKwh: 200, maxChargeKw: 100, maxDischargeKw: 100, socPct: 50,
         minSocPct: 10, maxSocPct: 95, chargeEfficiency: 0.95, dischargeEfficiency: 0.95${battery}}
`,
    'lag.yaml',
  );

let run: SimRun | null = null;
afterEach(async () => {
  await run?.close();
  run = null;
});

describe('scenario runner timing', () => {
  it('a meter with lagS reports grid power that many seconds late', async () => {
    run = await startScenario({ scenario: scenario('{lagS: 2}', ''), speed: 0, portBase: 0 });
    const meter = run.devices.get('s1-meter');
    run.step(3);
    expect(meter?.readings().powerKw).toBeCloseTo(100, 9);
    run.devices.get('bess')?.command('powerKw', -40);
    run.step(1);
    expect(run.sites[0]?.physics.gridKw()).toBeCloseTo(60, 9); // the physics follows at once …
    expect(meter?.readings().powerKw).toBeCloseTo(100, 9); // … the meter shows it 2 s later
    run.step(1);
    expect(meter?.readings().powerKw).toBeCloseTo(100, 9);
    run.step(1);
    expect(meter?.readings().powerKw).toBeCloseTo(60, 9);
  });

  it('a battery with a response delay and ramp follows its setpoint late and gradually', async () => {
    run = await startScenario({ scenario: scenario('{}', ', responseDelayS: 1, rampKwPerS: 20'), speed: 0, portBase: 0 });
    const bess = run.devices.get('bess');
    bess?.command('powerKw', -40);
    run.step(1);
    expect(bess?.readings().powerKw).toBeCloseTo(0, 9); // still inside its response delay
    run.step(1);
    expect(bess?.readings().powerKw).toBeCloseTo(-20, 9); // ramping at 20 kW/s
    run.step(1);
    expect(bess?.readings().powerKw).toBeCloseTo(-40, 9);
  });
});
