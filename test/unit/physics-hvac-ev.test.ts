import { describe, expect, it } from 'vitest';
import { EvChargerModel, HvacModel, loadTmy3Weather, type HvacModelOptions } from '../../simulators/models/index.js';

const TZ = 'Asia/Shanghai';
const START = Date.parse('2025-07-15T00:00:00+08:00');
const HVAC: HvacModelOptions = { id: 'chiller', timezone: TZ, startMs: START, ratedKw: 10, setpointC: 24, outdoorC: 35 };

describe('HVAC 1R1C', () => {
  it('derives R and C from ratedKw as documented', () => {
    const h = new HvacModel(HVAC);
    expect(h.thermalResistanceCPerKw).toBeCloseTo(11 / (0.8 * 3 * 10), 12);
    expect(h.thermalResistanceCPerKw * h.thermalCapacityKwhPerC).toBeCloseTo(4, 12);
  });

  it('follows the closed-form solution while the unit is off', () => {
    const h = new HvacModel({ ...HVAC, initialTempC: 20, hysteresisC: 20 });
    const tau = h.thermalResistanceCPerKw * h.thermalCapacityKwhPerC;
    h.step(3600);
    expect(h.running()).toBe(false);
    expect(h.temperatureC()).toBeCloseTo(35 + (20 - 35) * Math.exp(-1 / tau), 12);
  });

  it('cycles the thermostat within setpoint ± hysteresis/2 with exact switching, whatever the step', () => {
    const coarse = new HvacModel(HVAC);
    const fine = new HvacModel(HVAC);
    let minC = Infinity;
    let maxC = -Infinity;
    for (let i = 0; i < 24 * 60; i++) {
      fine.step(60);
      minC = Math.min(minC, fine.temperatureC());
      maxC = Math.max(maxC, fine.temperatureC());
    }
    coarse.step(86_400);
    expect(minC).toBeGreaterThanOrEqual(23.5 - 1e-9);
    expect(maxC).toBeLessThanOrEqual(24.5 + 1e-9);
    expect(coarse.energyImportKwh()).toBeCloseTo(fine.energyImportKwh(), 9);
    // steady state duty: heat in (35 − 24)/R = 0.8 × capacity → ~80 % of 10 kW × 24 h
    expect(fine.energyImportKwh() / 240).toBeCloseTo(0.8, 1);
    expect(fine.comfortViolationMinutes()).toBe(0);
  });

  it('raising the setpoint (its flexibility) saves energy, counts comfort minutes, honours the delay', () => {
    const base = new HvacModel(HVAC);
    const flexed = new HvacModel({ ...HVAC, comfortBandC: 1, responseDelayS: 30 });
    flexed.setSetpoint(27);
    expect(flexed.setpointC()).toBe(24);
    flexed.step(30);
    expect(flexed.setpointC()).toBe(27);
    base.step(30);
    base.step(4 * 3600);
    flexed.step(4 * 3600);
    expect(flexed.energyImportKwh()).toBeLessThan(base.energyImportKwh());
    // above 25 °C (nominal 24 + band 1) for a good part of the 4 h
    expect(flexed.comfortViolationMinutes()).toBeGreaterThan(60);
    expect(flexed.temperatureC()).toBeGreaterThan(26);
    expect(() => flexed.setSetpoint(Number.NaN)).toThrow(/chiller: setpointC must be a finite number, got NaN/);
  });

  it('heats in heat mode, reads TMY3 outdoor temperatures, validates options', () => {
    const weather = loadTmy3Weather('tmy3-723170');
    const heat = new HvacModel({ ...HVAC, mode: 'heating', setpointC: 21, outdoorC: undefined, weather, startMs: Date.parse('2025-01-15T00:00:00+08:00') });
    expect(heat.outdoorTemperatureC()).toBe(weather.at(1, 15, 1).tempC);
    for (let i = 0; i < 96; i++) heat.step(900);
    expect(heat.energyImportKwh()).toBeGreaterThan(0);
    expect(heat.temperatureC()).toBeGreaterThanOrEqual(20.5 - 1e-9);
    expect(() => new HvacModel({ ...HVAC, weather })).toThrow(/hvac\.weather or outdoorC must be given, exactly one of them/);
    expect(() => new HvacModel({ ...HVAC, hysteresisC: 0, field: 'assets[5]' })).toThrow(/assets\[5\]\.hysteresisC must be > 0, got 0/);
  });
});

describe('EV charger', () => {
  const EV = { id: 'ev-1', timezone: TZ, startMs: START, maxKw: 22, arrives: '08:30', departs: '17:30', energyNeededKwh: 40 } as const;

  it('uncontrolled: charges at maxKw from arrival until the energy is in', () => {
    const ev = new EvChargerModel(EV);
    expect(ev.maxA).toBeCloseTo(22_000 / (3 * 230), 9);
    const powers: number[] = [];
    for (let i = 0; i < 24 * 60; i++) powers.push(ev.step(60));
    const arriveMin = 8 * 60 + 30;
    expect(powers[arriveMin - 1]).toBe(0);
    expect(powers[arriveMin]).toBe(22);
    expect(ev.energyDeliveredKwh()).toBeCloseTo(40, 9);
    // 40 kWh at 22 kW = 109.09 min: the minute in which it finishes is partial
    expect(powers[arriveMin + 109]).toBeCloseTo((40 - 22 * (109 / 60)) * 60, 9);
    expect(powers[arriveMin + 110]).toBe(0);
    expect(ev.energyShortKwh()).toBe(0);
    expect(ev.departedSessions()).toBe(1);
    expect(ev.connected()).toBe(false);
  });

  it('commanded current: 0 or within [minA, maxA], shortfall counted at departure', () => {
    const ev = new EvChargerModel({ ...EV, phases: 1, maxKw: 7.36 });
    expect(ev.maxA).toBeCloseTo(32, 9);
    expect(() => ev.setCurrentA(3)).toThrow(expect.objectContaining({ code: 'SIM_COMMAND_INVALID', message: expect.stringMatching(/currentA must be 0 or within \[6, 32\] A, got 3/) }));
    expect(() => ev.setCurrentA(40)).toThrow(/got 40/);
    ev.setCurrentA(6);
    for (let i = 0; i < 9; i++) ev.step(3600);
    expect(ev.connected()).toBe(true);
    expect(ev.powerKw()).toBeCloseTo(6 * 230 / 1000, 12);
    for (let i = 0; i < 15; i++) ev.step(3600);
    // 08:30-17:30 at 1.38 kW = 12.42 kWh of 40
    expect(ev.energyDeliveredKwh()).toBeCloseTo(9 * 1.38, 9);
    expect(ev.energyShortKwh()).toBeCloseTo(40 - 9 * 1.38, 9);
  });

  it('reverts to uncontrolled charging, handles overnight and explicit sessions', () => {
    const ev = new EvChargerModel({ ...EV, startMs: Date.parse('2025-07-15T09:00:00+08:00') });
    ev.setCurrentA(0, 600);
    expect(ev.step(300)).toBe(0);
    expect(ev.step(600)).toBeCloseTo(11, 12);
    expect(ev.reverted()).toBe(true);
    const night = new EvChargerModel({ ...EV, arrives: '18:00', departs: '07:00' });
    // a visit under way at the start counts as plugged in from the start
    expect(night.connected()).toBe(true);
    night.step(7 * 3600);
    expect(night.connected()).toBe(false);
    expect(night.currentSession()?.arrivesMs).toBe(Date.parse('2025-07-15T18:00:00+08:00'));
    const list = new EvChargerModel({
      id: 'ev-2', timezone: TZ, startMs: 0, maxKw: 11,
      sessions: [{ arrivesMs: 3_600_000, departsMs: 7_200_000, energyNeededKwh: 20 }],
    });
    list.step(3 * 3600);
    expect(list.energyDeliveredKwh()).toBeCloseTo(11, 9);
    expect(list.energyShortKwh()).toBeCloseTo(9, 9);
    expect(list.currentSession()).toBeNull();
    expect(() => new EvChargerModel({ ...EV, arrives: '8:30' })).toThrow(/evCharger\.arrives must be a local time "HH:MM", got "8:30"/);
  });
});
