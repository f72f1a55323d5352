import { CHA_GRI_SET_GRID, CHA_GRI_SET_PV, MODEL_124, STOR_CTL_CHARGE, STOR_CTL_DISCHARGE } from '../../src/domain/sunspec/index.js';
import type { PointValues } from './decoders.js';

/** Registers to write, offsets from the first register after the model header. */
export interface WriteGroup {
  readonly offset: number;
  readonly values: readonly number[];
}

export type StorageWritePlan =
  | {
      readonly ok: true;
      readonly groups: readonly WriteGroup[];
      readonly toleranceKw: number;
      /** Points (engineering values) the device must read back as written besides the power, e.g. ChaGriSet. */
      readonly expectPoints?: Readonly<Record<string, number>>;
    }
  | { readonly ok: false; readonly detail: string };

/** Joins single-register points into as few FC16 writes as their offsets allow. */
export function coalesceWrites(points: ReadonlyArray<readonly [string, number]>): WriteGroup[] {
  const located = points
    .map(([name, raw]) => ({ offset: MODEL_124.byName.get(name)?.offset ?? -1, raw }))
    .sort((a, b) => a.offset - b.offset);
  const groups: Array<{ offset: number; values: number[] }> = [];
  for (const p of located) {
    const last = groups.at(-1);
    if (last !== undefined && last.offset + last.values.length === p.offset) last.values.push(p.raw);
    else groups.push({ offset: p.offset, values: [p.raw] });
  }
  return groups;
}

/**
 * Turns a setpoint (kW, load convention) into model 124 writes, following the semantics in
 * src/domain/sunspec/model-124.ts. Rates and revert timer are written first and the mode
 * last, so the device never runs the new mode at the old rate. Nothing is clamped: a setpoint
 * the device cannot take is refused with the reason. A charge command also sets ChaGriSet:
 * GRID when grid charging is allowed (valley filling needs it), PV when the battery may only
 * charge from PV; a device without ChaGriSet is refused only when PV-only is asked for.
 */
export function planStorageWrite(v: PointValues, powerKw: number, revertS: number, gridChargingAllowed = true): StorageWritePlan {
  if (!Number.isFinite(powerKw)) return { ok: false, detail: `setpoint powerKw must be a finite number, got ${powerKw}` };
  const maxW = v.WChaMax;
  const sf = v.InOutWRte_SF;
  if (typeof maxW !== 'number' || maxW <= 0) return { ok: false, detail: `model 124 WChaMax is not usable (${String(maxW)})` };
  if (typeof sf !== 'number') return { ok: false, detail: 'model 124 InOutWRte_SF is not implemented' };
  const watts = Math.abs(powerKw) * 1000;
  if (watts > maxW * (1 + 1e-9)) {
    return { ok: false, detail: `setpoint ${powerKw} kW is beyond WChaMax ${maxW / 1000} kW` };
  }
  const pct = (watts / maxW) * 100;
  const raw = Math.round(sf < 0 ? pct * 10 ** -sf : pct / 10 ** sf);
  if (raw > 0x7fff) return { ok: false, detail: `rate ${pct} % does not fit InWRte/OutWRte with InOutWRte_SF ${sf}` };
  const revert = Math.ceil(revertS);
  if (!Number.isFinite(revert) || revert < 1 || revert > 0xfffe) {
    return { ok: false, detail: `revertS must be 1..65534 s, got ${revertS}` };
  }
  const mode = powerKw > 0 ? STOR_CTL_CHARGE : powerKw < 0 ? STOR_CTL_DISCHARGE : 0;
  const source = gridChargingAllowed ? CHA_GRI_SET_GRID : CHA_GRI_SET_PV;
  const setSource = powerKw > 0 && typeof v.ChaGriSet === 'number';
  if (powerKw > 0 && !setSource && !gridChargingAllowed) {
    return { ok: false, detail: 'model 124 ChaGriSet is not implemented: cannot restrict charging to PV (gridChargingAllowed = false)' };
  }
  const rates = coalesceWrites([
    ['InWRte', powerKw > 0 ? raw : 0],
    ['OutWRte', powerKw < 0 ? raw : 0],
    ['InOutWRte_RvrtTms', revert],
    ...(setSource ? [['ChaGriSet', source] as const] : []),
  ]);
  const step = (10 ** sf * maxW) / 100 / 1000;
  return {
    ok: true,
    groups: [...rates, ...coalesceWrites([['StorCtl_Mod', mode]])],
    toleranceKw: step / 2 + 1e-9,
    ...(setSource ? { expectPoints: { ChaGriSet: source } } : {}),
  };
}
