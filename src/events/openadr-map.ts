import type {
  DrEvent,
  DrInterval,
  DrSignal,
  EventTarget,
  OpenAdrEvent,
  OpenAdrEventPayloadDescriptor,
  OpenAdrIntervalPeriod,
  OpenAdrValuesMap,
} from '../domain/index.js';
import { formatDateTime, formatDurationS, parseDateTimeMs, parseDurationS } from './iso.js';
import { arrayAt, countAt, finiteAt, invalid, objectAt, optional, stringAt } from './validate.js';

/**
 * OpenADR 3.0.1 `event` JSON <-> DrEvent. The API validates the body against the schema
 * first; this checks again what it uses and names the field (`intervals[0].payloads[0].values`).
 * Power payloads come in the descriptor's `units` (KW when absent, W, MW) and leave as kW; PRICE
 * in currency per KWH (or MWH); GHG in g/kWh. toOpenAdrEvent writes kW, per kWh, UTC times.
 */
const POWER_TYPES = ['IMPORT_CAPACITY_LIMIT', 'EXPORT_CAPACITY_LIMIT', 'DISPATCH_SETPOINT', 'DISPATCH_SETPOINT_RELATIVE'] as const;
const POWER_UNITS: Readonly<Record<string, number>> = { KW: 1, W: 0.001, MW: 1000 };
const PRICE_UNITS: Readonly<Record<string, number>> = { KWH: 1, MWH: 0.001 };

interface Descriptor { readonly units?: string; readonly currency?: string }
interface Period { readonly startMs?: number; readonly durationS?: number; readonly randomizeStartS?: number }

export interface FromOpenAdrOptions {
  /** Used for createdAtMs/modifiedAtMs when the JSON has no createdDateTime (a body not yet stored). */
  readonly receivedAtMs?: number;
}

export function fromOpenAdrEvent(json: unknown, options: FromOpenAdrOptions = {}): DrEvent {
  const o = objectAt('event', json);
  const id = stringAt('id', o.id);
  const programId = stringAt('programID', o.programID);
  const name = optional(o.eventName, (v) => stringAt('eventName', v));
  const priority = optional(o.priority, (v) => countAt('priority', v));
  const createdAtMs =
    optional(o.createdDateTime, (v) => parseDateTimeMs('createdDateTime', v)) ??
    options.receivedAtMs ??
    (() => { throw invalid('createdDateTime', 'is required (or receivedAtMs)', o.createdDateTime); })();
  const modifiedAtMs = optional(o.modificationDateTime, (v) => parseDateTimeMs('modificationDateTime', v)) ?? createdAtMs;
  const targets = (optional(o.targets, (v) => arrayAt('targets', v)) ?? []).map((t, i) => target(`targets[${i}]`, t));

  const descriptors = new Map<string, Descriptor>();
  (optional(o.payloadDescriptors, (v) => arrayAt('payloadDescriptors', v)) ?? []).forEach((d, i) => {
    const at = `payloadDescriptors[${i}]`;
    const p = objectAt(at, d);
    const units = optional(p.units, (v) => stringAt(`${at}.units`, v));
    const currency = optional(p.currency, (v) => stringAt(`${at}.currency`, v));
    descriptors.set(stringAt(`${at}.payloadType`, p.payloadType), {
      ...(units === undefined ? {} : { units: units.toUpperCase() }),
      ...(currency === undefined ? {} : { currency }),
    });
  });

  const fallback = optional(o.intervalPeriod, (v) => period('intervalPeriod', v)) ?? {};
  const raw = arrayAt('intervals', o.intervals);
  if (raw.length === 0) throw invalid('intervals', 'must hold at least one interval', raw);
  let nextStartMs: number | null | undefined = fallback.startMs;
  const intervals = raw.map((x, i): DrInterval => {
    const at = `intervals[${i}]`;
    const it = objectAt(at, x);
    const own = optional(it.intervalPeriod, (v) => period(`${at}.intervalPeriod`, v)) ?? {};
    // Intervals without their own start follow one another from the event's start (OpenADR 3 User Guide).
    const startMs = own.startMs ?? nextStartMs;
    if (startMs === undefined || startMs === null) {
      throw invalid(`${at}.intervalPeriod.start`, 'is required when the event has no intervalPeriod (or the interval before is open-ended)', undefined);
    }
    const durationS = own.durationS ?? fallback.durationS ?? 0;
    const interval: DrInterval = {
      id: countAt(`${at}.id`, it.id),
      startMs,
      durationS: durationS === 0 ? null : durationS,
      randomizeStartS: own.randomizeStartS ?? fallback.randomizeStartS ?? 0,
      signals: arrayAt(`${at}.payloads`, it.payloads).map((p, j) => signal(`${at}.payloads[${j}]`, p, descriptors)),
    };
    nextStartMs = interval.durationS === null ? null : startMs + interval.durationS * 1000;
    return interval;
  });
  return {
    id,
    programId,
    ...(name === undefined ? {} : { name }),
    ...(priority === undefined ? {} : { priority }),
    targets,
    intervals: [...intervals].sort((a, b) => a.startMs - b.startMs),
    createdAtMs,
    modifiedAtMs,
    optOuts: [],
  };
}

function target(at: string, value: unknown): EventTarget {
  const t = objectAt(at, value);
  return { type: stringAt(`${at}.type`, t.type), values: arrayAt(`${at}.values`, t.values).map((v, i) => stringAt(`${at}.values[${i}]`, v)) };
}

function period(at: string, value: unknown): Period {
  const p = objectAt(at, value);
  const durationS = optional(p.duration, (v) => parseDurationS(`${at}.duration`, v));
  const randomizeStartS = optional(p.randomizeStart, (v) => parseDurationS(`${at}.randomizeStart`, v));
  return {
    startMs: parseDateTimeMs(`${at}.start`, p.start),
    ...(durationS === undefined ? {} : { durationS }),
    ...(randomizeStartS === undefined ? {} : { randomizeStartS }),
  };
}

function signal(at: string, value: unknown, descriptors: ReadonlyMap<string, Descriptor>): DrSignal {
  const p = objectAt(at, value);
  const type = stringAt(`${at}.type`, p.type);
  const values = arrayAt(`${at}.values`, p.values);
  if (values.length !== 1) throw invalid(`${at}.values`, `must hold exactly one value for ${type}`, values);
  const v = values[0];
  const d = descriptors.get(type) ?? {};
  if ((POWER_TYPES as readonly string[]).includes(type)) {
    const scale = POWER_UNITS[d.units ?? 'KW'];
    if (scale === undefined) throw invalid(`payloadDescriptors[${type}].units`, 'must be KW, W or MW', d.units);
    const valueKw = finiteAt(`${at}.values[0]`, v) * scale;
    if (type !== 'DISPATCH_SETPOINT' && type !== 'DISPATCH_SETPOINT_RELATIVE' && valueKw < 0) {
      throw invalid(`${at}.values[0]`, `must be >= 0 for ${type}`, v);
    }
    return { type: type as (typeof POWER_TYPES)[number], valueKw };
  }
  if (type === 'SIMPLE') {
    if (v !== 0 && v !== 1 && v !== 2 && v !== 3) throw invalid(`${at}.values[0]`, 'must be 0, 1, 2 or 3 for SIMPLE', v);
    return { type, level: v };
  }
  if (type === 'PRICE') {
    const scale = PRICE_UNITS[d.units ?? 'KWH'];
    if (scale === undefined) throw invalid(`payloadDescriptors[PRICE].units`, 'must be KWH or MWH', d.units);
    return { type, pricePerKwh: finiteAt(`${at}.values[0]`, v) * scale, ...(d.currency === undefined ? {} : { currency: d.currency }) };
  }
  if (type === 'GHG') {
    const gPerKwh = finiteAt(`${at}.values[0]`, v);
    if (gPerKwh < 0) throw invalid(`${at}.values[0]`, 'must be >= 0 for GHG', v);
    return { type, gPerKwh };
  }
  throw invalid(`${at}.type`, 'must be a payload type this controller acts on (IMPORT_CAPACITY_LIMIT, EXPORT_CAPACITY_LIMIT, DISPATCH_SETPOINT, DISPATCH_SETPOINT_RELATIVE, SIMPLE, PRICE, GHG)', type);
}

/**
 * DrEvent -> OpenADR 3 event JSON (objectType EVENT). When the intervals follow one another
 * with one duration and one randomizeStart, they share the event's intervalPeriod (OpenADR's
 * usual shape); otherwise each interval carries its own. Opt-outs and cancellation are ours
 * and not written.
 */
export function toOpenAdrEvent(ev: DrEvent): OpenAdrEvent {
  const first = ev.intervals[0];
  const shared =
    first !== undefined &&
    ev.intervals.every((it, i) => it.durationS === first.durationS && it.randomizeStartS === first.randomizeStartS &&
      (first.durationS === null ? i === 0 : it.startMs === first.startMs + i * first.durationS * 1000));
  const periodOf = (it: DrInterval): OpenAdrIntervalPeriod => ({
    start: formatDateTime(it.startMs),
    duration: formatDurationS(it.durationS ?? 0),
    ...(it.randomizeStartS > 0 ? { randomizeStart: formatDurationS(it.randomizeStartS) } : {}),
  });
  const descriptors = new Map<string, OpenAdrEventPayloadDescriptor>();
  for (const s of ev.intervals.flatMap((it) => it.signals)) {
    if (descriptors.has(s.type)) continue;
    if (s.type === 'PRICE') descriptors.set(s.type, { objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: s.type, units: 'KWH', ...(s.currency === undefined ? {} : { currency: s.currency }) });
    else if ((POWER_TYPES as readonly string[]).includes(s.type)) descriptors.set(s.type, { objectType: 'EVENT_PAYLOAD_DESCRIPTOR', payloadType: s.type, units: 'KW' });
  }
  return {
    id: ev.id,
    objectType: 'EVENT',
    createdDateTime: formatDateTime(ev.createdAtMs),
    modificationDateTime: formatDateTime(ev.modifiedAtMs),
    programID: ev.programId,
    ...(ev.name === undefined ? {} : { eventName: ev.name }),
    ...(ev.priority === undefined ? {} : { priority: ev.priority }),
    ...(ev.targets.length === 0 ? {} : { targets: ev.targets.map((t) => ({ type: t.type, values: [...t.values] })) }),
    ...(descriptors.size === 0 ? {} : { payloadDescriptors: [...descriptors.values()] }),
    ...(shared ? { intervalPeriod: periodOf(first) } : {}),
    intervals: ev.intervals.map((it) => ({
      id: it.id,
      ...(shared ? {} : { intervalPeriod: periodOf(it) }),
      payloads: it.signals.map(payload),
    })),
  };
}

function payload(s: DrSignal): OpenAdrValuesMap {
  switch (s.type) {
    case 'SIMPLE': return { type: s.type, values: [s.level] };
    case 'PRICE': return { type: s.type, values: [s.pricePerKwh] };
    case 'GHG': return { type: s.type, values: [s.gPerKwh] };
    default: return { type: s.type, values: [s.valueKw] };
  }
}
