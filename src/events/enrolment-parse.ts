import type { Enrolment, EnrolmentLimits, EvDepartureNeed } from '../domain/index.js';
import { checkTimezone } from './zone.js';
import { arrayAt, atLeastAt, countAt, finiteAt, invalid, objectAt, optional, positiveAt, stringAt } from './validate.js';

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$/;

/**
 * Validates an enrolment that arrives as JSON (HTTP body, registry row). Throws VppError
 * EVENTS_INVALID naming the field: `limits.maxShedKw must be > 0, got 0`.
 */
export function parseEnrolment(json: unknown): Enrolment {
  const o = objectAt('enrolment', json);
  const assetIds = arrayAt('assetIds', o.assetIds).map((v, i) => stringAt(`assetIds[${i}]`, v));
  const dup = assetIds.find((id, i) => assetIds.indexOf(id) !== i);
  if (dup !== undefined) throw invalid('assetIds', 'must not repeat an asset', dup);
  const createdAtMs = atLeastAt('createdAtMs', o.createdAtMs, 0);
  return {
    programId: stringAt('programId', o.programId),
    siteId: stringAt('siteId', o.siteId),
    timezone: checkTimezone('timezone', o.timezone),
    assetIds,
    limits: parseLimits(o.limits ?? {}, assetIds),
    createdAtMs,
    modifiedAtMs: optional(o.modifiedAtMs, (v) => atLeastAt('modifiedAtMs', v, createdAtMs)) ?? createdAtMs,
  };
}

function parseLimits(json: unknown, assetIds: readonly string[]): EnrolmentLimits {
  const o = objectAt('limits', json);
  const known = ['maxEventDurationS', 'maxEventsPerDay', 'maxEventsPerWeek', 'minNoticeS', 'maxShedKw', 'socFloorPct', 'comfortBandC', 'evDepartures'];
  const extra = Object.keys(o).find((k) => !known.includes(k));
  if (extra !== undefined) throw invalid(`limits.${extra}`, `is not an enrolment limit (${known.join(', ')})`, o[extra]);
  const enrolled = (field: string, id: string): string => {
    if (!assetIds.includes(id)) throw invalid(field, 'must name an enrolled asset (assetIds)', id);
    return id;
  };
  const perAsset = <T>(name: string, check: (field: string, v: unknown) => T): Record<string, T> | undefined =>
    optional(o[name], (v) =>
      Object.fromEntries(
        Object.entries(objectAt(`limits.${name}`, v)).map(([id, x]) => [enrolled(`limits.${name}.${id}`, id), check(`limits.${name}.${id}`, x)]),
      ),
    );
  const maxEventDurationS = optional(o.maxEventDurationS, (v) => positiveAt('limits.maxEventDurationS', v));
  const maxEventsPerDay = optional(o.maxEventsPerDay, (v) => countAt('limits.maxEventsPerDay', v));
  const maxEventsPerWeek = optional(o.maxEventsPerWeek, (v) => countAt('limits.maxEventsPerWeek', v));
  const minNoticeS = optional(o.minNoticeS, (v) => atLeastAt('limits.minNoticeS', v, 0));
  const maxShedKw = optional(o.maxShedKw, (v) => positiveAt('limits.maxShedKw', v));
  const socFloorPct = perAsset('socFloorPct', (f, v) => {
    const pct = atLeastAt(f, v, 0);
    if (pct > 100) throw invalid(f, 'must be <= 100', pct);
    return pct;
  });
  const comfortBandC = perAsset('comfortBandC', (f, v) => atLeastAt(f, v, 0));
  const evDepartures = perAsset('evDepartures', (f, v): EvDepartureNeed => {
    const d = objectAt(f, v);
    if (typeof d.departs !== 'string' || !HHMM.test(d.departs)) throw invalid(`${f}.departs`, 'must be local "HH:MM"', d.departs);
    return { departs: d.departs, energyNeededKwh: atLeastAt(`${f}.energyNeededKwh`, finiteAt(`${f}.energyNeededKwh`, d.energyNeededKwh), 0) };
  });
  return {
    ...(maxEventDurationS === undefined ? {} : { maxEventDurationS }),
    ...(maxEventsPerDay === undefined ? {} : { maxEventsPerDay }),
    ...(maxEventsPerWeek === undefined ? {} : { maxEventsPerWeek }),
    ...(minNoticeS === undefined ? {} : { minNoticeS }),
    ...(maxShedKw === undefined ? {} : { maxShedKw }),
    ...(socFloorPct === undefined ? {} : { socFloorPct }),
    ...(comfortBandC === undefined ? {} : { comfortBandC }),
    ...(evDepartures === undefined ? {} : { evDepartures }),
  };
}
