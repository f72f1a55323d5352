import { localTimeParts, type Scenario, type ScenarioCarbon, type ScenarioTariff } from '../../../simulators/index.js';

/** Import price at atMs in the site's zone: the time-of-use period holding the local minute. */
export function importPriceAt(tariff: ScenarioTariff, zone: string, atMs: number): number {
  const t = localTimeParts(atMs, zone);
  const minute = t.hour * 60 + t.minute;
  const p = tariff.import.find((x) => x.fromMin <= minute && minute < x.toMin);
  // The loader checks that the periods cover the day; a hole would be a loader bug.
  if (p === undefined) throw new Error(`tariff: no import period covers local minute ${minute}`);
  return p.pricePerKwh;
}

/** Grid carbon intensity at atMs, kg/kWh: the constant, or the series value holding then. */
export function carbonAt(carbon: ScenarioCarbon, atMs: number): number {
  if (carbon.kind === 'constant') return carbon.gridKgPerKwh;
  let v = carbon.points[0]?.kgPerKwh ?? NaN;
  for (const p of carbon.points) {
    if (p.atMs > atMs) break;
    v = p.kgPerKwh;
  }
  return v;
}

/** The tightest import / export caps of the site's events active at atMs (half-open windows). */
export function capsAt(s: Scenario, siteId: string, atMs: number): { importCapKw?: number; exportCapKw?: number } {
  let importCapKw: number | undefined;
  let exportCapKw: number | undefined;
  for (const e of s.events) {
    if (!e.siteIds.includes(siteId) || atMs < e.startMs || atMs >= e.endMs) continue;
    if (e.type === 'IMPORT_CAPACITY_LIMIT') importCapKw = Math.min(importCapKw ?? Infinity, e.valueKw);
    else exportCapKw = Math.min(exportCapKw ?? Infinity, e.valueKw);
  }
  return { ...(importCapKw !== undefined ? { importCapKw } : {}), ...(exportCapKw !== undefined ? { exportCapKw } : {}) };
}

/** The tightest cap of a kind over [fromMs, toMs), or null when no event of that kind touches it. */
export function capOver(s: Scenario, siteId: string, kind: 'IMPORT_CAPACITY_LIMIT' | 'EXPORT_CAPACITY_LIMIT', fromMs: number, toMs: number): number | null {
  let cap: number | null = null;
  for (const e of s.events) {
    if (e.type !== kind || !e.siteIds.includes(siteId) || e.endMs <= fromMs || e.startMs >= toMs) continue;
    cap = Math.min(cap ?? Infinity, e.valueKw);
  }
  return cap;
}
