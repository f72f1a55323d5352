import type { Quality } from '../domain/index.js';
import { CarbonCursor, checkGridCarbon, type GridCarbon } from './energy-carbon.js';
import { finite, invalidInput, positive } from './validate.js';

/** A stored sample of a site series (what `queryMetric` returns); load convention, kW. */
export interface PowerSample {
  readonly atMs: number;
  readonly value: number;
  readonly quality?: Quality;
}

export interface EnergyWindowInput {
  readonly fromMs: number;
  /** Exclusive. */
  readonly toMs: number;
  /**
   * How long a sample holds at most (the meter's stale limit): a value holds until the next
   * sample, and a gap longer than this is not filled in. Pass samples from `fromMs − maxHoldS`
   * so the value in force at `fromMs` is known.
   */
  readonly maxHoldS: number;
  /** The site's grid power, > 0 import. Sorted by time, each instant once. */
  readonly gridKw: readonly PowerSample[];
  /** PV (<= 0 when generating); absent: the site has no PV, so 0 throughout. */
  readonly pvKw?: readonly PowerSample[];
  /** Storage (> 0 charging); absent: the site has no battery, so 0 throughout. */
  readonly batteryKw?: readonly PowerSample[];
  readonly carbon?: GridCarbon;
  /** Demand block length; default 900 s, clock-aligned (CONTRACTS.md peakImportKw). */
  readonly blockS?: number;
}

/** Import over one clock-aligned demand block, the part of it inside the window. */
export interface EnergyBlock {
  readonly startMs: number;
  /** Length of the block inside the window, s. */
  spanS: number;
  importKwh: number;
  /** Seconds of the span with a good grid value. */
  coveredS: number;
  /** Import with the batteries idle (grid − battery), where both are known. */
  uncontrolledImportKwh: number;
  uncontrolledCoveredS: number;
}

/** Energy sums of one window. Every kWh is counted only where its inputs were good. */
export interface EnergySums {
  spanS: number;
  importKwh: number;
  exportKwh: number;
  /** PV generation. */
  pvKwh: number;
  /** Generation − export, within [0, generation], per instant: PV used on site (or stored). */
  selfConsumedPvKwh: number;
  /** Consumption by energy balance, grid − PV − battery: loads, EV, HVAC, unmetered. */
  loadKwh: number;
  /** Self-consumed PV over the instants loadKwh covers (the renewable share's numerator). */
  shareSelfConsumedPvKwh: number;
  co2Kg: number;
  /** Import at instants without a carbon factor (before a series' first point, or none configured). */
  co2UnfactoredImportKwh: number;
  gridCoveredS: number;
  pvCoveredS: number;
  loadCoveredS: number;
}

export interface EnergyWindow {
  readonly sums: EnergySums;
  readonly blocks: readonly EnergyBlock[];
}

export function emptySums(): EnergySums {
  return {
    spanS: 0, importKwh: 0, exportKwh: 0, pvKwh: 0, selfConsumedPvKwh: 0, loadKwh: 0, shareSelfConsumedPvKwh: 0,
    co2Kg: 0, co2UnfactoredImportKwh: 0, gridCoveredS: 0, pvCoveredS: 0, loadCoveredS: 0,
  };
}

/** a += b, field by field. */
export function addSums(a: EnergySums, b: EnergySums): EnergySums {
  for (const k of Object.keys(a) as (keyof EnergySums)[]) a[k] += b[k];
  return a;
}

/** A series as hold pieces: sample i holds on [t_i, min(t_{i+1}, t_i + maxHold)); NaN = not good. */
class HoldCursor {
  private c = 0;
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private readonly values: number[] = [];

  constructor(field: string, samples: readonly PowerSample[], maxHoldMs: number, fromMs: number) {
    if (!Array.isArray(samples)) throw invalidInput(field, 'must be an array of {atMs, value, quality}', samples);
    samples.forEach((s, i) => {
      const t = finite(`${field}[${i}].atMs`, s.atMs);
      const next = samples[i + 1]?.atMs ?? Infinity;
      if (!(next > t)) throw invalidInput(`${field}[${i + 1}].atMs`, 'must be later than the sample before', next);
      const end = Math.min(next, t + maxHoldMs);
      if (end <= fromMs) return;
      const good = (s.quality === undefined || s.quality === 'good') && typeof s.value === 'number' && Number.isFinite(s.value);
      this.starts.push(t);
      this.ends.push(end);
      this.values.push(good ? s.value : NaN);
    });
  }

  /** The value at t (NaN: no good value holds then); moves forward only. */
  at(t: number): number {
    while (this.c < this.ends.length && (this.ends[this.c] ?? 0) <= t) this.c++;
    const s = this.starts[this.c];
    return s !== undefined && s <= t ? (this.values[this.c] ?? NaN) : NaN;
  }

  /** The next instant after t where the value may change. Call after at(t). */
  nextChange(t: number): number {
    const s = this.starts[this.c];
    if (s === undefined) return Infinity;
    return s <= t ? (this.ends[this.c] ?? Infinity) : s;
  }
}

const ZERO: Pick<HoldCursor, 'at' | 'nextChange'> = { at: () => 0, nextChange: () => Infinity };

/**
 * Integrates a site's power series over [fromMs, toMs) exactly, holding each sample until the
 * next one (CONTRACTS.md: "a value holds until the next sample"; replay books a step's power
 * over the whole step the same way), at most `maxHoldS`. The window is cut wherever any input
 * or the carbon factor changes and at every block boundary, so each piece has constant powers.
 */
export function integrateEnergy(input: EnergyWindowInput): EnergyWindow {
  const fromMs = finite('fromMs', input.fromMs);
  const toMs = finite('toMs', input.toMs);
  if (!(toMs > fromMs)) throw invalidInput('toMs', `must be after fromMs (${fromMs})`, toMs);
  const holdMs = positive('maxHoldS', input.maxHoldS) * 1000;
  const blockMs = positive('blockS', input.blockS ?? 900) * 1000;
  if (input.carbon !== undefined) checkGridCarbon('carbon', input.carbon);
  const grid = new HoldCursor('gridKw', input.gridKw, holdMs, fromMs);
  const pv = input.pvKw === undefined ? ZERO : new HoldCursor('pvKw', input.pvKw, holdMs, fromMs);
  const bat = input.batteryKw === undefined ? ZERO : new HoldCursor('batteryKw', input.batteryKw, holdMs, fromMs);
  const carbon = new CarbonCursor(input.carbon);
  const sums = emptySums();
  sums.spanS = (toMs - fromMs) / 1000;
  const blocks: EnergyBlock[] = [];
  let block: EnergyBlock | undefined;

  for (let t = fromMs; t < toMs; ) {
    const g = grid.at(t);
    const p = pv.at(t);
    const b = bat.at(t);
    const f = carbon.at(t);
    const blockStart = Math.floor(t / blockMs) * blockMs;
    const end = Math.min(toMs, blockStart + blockMs, grid.nextChange(t), pv.nextChange(t), bat.nextChange(t), carbon.nextChangeAfter(t));
    const dtS = (end - t) / 1000;
    const dtH = dtS / 3600;
    if (block === undefined || block.startMs !== blockStart) {
      block = { startMs: blockStart, spanS: 0, importKwh: 0, coveredS: 0, uncontrolledImportKwh: 0, uncontrolledCoveredS: 0 };
      blocks.push(block);
    }
    block.spanS += dtS;
    const gen = Number.isNaN(p) ? NaN : Math.max(-p, 0) * dtH;
    if (!Number.isNaN(gen)) {
      sums.pvKwh += gen;
      sums.pvCoveredS += dtS;
    }
    if (!Number.isNaN(g)) {
      const imp = Math.max(g, 0) * dtH;
      const exp = Math.max(-g, 0) * dtH;
      sums.importKwh += imp;
      sums.exportKwh += exp;
      sums.gridCoveredS += dtS;
      block.importKwh += imp;
      block.coveredS += dtS;
      if (f === null) sums.co2UnfactoredImportKwh += imp;
      else sums.co2Kg += imp * f;
      const self = Number.isNaN(gen) ? NaN : Math.min(Math.max(gen - exp, 0), gen);
      if (!Number.isNaN(self)) sums.selfConsumedPvKwh += self;
      if (!Number.isNaN(self) && !Number.isNaN(b)) {
        sums.loadKwh += (g - p - b) * dtH;
        sums.shareSelfConsumedPvKwh += self;
        sums.loadCoveredS += dtS;
      }
      if (!Number.isNaN(b)) {
        block.uncontrolledImportKwh += Math.max(g - b, 0) * dtH;
        block.uncontrolledCoveredS += dtS;
      }
    }
    t = end;
  }
  return { sums, blocks };
}
