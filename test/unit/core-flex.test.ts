import { describe, expect, it } from 'vitest';
import {
  evHeadroom,
  FLEXIBILITY_HORIZON_S,
  flexLoadFlexibility,
  hvacHeadroom,
  nextEvSessions,
  nextLocalTimeMs,
  summariseSite,
} from '../../src/core/index.js';
import type { AssetState, EvSession, Site } from '../../src/domain/index.js';
import { TEST_ASSET_BASE, testBattery } from '../helpers/assets.js';
import { goodState, testEv, testHvac } from '../helpers/flex-assets.js';

const T0 = Date.parse('2025-07-15T08:00:00+08:00');
const H = 3_600_000;
const ev = testEv('ev-1');
const chiller = testHvac('chiller');
/** 30 kWh still wanted, departure 5 h 15 min away: with the 15 min margin, 5 h left. */
const session: EvSession = { connectedAtMs: T0 - H, deliveredKwh: 10, energyNeededKwh: 40, departsAtMs: T0 + 5.25 * H };

describe('evHeadroom: the departure floor', () => {
  it('is remaining / hours left: 30 kWh in 5 h = 6 kW, so 22 kW may drop by 16 kW', () => {
    const h = evHeadroom(ev, goodState('ev-1', 'evCharger', { powerKw: 22, connected: 1 }, T0), session, T0);
    expect(h).toMatchObject({ remainingKwh: 30, hoursLeft: 5, floorKw: 6, ceilingKw: 22 });
  });

  it('is raised to minKw (a car takes nothing between a pause and 6 A): 5 kWh in 5 h -> 4.14 kW', () => {
    const h = evHeadroom(ev, goodState('ev-1', 'evCharger', { powerKw: 22, connected: 1 }, T0), { ...session, deliveredKwh: 35 }, T0);
    expect(h?.floorKw).toBe(4.14);
  });

  it('is maxKw once departure (less the margin) is due, 0 once the energy is in', () => {
    const s = goodState('ev-1', 'evCharger', { powerKw: 22, connected: 1 }, T0);
    expect(evHeadroom(ev, s, { ...session, departsAtMs: T0 + 0.2 * H }, T0)?.floorKw).toBe(22);
    expect(evHeadroom(ev, s, { ...session, deliveredKwh: 40 }, T0)).toMatchObject({ floorKw: 0, ceilingKw: 0 });
  });

  it('keeps a car whose session is unknown at maxKw, and offers nothing while unplugged or unseen', () => {
    const plugged = goodState('ev-1', 'evCharger', { powerKw: 11, connected: 1 }, T0);
    expect(evHeadroom(ev, plugged, undefined, T0)).toMatchObject({ floorKw: 22, session: undefined });
    const unplugged = goodState('ev-1', 'evCharger', { powerKw: 0, connected: 0 }, T0);
    expect(evHeadroom(ev, unplugged, session, T0)).toMatchObject({ connected: false, floorKw: 0, ceilingKw: 0 });
    const stale: AssetState = { ...plugged, readings: { ...plugged.readings, connected: { value: 1, quality: 'stale', atMs: T0 } }, available: false };
    expect(evHeadroom(ev, stale, session, T0)).toBeUndefined();
  });
});

describe('hvacHeadroom: the first-order room', () => {
  // R = 0.1 °C/kW, C = 10 kWh/°C: τ = 1 h. Off: T∞ = 35 °C; on: T∞ = 35 − 0.1 × 3 × 60 = 17 °C.
  it('holds a curtailment until the upper edge: τ·ln((24 − 35)/(26 − 35)) = ln(11/9) h = 722.4 s', () => {
    const h = hvacHeadroom(chiller, goodState('chiller', 'hvac', { powerKw: 60, temperatureC: 24 }, T0));
    expect(h).toMatchObject({ atEdge: false, curtailableKw: 60, driftEdgeC: 26, driveEdgeC: 22, curtailSetpointC: 25.5 });
    expect((h?.hoursToEdgeOff ?? 0) * 3600).toBeCloseTo(Math.log(11 / 9) * 3600, 6);
    // On, down to the lower edge: ln((24 − 17)/(22 − 17)) = ln(7/5) h.
    expect((h?.hoursToEdgeOn ?? 0) * 3600).toBeCloseTo(Math.log(7 / 5) * 3600, 6);
  });

  it('offers nothing at the band edge (it must run), nor while its thermostat would keep it on', () => {
    expect(hvacHeadroom(chiller, goodState('chiller', 'hvac', { powerKw: 60, temperatureC: 25.95 }, T0))).toMatchObject({ atEdge: true, curtailableKw: 0, hoursToEdgeOff: 0 });
    // 25.2 °C: the curtail setpoint 25.5 °C keeps a running unit on down to 25 °C.
    expect(hvacHeadroom(chiller, goodState('chiller', 'hvac', { powerKw: 60, temperatureC: 25.2 }, T0))?.curtailableKw).toBe(0);
  });

  it('mirrors for heating: the room drifts down to setpoint − band', () => {
    const heat = testHvac('hp', { thermalMode: 'heating', designOutdoorC: -5, setpointC: 20 });
    const h = hvacHeadroom(heat, goodState('hp', 'hvac', { powerKw: 60, temperatureC: 20 }, T0));
    expect(h).toMatchObject({ driftEdgeC: 18, curtailSetpointC: 18.5, curtailableKw: 60 });
    expect(h?.hoursToEdgeOff).toBeCloseTo(Math.log(25 / 23), 9);
  });
});

describe('the site envelope with EV chargers and HVAC', () => {
  const site: Site = {
    id: 's1', name: 's1', timezone: 'Asia/Shanghai', gridImportLimitKw: 500,
    assets: [{ ...TEST_ASSET_BASE, id: 'grid', kind: 'meter' }, testBattery('bess'), ev, chiller],
  };
  const states = {
    grid: goodState('grid', 'meter', { powerKw: 300 }, T0),
    // 500 kWh at 50 %, floor 10 %: 200 kWh above it; 250 kW for 200 × 0.95 / 250 h = 2736 s.
    bess: goodState('bess', 'battery', { powerKw: 0, socPct: 50 }, T0),
    'ev-1': goodState('ev-1', 'evCharger', { powerKw: 22, connected: 1, energyImportKwh: 100 }, T0),
    chiller: goodState('chiller', 'hvac', { powerKw: 60, temperatureC: 24 }, T0),
  };

  it('EV and HVAC alone: 16 + 60 kW down, for as long as the chiller holds (722.4 s)', () => {
    const f = flexLoadFlexibility(site.assets, states, { 'ev-1': session }, T0);
    expect(f.decreaseKw).toBe(76);
    expect(f.decreaseDurationS).toBeCloseTo(Math.log(11 / 9) * 3600, 6);
    expect(f).toMatchObject({ increaseKw: 0, increaseDurationS: 0 });
  });

  it('summariseSite sums evPowerKw and hvacPowerKw and adds them to the battery envelope', () => {
    const s = summariseSite(site, states, T0, { 'ev-1': session });
    expect(s.evPowerKw).toEqual({ value: 22, quality: 'good', atMs: T0 });
    expect(s.hvacPowerKw).toEqual({ value: 60, quality: 'good', atMs: T0 });
    expect(s.flexibility.decreaseKw).toBe(250 + 16 + 60);
    expect(s.flexibility.decreaseDurationS).toBeCloseTo(Math.log(11 / 9) * 3600, 6);
    // Increase: the battery only (250 kW; 45 % of 500 kWh at 250 × 0.95 = 0.947 h); the EV is at max.
    expect(s.flexibility.increaseKw).toBe(250);
    expect(s.flexibility.increaseDurationS).toBeCloseTo((225 / (250 * 0.95)) * 3600, 6);
    expect(JSON.parse(JSON.stringify(s))).toEqual(s);
  });

  it('an unplugged car and a chiller at its band edge offer nothing; a stale EV makes evPowerKw stale', () => {
    const s = summariseSite(site, {
      ...states,
      bess: { ...states.bess, available: false },
      'ev-1': goodState('ev-1', 'evCharger', { powerKw: 0, connected: 0 }, T0),
      chiller: goodState('chiller', 'hvac', { powerKw: 60, temperatureC: 26 }, T0),
    }, T0);
    expect(s.flexibility).toEqual({ decreaseKw: 0, decreaseDurationS: 0, increaseKw: 0, increaseDurationS: 0 });
    const stale = summariseSite(site, { ...states, 'ev-1': { ...states['ev-1'], readings: { ...states['ev-1'].readings, powerKw: { value: 22, quality: 'stale', atMs: T0 } }, available: false } }, T0);
    expect(stale.evPowerKw?.quality).toBe('stale');
  });

  it('an HVAC unit that is off can pre-cool: 60 kW up for ln(7/5) h; the horizon caps a path that never ends', () => {
    const off = { ...states, chiller: goodState('chiller', 'hvac', { powerKw: 0, temperatureC: 24 }, T0) };
    const f = flexLoadFlexibility([chiller], off, undefined, T0);
    expect(f.increaseKw).toBe(60);
    expect(f.increaseDurationS).toBeCloseTo(Math.log(7 / 5) * 3600, 6);
    const big = testHvac('chiller', { thermalResistanceCPerKw: 0.01 });
    // On: T∞ = 35 − 0.01 × 180 = 33.2 °C, above the lower edge: never reached.
    expect(flexLoadFlexibility([big], off, undefined, T0).increaseDurationS).toBe(FLEXIBILITY_HORIZON_S);
  });
});

describe('EV sessions from the charger defaults', () => {
  const site: Site = {
    id: 's1', name: 's1', timezone: 'Asia/Shanghai', gridImportLimitKw: 500,
    assets: [{ ...TEST_ASSET_BASE, id: 'grid', kind: 'meter' }, testEv('ev-1', { departs: '17:30', energyNeededKwh: 40 })],
  };
  const ev1 = (connected: number, energyImportKwh: number, atMs: number) => ({ 'ev-1': goodState('ev-1', 'evCharger', { powerKw: 0, connected, energyImportKwh }, atMs) });

  it('open at the energy register when a car is seen, count up from it, end when it leaves', () => {
    const a = nextEvSessions(site, undefined, ev1(1, 500, T0), T0);
    expect(a['ev-1']).toEqual({ connectedAtMs: T0, deliveredKwh: 0, energyNeededKwh: 40, departsAtMs: Date.parse('2025-07-15T17:30:00+08:00'), energyAtConnectKwh: 500 });
    const b = nextEvSessions(site, a, ev1(1, 512.5, T0 + H), T0 + H);
    expect(b['ev-1']?.deliveredKwh).toBe(12.5);
    const unseen = { 'ev-1': { ...ev1(1, 520, T0)['ev-1'], readings: {}, available: false } };
    expect(nextEvSessions(site, b, unseen, T0 + 2 * H)).toEqual(b);
    expect(nextEvSessions(site, b, ev1(0, 520, T0 + 3 * H), T0 + 3 * H)).toEqual({});
  });

  it('a car arriving after the default departure leaves the next day', () => {
    const late = Date.parse('2025-07-15T19:00:00+08:00');
    expect(nextEvSessions(site, undefined, ev1(1, 0, late), late)['ev-1']?.departsAtMs).toBe(Date.parse('2025-07-16T17:30:00+08:00'));
  });

  it('nextLocalTimeMs follows the zone, DST included', () => {
    expect(nextLocalTimeMs(Date.parse('2025-03-09T00:30:00-05:00'), '17:30', 'America/New_York')).toBe(Date.parse('2025-03-09T17:30:00-04:00'));
    expect(nextLocalTimeMs(Date.parse('2025-07-15T17:30:00+08:00'), '17:30', 'Asia/Shanghai')).toBe(Date.parse('2025-07-16T17:30:00+08:00'));
    expect(() => nextLocalTimeMs(T0, '25:00', 'Asia/Shanghai')).toThrow(/departs must be a local time "HH:MM", got "25:00"/);
  });
});
