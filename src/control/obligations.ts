import { VppError, type DrSignal, type Site } from '../domain/index.js';
import type { ControlObligations } from './types.js';

/** What the active DR signals of a site mean for control and for the planner. */
export interface DrObligations {
  /** Bounds on the site's grid power for the controllers (ProcessImage.obligations). */
  readonly obligations: ControlObligations;
  /**
   * The signals carry planner inputs (PRICE, GHG): the schedule must be re-made with the
   * overrides below. The caller re-plans when this result changes, not every cycle.
   */
  readonly replan: boolean;
  /** PRICE: the energy price to plan with instead of the configured tariff, per kWh. */
  readonly tariffOverride?: { readonly pricePerKwh: number; readonly currency?: string };
  /** GHG: the marginal grid carbon intensity to plan with, g/kWh. */
  readonly carbonOverride?: { readonly gPerKwh: number };
  /** Signals that could not be applied as asked, and why (e.g. no baseline for a shed). */
  readonly notes: readonly string[];
}

/**
 * The default kW shed per OpenADR SIMPLE level when the site configures none: 0 / 10 / 20 /
 * 30 % of the import limit (OpenADR's example mapping: normal, moderate, high, emergency shed).
 */
export function defaultSimpleShedKw(site: Site): readonly [number, number, number, number] {
  const l = site.gridImportLimitKw;
  return [0, 0.1 * l, 0.2 * l, 0.3 * l];
}

const finite = (x: unknown): x is number => typeof x === 'number' && Number.isFinite(x);

function invalid(field: string, rule: string, seen: unknown): VppError {
  return new VppError('CONTROL_SIGNAL_INVALID', `${field} must be ${rule}, got ${JSON.stringify(seen) ?? String(seen)}`);
}

/**
 * Turns the DR signals active now into control obligations (control/README.md has the table):
 * capacity limits are caps; DISPATCH_SETPOINT holds grid power at the value (cap and floor);
 * DISPATCH_SETPOINT_RELATIVE and SIMPLE act against `baselineKw` (the site's expected import
 * without the event, from the caller; M&V computes it): a shed is a cap of baseline − shed, a
 * positive relative change a floor of baseline + change. PRICE and GHG set no bound: they
 * override the planner's tariff / carbon and ask for a re-plan. Several signals at once: the
 * tightest cap wins (lowest import cap, lowest export cap, highest floor), and a floor never
 * rises above the import cap. Pure; throws VppError CONTROL_SIGNAL_INVALID naming the field.
 */
export function obligationsFrom(
  signals: readonly DrSignal[],
  site: Site,
  baselineKw?: number,
  simpleShedKw: readonly number[] = site.simpleShedKw ?? defaultSimpleShedKw(site),
): DrObligations {
  checkShed(simpleShedKw);
  const notes: string[] = [];
  let cap: { kw: number; src: string } | undefined;
  let exportCap: { kw: number; src: string } | undefined;
  let floor: { kw: number; src: string } | undefined;
  let price: { pricePerKwh: number; currency?: string } | undefined;
  let carbon: { gPerKwh: number } | undefined;
  const lower = (cur: typeof cap, kw: number, s: string): typeof cap => (cur === undefined || kw < cur.kw ? { kw, src: s } : cur);
  const baseline = finite(baselineKw) ? baselineKw : undefined;

  signals.forEach((sig, i) => {
    const at = `signals[${i}]`;
    const of = sig.eventId === undefined ? '' : ` (event ${sig.eventId})`;
    switch (sig.type) {
      case 'IMPORT_CAPACITY_LIMIT':
      case 'EXPORT_CAPACITY_LIMIT': {
        if (!finite(sig.valueKw) || sig.valueKw < 0) throw invalid(`${at}.valueKw`, `a finite number >= 0 for ${sig.type}`, sig.valueKw);
        const s = `${sig.type} ${sig.valueKw} kW${of}`;
        if (sig.type === 'IMPORT_CAPACITY_LIMIT') cap = lower(cap, sig.valueKw, s);
        else exportCap = lower(exportCap, sig.valueKw, s);
        return;
      }
      case 'DISPATCH_SETPOINT': {
        if (!finite(sig.valueKw)) throw invalid(`${at}.valueKw`, 'a finite number for DISPATCH_SETPOINT', sig.valueKw);
        const s = `DISPATCH_SETPOINT ${sig.valueKw} kW${of}`;
        cap = lower(cap, sig.valueKw, s);
        if (floor === undefined || sig.valueKw > floor.kw) floor = { kw: sig.valueKw, src: s };
        return;
      }
      case 'DISPATCH_SETPOINT_RELATIVE':
      case 'SIMPLE': {
        const changeKw = changeOf(sig, at, simpleShedKw);
        if (changeKw === 0) return;
        const what = sig.type === 'SIMPLE' ? `SIMPLE level ${sig.level} (shed ${-changeKw} kW)` : `DISPATCH_SETPOINT_RELATIVE ${changeKw} kW`;
        if (baseline === undefined) {
          // Never a shed against a baseline of 0: the caller must say what "normal" is.
          notes.push(`${at}: ${what}${of} not applied: no baseline (got ${String(baselineKw)})`);
          return;
        }
        const kw = baseline + changeKw;
        const s = `${what} against baseline ${baseline} kW${of}`;
        if (changeKw < 0) cap = lower(cap, kw, s);
        else if (floor === undefined || kw > floor.kw) floor = { kw, src: s };
        return;
      }
      case 'PRICE':
        if (!finite(sig.pricePerKwh)) throw invalid(`${at}.pricePerKwh`, 'a finite number', sig.pricePerKwh);
        // Two prices at once: plan with the dearer, so no import is planned on a price too low.
        if (price === undefined || sig.pricePerKwh > price.pricePerKwh) {
          price = { pricePerKwh: sig.pricePerKwh, ...(sig.currency === undefined ? {} : { currency: sig.currency }) };
        }
        return;
      case 'GHG':
        if (!finite(sig.gPerKwh) || sig.gPerKwh < 0) throw invalid(`${at}.gPerKwh`, 'a finite number >= 0', sig.gPerKwh);
        if (carbon === undefined || sig.gPerKwh > carbon.gPerKwh) carbon = { gPerKwh: sig.gPerKwh };
        return;
      default:
        throw invalid(`${at}.type`, 'an OpenADR payload type this controller accepts', (sig as { type?: unknown }).type);
    }
  });

  if (floor !== undefined && cap !== undefined && floor.kw > cap.kw) {
    notes.push(`import floor ${floor.kw} kW (${floor.src}) lowered to the import cap ${cap.kw} kW (${cap.src}): the tightest cap wins`);
    floor = { kw: cap.kw, src: `${floor.src}, capped by ${cap.src}` };
  }
  const obligations: ControlObligations = {
    ...(cap === undefined ? {} : { importCapKw: cap.kw }),
    ...(exportCap === undefined ? {} : { exportCapKw: exportCap.kw }),
    ...(floor === undefined ? {} : { importFloorKw: floor.kw }),
    ...(cap ?? exportCap ?? floor
      ? {
          sources: {
            ...(cap === undefined ? {} : { importCap: cap.src }),
            ...(exportCap === undefined ? {} : { exportCap: exportCap.src }),
            ...(floor === undefined ? {} : { importFloor: floor.src }),
          },
        }
      : {}),
  };
  return {
    obligations,
    replan: price !== undefined || carbon !== undefined,
    ...(price === undefined ? {} : { tariffOverride: price }),
    ...(carbon === undefined ? {} : { carbonOverride: carbon }),
    notes,
  };
}

/** The change of consumption a relative or SIMPLE signal asks for, kW (< 0 = shed). */
function changeOf(sig: DrSignal & { type: 'DISPATCH_SETPOINT_RELATIVE' | 'SIMPLE' }, at: string, shedKw: readonly number[]): number {
  if (sig.type === 'DISPATCH_SETPOINT_RELATIVE') {
    if (!finite(sig.valueKw)) throw invalid(`${at}.valueKw`, 'a finite number for DISPATCH_SETPOINT_RELATIVE', sig.valueKw);
    return sig.valueKw;
  }
  const level: unknown = sig.level;
  if (level !== 0 && level !== 1 && level !== 2 && level !== 3) throw invalid(`${at}.level`, 'one of 0, 1, 2, 3 for SIMPLE', level);
  return -(shedKw[level] ?? 0) + 0;
}

function checkShed(shedKw: readonly number[]): void {
  if (shedKw.length !== 4) throw invalid('simpleShedKw', 'four numbers (levels 0..3)', shedKw);
  shedKw.forEach((kw, i) => {
    if (!finite(kw) || kw < 0) throw invalid(`simpleShedKw[${i}]`, 'a finite number >= 0', kw);
    if (i === 0 && kw !== 0) throw invalid('simpleShedKw[0]', '0 (level 0 is normal operation)', kw);
    const prev = shedKw[i - 1];
    if (prev !== undefined && kw < prev) throw invalid(`simpleShedKw[${i}]`, `>= simpleShedKw[${i - 1}] (${prev})`, kw);
  });
}
