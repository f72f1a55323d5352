import { finite, invalidInput } from './validate.js';

const DEG = Math.PI / 180;
const DAY_MS = 86_400_000;
/** Sub-samples per slot for the clear-sky mean: 5-minute points keep a 15-min slot's error at sunrise small. */
const SAMPLE_MS = 300_000;

/**
 * Cosine of the solar zenith angle at `atMs` for a site at latDeg (north > 0) and lonDeg (east
 * > 0), from the NOAA general solar position formulas (Spencer's Fourier series for declination
 * and the equation of time); good to ~0.01 in cos z, plenty for a forecast fallback. Negative
 * below the horizon.
 */
export function cosSolarZenith(atMs: number, latDeg: number, lonDeg: number): number {
  const d = new Date(finite('cosSolarZenith atMs', atMs));
  const dayStartMs = Date.UTC(d.getUTCFullYear(), 0, 1);
  const utcHours = (atMs % DAY_MS) / 3_600_000;
  const dayOfYear = Math.floor((atMs - dayStartMs) / DAY_MS) + 1;
  const g = ((2 * Math.PI) / 365) * (dayOfYear - 1 + (utcHours - 12) / 24);
  const decl =
    0.006918 - 0.399912 * Math.cos(g) + 0.070257 * Math.sin(g) - 0.006758 * Math.cos(2 * g) + 0.000907 * Math.sin(2 * g) - 0.002697 * Math.cos(3 * g) + 0.00148 * Math.sin(3 * g);
  const eqTimeMin = 229.18 * (0.000075 + 0.001868 * Math.cos(g) - 0.032077 * Math.sin(g) - 0.014615 * Math.cos(2 * g) - 0.040849 * Math.sin(2 * g));
  const trueSolarMin = utcHours * 60 + eqTimeMin + 4 * finite('lonDeg', lonDeg);
  const hourAngle = (trueSolarMin / 4 - 180) * DEG;
  const lat = finite('latDeg', latDeg) * DEG;
  return Math.sin(lat) * Math.sin(decl) + Math.cos(lat) * Math.cos(decl) * Math.cos(hourAngle);
}

/**
 * Haurwitz clear-sky global horizontal irradiance, W/m²: 1098 · cos z · exp(−0.057 / cos z),
 * 0 with the sun below the horizon (Haurwitz 1945; the simplest model that still tracks sandia's
 * reference within ~5 % at midday, Reno & Hansen 2012, SAND2012-2389).
 */
export function haurwitzGhiWm2(cosZenith: number): number {
  const c = finite('cosZenith', cosZenith);
  return c > 0 ? 1098 * c * Math.exp(-0.057 / c) : 0;
}

export interface PvForecastInput {
  readonly kwp: number;
  readonly latDeg: number;
  readonly lonDeg: number;
  readonly startMs: number;
  readonly slotS: number;
  readonly slots: number;
  /**
   * Per slot mean global horizontal irradiance from weather, W/m²; null, NaN or a missing slot
   * means no weather for that slot (it is never read as 0: night is the model's to say).
   */
  readonly irradianceWm2?: readonly (number | null | undefined)[];
  /** AC output per kWp at 1000 W/m² (inverter, soiling, temperature losses). Default 1. */
  readonly performanceRatio?: number;
}

export interface PvForecast {
  /** PV power per slot, kW in the load convention (generation ≤ 0). */
  readonly kw: number[];
  /** Where each slot's value came from. */
  readonly source: ('weather' | 'clear-sky')[];
}

/**
 * PV forecast per slot: kWp × performanceRatio × irradiance / 1000 W/m², with the weather's
 * irradiance where a slot has it and, where it does not, the clear-sky (Haurwitz) irradiance
 * of the sun's position at the site, averaged over the slot. Clear sky is the upper envelope:
 * on a cloudy day the fallback over-forecasts PV, so the planner under-estimates load there.
 */
export function pvForecastKw(input: PvForecastInput): PvForecast {
  const kwp = finite('pv kwp', input.kwp);
  if (kwp < 0) throw invalidInput('pv kwp', 'must be >= 0', kwp);
  const pr = finite('pv performanceRatio', input.performanceRatio ?? 1);
  if (!(pr > 0 && pr <= 1)) throw invalidInput('pv performanceRatio', 'must be in (0, 1]', pr);
  const slotS = finite('pv slotS', input.slotS);
  if (!(slotS > 0)) throw invalidInput('pv slotS', 'must be > 0', slotS);
  const slots = finite('pv slots', input.slots);
  if (!Number.isInteger(slots) || slots < 0) throw invalidInput('pv slots', 'must be a whole number >= 0', slots);
  const slotMs = slotS * 1000;
  const kw: number[] = [];
  const source: ('weather' | 'clear-sky')[] = [];
  for (let k = 0; k < slots; k++) {
    const given = input.irradianceWm2?.[k];
    let ghi: number;
    if (typeof given === 'number' && Number.isFinite(given)) {
      if (given < 0) throw invalidInput(`pv irradianceWm2[${k}]`, 'must be >= 0', given);
      ghi = given;
      source.push('weather');
    } else {
      const from = input.startMs + k * slotMs;
      const samples = Math.max(1, Math.round(slotMs / SAMPLE_MS));
      let sum = 0;
      // Midpoints of equal parts of the slot.
      for (let j = 0; j < samples; j++) sum += haurwitzGhiWm2(cosSolarZenith(from + ((j + 0.5) * slotMs) / samples, input.latDeg, input.lonDeg));
      ghi = sum / samples;
      source.push('clear-sky');
    }
    kw.push(-(kwp * pr * ghi) / 1000 + 0);
  }
  return { kw, source };
}
