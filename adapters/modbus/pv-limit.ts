import { ENA_ENABLED, MODEL_123 } from '../../src/domain/sunspec/index.js';
import type { PointValues } from './decoders.js';
import { coalescePointWrites } from './der-controls.js';
import type { StorageWritePlan } from './storage.js';

/** The power WMaxLimPct is a percentage of, W, and the point it came from (for messages). */
export type PvRating = { readonly ok: true; readonly watts: number; readonly source: string } | { readonly ok: false; readonly detail: string };

/**
 * What 123's WMaxLimPct is a percentage of. SunSpec defines it as % of WMax, the setting in
 * model 121; a device without 121 is taken at its nameplate WRtg (model 120), which is what
 * WMax defaults to. Pass null for a model the device does not serve. Never a guess: with
 * neither, the write is refused naming both points.
 */
export function pvRatingW(m121: PointValues | null, m120: PointValues | null): PvRating {
  const wmax = m121?.WMax;
  if (typeof wmax === 'number' && wmax > 0) return { ok: true, watts: wmax, source: 'model 121 WMax' };
  const wrtg = m120?.WRtg;
  if (typeof wrtg === 'number' && wrtg > 0) return { ok: true, watts: wrtg, source: 'model 120 WRtg' };
  const seen = `${m121 === null ? 'no model 121' : `model 121 WMax ${m121.WMax === null ? 'not implemented' : String(m121.WMax)}`}, ${m120 === null ? 'no model 120' : `model 120 WRtg ${m120.WRtg === null ? 'not implemented' : String(m120.WRtg)}`}`;
  return { ok: false, detail: `the inverter's WMax is unknown (${seen}): WMaxLimPct cannot be computed` };
}

/**
 * A PV setpoint (load convention: powerKw <= 0 means "generate at most |powerKw|") as model 123
 * writes: WMaxLimPct = |powerKw| / WMax × 100 in the device's WMaxLimPct_SF, then its revert
 * timer, and WMaxLim_Ena = ENABLED last so the inverter never enables an old percentage.
 * Nothing is clamped: a positive setpoint or one beyond WMax is refused with the reason.
 */
export function planPvLimitWrite(v: PointValues, ratingW: number, powerKw: number, revertS: number): StorageWritePlan {
  if (!Number.isFinite(powerKw)) return { ok: false, detail: `setpoint powerKw must be a finite number, got ${powerKw}` };
  if (powerKw > 0) return { ok: false, detail: `a PV setpoint caps generation and must be <= 0 kW (load convention), got ${powerKw}` };
  if (!Number.isFinite(ratingW) || ratingW <= 0) return { ok: false, detail: `WMax must be > 0 W, got ${ratingW}` };
  const sf = v.WMaxLimPct_SF;
  if (typeof sf !== 'number') return { ok: false, detail: 'model 123 WMaxLimPct_SF is not implemented' };
  const watts = 0 - powerKw * 1000;
  if (watts > ratingW * (1 + 1e-9)) return { ok: false, detail: `setpoint ${powerKw} kW is beyond WMax ${ratingW / 1000} kW` };
  const pct = (watts / ratingW) * 100;
  const raw = Math.round(sf < 0 ? pct * 10 ** -sf : pct / 10 ** sf);
  if (raw > 0xfffe) return { ok: false, detail: `WMaxLimPct ${pct} % does not fit uint16 with WMaxLimPct_SF ${sf}` };
  const revert = Math.ceil(revertS);
  if (!Number.isFinite(revert) || revert < 1 || revert > 0xfffe) return { ok: false, detail: `revertS must be 1..65534 s, got ${revertS}` };
  const body = coalescePointWrites(MODEL_123, [
    ['WMaxLimPct', [raw]],
    ['WMaxLimPct_RvrtTms', [revert]],
  ]);
  const stepKw = ((10 ** sf / 100) * ratingW) / 1000;
  return { ok: true, groups: [...body, ...coalescePointWrites(MODEL_123, [['WMaxLim_Ena', [ENA_ENABLED]]])], toleranceKw: stepKw / 2 + 1e-9 };
}

/** The cap model 123 says is in force, kW in the load convention (<= 0); null when no limit is enabled. */
export function pvLimitCommandKw(v: PointValues, ratingW: number): number | null {
  if (v.WMaxLim_Ena !== ENA_ENABLED || typeof v.WMaxLimPct !== 'number') return null;
  const kw = (v.WMaxLimPct / 100) * ratingW / 1000;
  return kw === 0 ? 0 : -kw;
}
