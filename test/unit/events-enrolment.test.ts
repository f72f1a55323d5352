import { describe, expect, it } from 'vitest';
import type { ControlObligations } from '../../src/control/index.js';
import { hvacThermalDefaults, VppError, type DrEvent, type DrSignal, type Enrolment, type EnrolmentLimits, type HvacAsset, type Site } from '../../src/domain/index.js';
import {
  checkDispatch,
  clipObligation,
  enrolledSite,
  EVENTS_INVALID,
  optOut,
  parseEnrolment,
  type DispatchedEvent,
  type EnrolmentLimitName,
} from '../../src/events/index.js';
import { TEST_ASSET_BASE, testBattery } from '../helpers/assets.js';

const at = (iso: string): number => Date.parse(iso);
const H = 3_600_000;

function enrolment(limits: EnrolmentLimits, timezone = 'Asia/Shanghai'): Enrolment {
  return { programId: 'p1', siteId: 'plant-1', timezone, assetIds: ['bess'], limits, createdAtMs: 0, modifiedAtMs: 0 };
}

function event(startIso: string, over: Partial<DrEvent> = {}, durationS = 3600, signals: DrSignal[] = [{ type: 'IMPORT_CAPACITY_LIMIT', valueKw: 450 }]): DrEvent {
  const startMs = at(startIso);
  return {
    id: 'ev-new', programId: 'p1', targets: [{ type: 'VEN_NAME', values: ['plant-1'] }],
    intervals: [{ id: 0, startMs, durationS, randomizeStartS: 0, signals }],
    createdAtMs: startMs - 24 * H, modifiedAtMs: startMs - 24 * H, optOuts: [], ...over,
  };
}

const past = (iso: string, eventId = 'ev-old'): DispatchedEvent => ({ eventId, startMs: at(iso) });

function limitsBroken(limits: EnrolmentLimits, ev: DrEvent, history: DispatchedEvent[] = [], tz?: string): [EnrolmentLimitName, string][] {
  return checkDispatch(enrolment(limits, tz), ev, history, ev.createdAtMs).violations.map((v) => [v.limit, v.action]);
}

describe('checkDispatch: each limit, refused or clipped', () => {
  it('an event within every limit is dispatched in full', () => {
    const ev = event('2025-07-15T14:00:00+08:00');
    const r = checkDispatch(enrolment({ maxEventDurationS: 7200, maxEventsPerDay: 1, maxEventsPerWeek: 3, minNoticeS: 3600, maxShedKw: 200 }), ev, [], ev.createdAtMs);
    expect(r).toEqual({ ok: true, dispatch: 'full', violations: [], window: { startMs: ev.intervals[0]!.startMs, endMs: ev.intervals[0]!.startMs + H } });
  });

  const rows: [string, EnrolmentLimits, DrEvent, DispatchedEvent[], [EnrolmentLimitName, string][]][] = [
    ['notice exactly minNoticeS: fine', { minNoticeS: 3600 }, event('2025-07-15T14:00:00+08:00', { createdAtMs: at('2025-07-15T13:00:00+08:00') }), [], []],
    ['notice too short: refused', { minNoticeS: 7200 }, event('2025-07-15T14:00:00+08:00', { createdAtMs: at('2025-07-15T13:00:00+08:00') }), [], [['minNoticeS', 'refuse']]],
    ['too long: clipped', { maxEventDurationS: 1800 }, event('2025-07-15T14:00:00+08:00'), [], [['maxEventDurationS', 'clip']]],
    ['shed above maxShedKw: clipped', { maxShedKw: 200 }, event('2025-07-15T14:00:00+08:00', {}, 3600, [{ type: 'DISPATCH_SETPOINT_RELATIVE', valueKw: -300 }]), [], [['maxShedKw', 'clip']]],
    ['shed at maxShedKw: fine', { maxShedKw: 300 }, event('2025-07-15T14:00:00+08:00', {}, 3600, [{ type: 'DISPATCH_SETPOINT_RELATIVE', valueKw: -300 }]), [], []],
    ["a group's shed: capped by the allocation, not here", { maxShedKw: 200 },
      event('2025-07-15T14:00:00+08:00', { targets: [{ type: 'GROUP', values: ['north'] }] }, 3600, [{ type: 'DISPATCH_SETPOINT_RELATIVE', valueKw: -3000 }]), [], []],
    ['another programme: refused', {}, event('2025-07-15T14:00:00+08:00', { programId: 'p2' }), [], [['program', 'refuse']]],
    ['second event the same local day: refused', { maxEventsPerDay: 1 }, event('2025-07-15T14:00:00+08:00'), [past('2025-07-15T09:00:00+08:00')], [['maxEventsPerDay', 'refuse']]],
    ['the event itself in the history is not counted twice', { maxEventsPerDay: 1 }, event('2025-07-15T14:00:00+08:00'), [past('2025-07-15T14:00:00+08:00', 'ev-new')], []],
    // 23:30 and 00:30 local are one UTC day (15:30Z, 16:30Z) but two local days.
    ['across local midnight: two local days, one UTC day: fine', { maxEventsPerDay: 1 }, event('2025-07-16T00:30:00+08:00'), [past('2025-07-15T23:30:00+08:00')], []],
    // 07:30 and 09:00 local on the 16th are two UTC days (23:30Z on the 15th, 01:00Z) but one local day.
    ['one local day, two UTC days: refused', { maxEventsPerDay: 1 }, event('2025-07-16T09:00:00+08:00'), [past('2025-07-16T07:30:00+08:00')], [['maxEventsPerDay', 'refuse']]],
    // 2025-07-20 is a Sunday: Sunday 23:00 and Monday 01:00 local are two ISO weeks.
    ['week: Sunday night, then Monday morning: fine', { maxEventsPerWeek: 1 }, event('2025-07-21T01:00:00+08:00'), [past('2025-07-20T23:00:00+08:00')], []],
    ['week: Monday, then Sunday of the same week: refused', { maxEventsPerWeek: 1 }, event('2025-07-20T22:00:00+08:00'), [past('2025-07-14T08:00:00+08:00')], [['maxEventsPerWeek', 'refuse']]],
    ['week limit 2 with one before: fine', { maxEventsPerWeek: 2 }, event('2025-07-20T22:00:00+08:00'), [past('2025-07-14T08:00:00+08:00')], []],
    ['opted out: refused', {}, optOut(event('2025-07-15T14:00:00+08:00'), 'plant-1', at('2025-07-15T10:00:00+08:00')), [], [['optedOut', 'refuse']]],
  ];
  it.each(rows)('%s', (_name, limits, ev, history, expected) => {
    expect(limitsBroken(limits, ev, history)).toEqual(expected);
  });

  it("days are the enrolment's zone's: the same pair is one day in Shanghai, two in Berlin (DST night)", () => {
    const ev = event('2025-03-30T00:30:00+01:00');
    const before = [past('2025-03-29T23:30:00+01:00')];
    expect(limitsBroken({ maxEventsPerDay: 1 }, ev, before, 'Europe/Berlin')).toEqual([]);
    expect(limitsBroken({ maxEventsPerDay: 1 }, ev, before, 'Asia/Shanghai')).toEqual([['maxEventsPerDay', 'refuse']]);
  });

  it('a long event is held only maxEventDurationS; an open-ended one too', () => {
    const ev = event('2025-07-15T14:00:00+08:00', {}, 7200);
    const r = checkDispatch(enrolment({ maxEventDurationS: 1800 }), ev, [], ev.createdAtMs);
    expect(r.dispatch).toBe('clipped');
    expect(r.ok).toBe(false);
    expect(r.window).toEqual({ startMs: at('2025-07-15T14:00:00+08:00'), endMs: at('2025-07-15T14:30:00+08:00') });
    const open = event('2025-07-15T14:00:00+08:00', {}, 0);
    const openEv: DrEvent = { ...open, intervals: [{ ...open.intervals[0]!, durationS: null }] };
    expect(checkDispatch(enrolment({ maxEventDurationS: 1800 }), openEv, [], ev.createdAtMs).window?.endMs).toBe(at('2025-07-15T14:30:00+08:00'));
  });

  it('a refusal gives no window; a cancelled event is refused', () => {
    const ev = { ...event('2025-07-15T14:00:00+08:00'), cancelledAtMs: at('2025-07-15T12:00:00+08:00') };
    const r = checkDispatch(enrolment({}), ev, [], at('2025-07-15T12:30:00+08:00'));
    expect(r.dispatch).toBe('refused');
    expect(r.window).toBeUndefined();
    expect(r.violations.map((v) => v.limit)).toEqual(['cancelled']);
  });
});

describe('clipObligation: never more shed than maxShedKw, never held longer than allowed', () => {
  const e = enrolment({ maxShedKw: 200, maxEventDurationS: 3600 });
  const t = at('2025-07-15T14:00:00+08:00');
  const cap: ControlObligations = { importCapKw: 400, sources: { importCap: 'IMPORT_CAPACITY_LIMIT 400 kW (event e1)' } };
  const rows: [string, ControlObligations, Parameters<typeof clipObligation>[2], ControlObligations][] = [
    ['a cap within the shed: unchanged', cap, { nowMs: t, heldSinceMs: t, baselineKw: 550 }, cap],
    ['a cap deeper than maxShedKw: raised to baseline - maxShedKw', cap, { nowMs: t, heldSinceMs: t, baselineKw: 700 },
      { importCapKw: 500, sources: { importCap: 'IMPORT_CAPACITY_LIMIT 400 kW (event e1), clipped to maxShedKw 200 kW' } }],
    ['no baseline: the cap is dropped, never enforced blind', { ...cap, exportCapKw: 50, sources: { ...cap.sources, exportCap: 'x' } }, { nowMs: t, heldSinceMs: t },
      { exportCapKw: 50, sources: { exportCap: 'x' } }],
    ['a floor is not a shed: kept', { importFloorKw: 300 }, { nowMs: t, heldSinceMs: t }, { importFloorKw: 300 }],
    ['held maxEventDurationS: released', cap, { nowMs: t + H, heldSinceMs: t, baselineKw: 550 }, {}],
    ['one ms before: still held', cap, { nowMs: t + H - 1, heldSinceMs: t, baselineKw: 550 }, cap],
  ];
  it.each(rows)('%s', (_name, obligations, ctx, expected) => {
    const r = clipObligation(obligations, e, ctx);
    expect(r.obligations).toEqual(expected);
    expect(r.notes.length > 0).toBe(JSON.stringify(expected) !== JSON.stringify(obligations));
  });
});

describe('parseEnrolment: errors name the field', () => {
  const good = {
    programId: 'p1', siteId: 'plant-1', timezone: 'Asia/Shanghai', assetIds: ['bess', 'chiller', 'ev-1'], createdAtMs: 1,
    limits: { maxEventDurationS: 7200, maxEventsPerDay: 1, maxEventsPerWeek: 3, minNoticeS: 3600, maxShedKw: 200,
      socFloorPct: { bess: 30 }, comfortBandC: { chiller: 1 }, evDepartures: { 'ev-1': { departs: '17:00', energyNeededKwh: 30 } } },
  };
  it('a full enrolment parses to itself', () => {
    expect(parseEnrolment(good)).toEqual({ ...good, modifiedAtMs: 1 });
  });
  const bad: [string, unknown, string][] = [
    ['maxShedKw 0', { ...good, limits: { maxShedKw: 0 } }, 'limits.maxShedKw must be > 0, got 0'],
    ['NaN notice', { ...good, limits: { minNoticeS: Number.NaN } }, 'limits.minNoticeS must be a finite number, got NaN'],
    ['fractional count', { ...good, limits: { maxEventsPerDay: 1.5 } }, 'limits.maxEventsPerDay must be an integer >= 0, got 1.5'],
    ['floor of an asset not enrolled', { ...good, limits: { socFloorPct: { other: 20 } } }, 'limits.socFloorPct.other must name an enrolled asset'],
    ['floor above 100', { ...good, limits: { socFloorPct: { bess: 120 } } }, 'limits.socFloorPct.bess must be <= 100, got 120'],
    ['bad departure', { ...good, limits: { evDepartures: { 'ev-1': { departs: '25:00', energyNeededKwh: 3 } } } }, 'limits.evDepartures.ev-1.departs'],
    ['unknown limit', { ...good, limits: { maxShedKW: 3 } }, 'limits.maxShedKW is not an enrolment limit'],
    ['unknown zone', { ...good, timezone: 'Mars/Olympus' }, 'timezone must be an IANA time zone, got "Mars/Olympus"'],
    ['no site', { ...good, siteId: '' }, 'siteId must be a non-empty string'],
  ];
  it.each(bad)('%s', (_name, json, message) => {
    let thrown: unknown;
    try {
      parseEnrolment(json);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(VppError);
    expect((thrown as VppError).code).toBe(EVENTS_INVALID);
    expect((thrown as VppError).message).toContain(message);
  });
});

describe('enrolledSite: the asset limits tighten the site the controller guards', () => {
  const hvac: HvacAsset = {
    ...TEST_ASSET_BASE, id: 'chiller', kind: 'hvac', ratedKw: 150, setpointC: 24, comfortBandC: 2, thermalMode: 'cooling',
    ...hvacThermalDefaults(150, 24, 'cooling'),
  };
  const site: Site = {
    id: 'plant-1', name: 'Plant 1', timezone: 'Asia/Shanghai', gridImportLimitKw: 800,
    assets: [
      testBattery('bess'), testBattery('bess-2', { minSocPct: 40 }), hvac,
      { ...TEST_ASSET_BASE, id: 'ev-1', kind: 'evCharger', maxKw: 22, minKw: 4.14, departs: '18:00', energyNeededKwh: 20 },
    ],
  };
  it('raises floors, narrows bands, brings departures forward; never loosens', () => {
    const e: Enrolment = {
      ...enrolment({ socFloorPct: { bess: 30, 'bess-2': 20 }, comfortBandC: { chiller: 1 }, evDepartures: { 'ev-1': { departs: '17:00', energyNeededKwh: 30 } } }),
      assetIds: ['bess', 'bess-2', 'chiller', 'ev-1'],
    };
    const s = enrolledSite(site, e);
    const byId = Object.fromEntries(s.assets.map((a) => [a.id, a]));
    expect(byId.bess).toMatchObject({ minSocPct: 30 });
    expect(byId['bess-2']).toMatchObject({ minSocPct: 40 });
    expect(byId.chiller).toMatchObject({ comfortBandC: 1 });
    expect(byId['ev-1']).toMatchObject({ departs: '17:00', energyNeededKwh: 30 });
    expect(site.assets[0]).toMatchObject({ minSocPct: 10 });
  });
  it('refuses an enrolment of another site or of an unknown asset', () => {
    expect(() => enrolledSite(site, { ...enrolment({}), siteId: 'plant-2' })).toThrow(/enrolment.siteId/);
    expect(() => enrolledSite(site, { ...enrolment({}), assetIds: ['nope'] })).toThrow(/enrolment.assetIds .*"nope"/);
  });
});
