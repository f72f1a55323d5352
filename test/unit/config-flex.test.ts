import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config/index.js';
import { hvacThermalDefaults } from '../../src/domain/index.js';
import { HvacModel } from '../../simulators/index.js';

const site = (assets: string, extra = ''): string => `
${extra}
sites:
  - id: office
    timezone: Asia/Shanghai
    gridImportLimitKw: 400
    assets:
      - {id: grid, type: meter, binding: "modbus://127.0.0.1:1502/1"}
${assets}`;

function problemsOf(text: string): string[] {
  try {
    parseConfig(text, 'site.yaml');
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).lines();
  }
  throw new Error('expected the config to be rejected');
}

describe('config: evCharger and hvac assets', () => {
  it('loads an EV charger with the IEC 61851 minimum and its session defaults', () => {
    const cfg = parseConfig(site(`      - {id: ev-1, type: evCharger, binding: "mqtt://127.0.0.1:1883/vpp?profile=vpp-sim-mqtt-ev-charger", maxKw: 22, departs: "17:30", energyNeededKwh: 40}
      - {id: ev-2, type: evCharger, binding: "modbus://127.0.0.1:1502/6", maxKw: 7.4, phases: 1, minKw: 0}`), 'site.yaml');
    const [, ev1, ev2] = cfg.sites[0]?.site.assets ?? [];
    // 6 A × 3 phases × 230 V = 4.14 kW.
    expect(ev1).toMatchObject({ kind: 'evCharger', maxKw: 22, minKw: 4.14, departs: '17:30', energyNeededKwh: 40 });
    expect(ev2).toMatchObject({ kind: 'evCharger', maxKw: 7.4, minKw: 0 });
    expect(ev2).not.toHaveProperty('departs');
    expect(cfg.sites[0]?.revertS['ev-1']).toBe(30);
  });

  it('loads an HVAC unit with the simulator\u2019s thermal defaults', () => {
    const cfg = parseConfig(site(`      - {id: chiller, type: hvac, binding: "modbus://127.0.0.1:1502/7", ratedKw: 150, setpointC: 24, comfortBandC: 2}`), 'site.yaml');
    const hvac = cfg.sites[0]?.site.assets[1];
    const model = new HvacModel({ id: 'chiller', timezone: 'Asia/Shanghai', startMs: 0, ratedKw: 150, setpointC: 24, outdoorC: 30 });
    expect(hvac).toMatchObject({
      kind: 'hvac', ratedKw: 150, setpointC: 24, comfortBandC: 2, thermalMode: 'cooling',
      hysteresisC: model.hysteresisC, cop: model.cop, designOutdoorC: 35,
    });
    expect(hvac).toMatchObject({ thermalResistanceCPerKw: model.thermalResistanceCPerKw, thermalCapacityKwhPerC: model.thermalCapacityKwhPerC });
    expect(hvacThermalDefaults(150, 20, 'heating').designOutdoorC).toBe(-5);
  });

  it('names the field of each mistake', () => {
    const lines = problemsOf(site(`      - {id: ev-1, type: evCharger, binding: "modbus://127.0.0.1:1502/6", maxKw: 3, departs: "7:30"}
      - {id: ev-2, type: evCharger, binding: "modbus://127.0.0.1:1502/8", maxKw: 3, energyNeededKwh: 20}
      - {id: chiller, type: hvac, binding: "modbus://127.0.0.1:1502/7", ratedKw: 150, setpointC: 24, comfortBandC: 0.4, thermalMode: cold}
      - {id: ahu, type: hvac, binding: "modbus://127.0.0.1:1502/9", ratedKw: 50, setpointC: 22, comfortBandC: 0.4}`));
    expect(lines).toContain('site.yaml: sites[0].assets[1].departs: must match pattern "^([01]\\d|2[0-3]):[0-5]\\d$", got "7:30"');
    expect(lines).toContain('site.yaml: sites[0].assets[2].maxKw: must be >= the IEC 61851 minimum 6 A × phases × voltageV = 4.14 kW (or give minKw), got 3');
    expect(lines).toContain('site.yaml: sites[0].assets[2].departs: is required with energyNeededKwh (the session default needs both), got nothing');
    expect(lines).toContain('site.yaml: sites[0].assets[3].thermalMode: must be one of "cooling", "heating", got "cold"');
    expect(lines).toContain('site.yaml: sites[0].assets[4].comfortBandC: must be > hysteresisC / 2 (0.5), got 0.4');
  });

  it('refuses to simulate them from a config file (a scenario file does)', () => {
    const lines = problemsOf(site(`      - {id: ev-1, type: evCharger, binding: "modbus://127.0.0.1:1502/6", maxKw: 22}`, 'simulation: {startAt: "2025-07-15T00:00:00+08:00"}'));
    expect(lines.some((l) => l.startsWith('site.yaml: sites[0].assets[1].type: evCharger cannot be simulated from a config file yet'))).toBe(true);
  });
});
