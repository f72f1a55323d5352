import { describe, expect, it } from 'vitest';
import { validateOpenAdr } from '../../src/api/openadr/index.js';
import { VppError, type DrEvent } from '../../src/domain/index.js';
import {
  EVENTS_INVALID,
  formatDurationS,
  fromOpenAdrEvent,
  fromOpenAdrProgram,
  parseDurationS,
  parseProgramRate,
  toOpenAdrEvent,
  toOpenAdrProgram,
} from '../../src/events/index.js';

/**
 * Built from the element-level examples of the 3.0.1 document (it gives no whole-event example):
 * objectID `object-999`, eventName `price event 11-18-2022`, priority 0, venName `VEN-999`,
 * payloadDescriptor PRICE / KWH / USD, valuesMap PRICE [0.17], dateTime 2023-06-15T09:30:00Z,
 * duration PT1H.
 */
const specExample = {
  id: 'object-999',
  objectType: 'EVENT',
  createdDateTime: '2023-06-15T09:30:00Z',
  modificationDateTime: '2023-06-15T09:30:00Z',
  programID: 'object-999',
  eventName: 'price event 11-18-2022',
  priority: 0,
  targets: [{ type: 'VEN_NAME', values: ['VEN-999'] }],
  payloadDescriptors: [{ objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: 'PRICE', units: 'KWH', currency: 'USD' }],
  intervalPeriod: { start: '2023-06-15T09:30:00Z', duration: 'PT1H' },
  intervals: [{ id: 0, payloads: [{ type: 'PRICE', values: [0.17] }] }],
};

/** A curtailment as a grid operator in Shanghai would send it: local offsets, two steps, randomised. */
const curtailment = {
  id: 'ev-0715',
  createdDateTime: '2025-07-14T09:00:00+08:00',
  programID: 'summer-peak',
  targets: [{ type: 'VEN_NAME', values: ['plant-1', 'plant-2'] }, { type: 'GROUP', values: ['north'] }],
  payloadDescriptors: [{ payloadType: 'IMPORT_CAPACITY_LIMIT', units: 'KW' }],
  intervalPeriod: { start: '2025-07-15T14:00:00+08:00', duration: 'PT1H', randomizeStart: 'PT5M' },
  intervals: [
    { id: 7, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [450] }] },
    { id: 8, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [400] }] },
  ],
};

describe('fromOpenAdrEvent / toOpenAdrEvent', () => {
  it('maps the spec example one-to-one and back to the same JSON', () => {
    const ev = fromOpenAdrEvent(specExample);
    expect(ev).toEqual<DrEvent>({
      id: 'object-999', programId: 'object-999', name: 'price event 11-18-2022', priority: 0,
      targets: [{ type: 'VEN_NAME', values: ['VEN-999'] }],
      intervals: [{ id: 0, startMs: Date.parse('2023-06-15T09:30:00Z'), durationS: 3600, randomizeStartS: 0, signals: [{ type: 'PRICE', pricePerKwh: 0.17, currency: 'USD' }] }],
      createdAtMs: Date.parse('2023-06-15T09:30:00Z'), modifiedAtMs: Date.parse('2023-06-15T09:30:00Z'), optOuts: [],
    });
    expect(toOpenAdrEvent(ev)).toEqual(specExample);
    expect(validateOpenAdr('event', toOpenAdrEvent(ev), 'returned')).toEqual([]);
  });

  it('resolves consecutive intervals from the event period, offsets to UTC, and round-trips', () => {
    const ev = fromOpenAdrEvent(curtailment);
    const start = Date.parse('2025-07-15T06:00:00Z');
    expect(ev.intervals).toEqual([
      { id: 7, startMs: start, durationS: 3600, randomizeStartS: 300, signals: [{ type: 'IMPORT_CAPACITY_LIMIT', valueKw: 450 }] },
      { id: 8, startMs: start + 3_600_000, durationS: 3600, randomizeStartS: 300, signals: [{ type: 'IMPORT_CAPACITY_LIMIT', valueKw: 400 }] },
    ]);
    expect(ev.modifiedAtMs).toBe(ev.createdAtMs);
    const json = toOpenAdrEvent(ev);
    expect(json.intervalPeriod).toEqual({ start: '2025-07-15T06:00:00Z', duration: 'PT1H', randomizeStart: 'PT5M' });
    expect(json.intervals.map((i) => i.intervalPeriod)).toEqual([undefined, undefined]);
    expect(fromOpenAdrEvent(json)).toEqual(ev);
    expect(validateOpenAdr('event', json, 'returned')).toEqual([]);
  });

  it('intervals with their own periods keep them; open-ended is PT0S', () => {
    const raw = {
      ...curtailment, intervalPeriod: undefined,
      intervals: [
        { id: 1, intervalPeriod: { start: '2025-07-15T14:00:00+08:00', duration: 'PT30M' }, payloads: [{ type: 'SIMPLE', values: [2] }] },
        { id: 2, intervalPeriod: { start: '2025-07-15T15:00:00+08:00', duration: 'PT0S' }, payloads: [{ type: 'GHG', values: [620] }] },
      ],
    };
    const ev = fromOpenAdrEvent(raw);
    expect(ev.intervals.map((i) => [i.durationS, i.signals])).toEqual([[1800, [{ type: 'SIMPLE', level: 2 }]], [null, [{ type: 'GHG', gPerKwh: 620 }]]]);
    const json = toOpenAdrEvent(ev);
    expect(json.intervalPeriod).toBeUndefined();
    expect(json.intervals.map((i) => i.intervalPeriod?.duration)).toEqual(['PT30M', 'PT0S']);
    expect(fromOpenAdrEvent(json)).toEqual(ev);
    expect(validateOpenAdr('event', json, 'returned')).toEqual([]);
  });

  it("converts the descriptor's units once: W and MW to kW, per MWH to per kWh", () => {
    const ev = fromOpenAdrEvent({
      ...specExample,
      payloadDescriptors: [
        { payloadType: 'DISPATCH_SETPOINT_RELATIVE', units: 'W' },
        { payloadType: 'EXPORT_CAPACITY_LIMIT', units: 'MW' },
        { payloadType: 'PRICE', units: 'MWH', currency: 'CNY' },
      ],
      intervals: [{ id: 0, payloads: [
        { type: 'DISPATCH_SETPOINT_RELATIVE', values: [-150_000] },
        { type: 'EXPORT_CAPACITY_LIMIT', values: [0.2] },
        { type: 'PRICE', values: [1200] },
      ] }],
    });
    expect(ev.intervals[0]!.signals).toEqual([
      { type: 'DISPATCH_SETPOINT_RELATIVE', valueKw: -150 },
      { type: 'EXPORT_CAPACITY_LIMIT', valueKw: 200 },
      { type: 'PRICE', pricePerKwh: 1.2, currency: 'CNY' },
    ]);
  });

  it('takes receivedAtMs when the body has no createdDateTime yet', () => {
    const { createdDateTime: _c, modificationDateTime: _m, ...body } = specExample;
    expect(fromOpenAdrEvent(body, { receivedAtMs: 42_000 })).toMatchObject({ createdAtMs: 42_000, modifiedAtMs: 42_000 });
  });

  const bad: [string, unknown, string][] = [
    ['not an object', [], 'event must be an object'],
    ['no programID', { ...specExample, programID: undefined }, 'programID must be a non-empty string'],
    ['no intervals', { ...specExample, intervals: [] }, 'intervals must hold at least one interval'],
    ['months in a duration', { ...specExample, intervalPeriod: { start: '2023-06-15T09:30:00Z', duration: 'P1M' } }, 'intervalPeriod.duration must not use years or months'],
    ['a negative duration', { ...specExample, intervalPeriod: { start: '2023-06-15T09:30:00Z', duration: '-PT1H' } }, 'intervalPeriod.duration must not be negative'],
    ['a datetime without offset', { ...specExample, intervalPeriod: { start: '2023-06-15T09:30:00', duration: 'PT1H' } }, 'intervalPeriod.start must be an ISO 8601 datetime with an offset'],
    ['an unknown payload type', { ...specExample, intervals: [{ id: 0, payloads: [{ type: 'CHARGE_STATE_SETPOINT', values: [1] }] }] }, 'intervals[0].payloads[0].type must be a payload type this controller acts on'],
    ['two values', { ...specExample, intervals: [{ id: 0, payloads: [{ type: 'PRICE', values: [1, 2] }] }] }, 'intervals[0].payloads[0].values must hold exactly one value for PRICE'],
    ['a string value', { ...specExample, intervals: [{ id: 0, payloads: [{ type: 'PRICE', values: ['0.17'] }] }] }, 'intervals[0].payloads[0].values[0] must be a finite number, got "0.17"'],
    ['SIMPLE level 4', { ...specExample, intervals: [{ id: 0, payloads: [{ type: 'SIMPLE', values: [4] }] }] }, 'must be 0, 1, 2 or 3 for SIMPLE, got 4'],
    ['a negative capacity limit', { ...specExample, intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [-5] }] }] }, 'must be >= 0 for IMPORT_CAPACITY_LIMIT, got -5'],
    ['unknown power units', { ...specExample, payloadDescriptors: [{ payloadType: 'DISPATCH_SETPOINT', units: 'HP' }], intervals: [{ id: 0, payloads: [{ type: 'DISPATCH_SETPOINT', values: [5] }] }] }, 'payloadDescriptors[DISPATCH_SETPOINT].units must be KW, W or MW, got "HP"'],
    ['no start anywhere', { ...specExample, intervalPeriod: undefined }, 'intervals[0].intervalPeriod.start is required'],
    ['no createdDateTime', { ...specExample, createdDateTime: undefined }, 'createdDateTime is required'],
  ];
  it.each(bad)('refuses %s, naming the field', (_name, json, message) => {
    let thrown: unknown;
    try {
      fromOpenAdrEvent(json);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(VppError);
    expect((thrown as VppError).code).toBe(EVENTS_INVALID);
    expect((thrown as VppError).message).toContain(message);
  });

  it('ISO 8601 durations both ways', () => {
    const rows: [string, number][] = [['PT2H', 7200], ['PT1H30M', 5400], ['PT45S', 45], ['PT0S', 0], ['P1D', 86_400], ['P1W', 604_800], ['PT0.5S', 0.5]];
    for (const [text, s] of rows) expect(parseDurationS('d', text)).toBe(s);
    expect(['PT2H', 'PT1H30M', 'PT45S', 'PT0S', 'PT24H'].map((t) => formatDurationS(parseDurationS('d', t)))).toEqual(['PT2H', 'PT1H30M', 'PT45S', 'PT0S', 'PT24H']);
  });
});

describe('fromOpenAdrProgram / toOpenAdrProgram, with our rate beside it', () => {
  const program = {
    id: 'object-999', objectType: 'PROGRAM', createdDateTime: '2023-06-15T09:30:00Z', modificationDateTime: '2023-06-15T09:30:00Z',
    programName: 'ResTOU', programLongName: 'Residential Time of Use-A', programType: 'PRICING_TARIFF',
  };
  it('round-trips the spec example fields and validates against the schema', () => {
    const p = fromOpenAdrProgram(program, { rate: { kind: 'capacity', pricePerKw: 3.5, penaltyPerKw: 1 } });
    expect(p).toEqual({
      id: 'object-999', name: 'ResTOU', longName: 'Residential Time of Use-A', programType: 'PRICING_TARIFF',
      rate: { kind: 'capacity', pricePerKw: 3.5, penaltyPerKw: 1 },
      createdAtMs: Date.parse('2023-06-15T09:30:00Z'), modifiedAtMs: Date.parse('2023-06-15T09:30:00Z'),
    });
    expect(toOpenAdrProgram(p)).toEqual(program);
    expect(validateOpenAdr('program', toOpenAdrProgram(p), 'returned')).toEqual([]);
  });
  it('refuses a bad rate, naming the field', () => {
    expect(() => parseProgramRate({ kind: 'energy', pricePerKwh: 'x' })).toThrow(/rate.pricePerKwh must be a finite number, got "x"/);
    expect(() => parseProgramRate({ kind: 'capacity', pricePerKw: 1, penaltyPerKw: -1 })).toThrow(/rate.penaltyPerKw must be >= 0, got -1/);
    expect(() => parseProgramRate({ kind: 'bonus' })).toThrow(/rate.kind must be energy or capacity, got "bonus"/);
  });
});
