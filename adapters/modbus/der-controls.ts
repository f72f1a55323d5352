import { MODEL_704, WSET_MOD_WATTS, type ModelDef } from '../../src/domain/sunspec/index.js';
import type { PointValues } from './decoders.js';
import type { StorageWritePlan, WriteGroup } from './storage.js';

/** Joins points (each one or more registers) into as few FC16 writes as their offsets allow, in offset order. */
export function coalescePointWrites(model: ModelDef, points: ReadonlyArray<readonly [string, readonly number[]]>): WriteGroup[] {
  const located = points.map(([name, regs]) => ({ offset: model.byName.get(name)?.offset ?? -1, regs })).sort((a, b) => a.offset - b.offset);
  const groups: Array<{ offset: number; values: number[] }> = [];
  for (const p of located) {
    const last = groups.at(-1);
    if (last !== undefined && last.offset + last.values.length === p.offset) last.values.push(...p.regs);
    else groups.push({ offset: p.offset, values: [...p.regs] });
  }
  return groups;
}

const u32 = (v: number): number[] => [Math.floor(v / 0x10000) & 0xffff, v & 0xffff];

/**
 * Turns a setpoint (kW, load convention) into model 704 writes: WSet counts generation
 * positive, so a battery told to charge at +10 kW gets WSet = -10 000 W. The value, mode,
 * reversion (function disabled: the DER's own behaviour is its safe state) and WSetRvrtTms
 * go first, WSetEna last. Nothing is clamped; a value WSet cannot carry is refused.
 */
export function planWSetWrite(v: PointValues, powerKw: number, revertS: number): StorageWritePlan {
  if (!Number.isFinite(powerKw)) return { ok: false, detail: `setpoint powerKw must be a finite number, got ${powerKw}` };
  const sf = v.WSet_SF;
  if (typeof sf !== 'number') return { ok: false, detail: 'model 704 WSet_SF is not implemented' };
  const watts = 0 - powerKw * 1000;
  const raw = Math.round(sf < 0 ? watts * 10 ** -sf : watts / 10 ** sf);
  if (Math.abs(raw) > 0x7fffffff) return { ok: false, detail: `WSet ${watts} W does not fit int32 with WSet_SF ${sf}` };
  const revert = Math.ceil(revertS);
  if (!Number.isFinite(revert) || revert < 1 || revert > 0xfffffffe) return { ok: false, detail: `revertS must be 1..4294967294 s, got ${revertS}` };
  const body = coalescePointWrites(MODEL_704, [
    ['WSetMod', [WSET_MOD_WATTS]],
    ['WSet', u32(raw < 0 ? raw + 0x100000000 : raw)],
    ['WSetEnaRvrt', [0]],
    ['WSetRvrtTms', u32(revert)],
  ]);
  const step = 10 ** sf / 1000;
  return { ok: true, groups: [...body, ...coalescePointWrites(MODEL_704, [['WSetEna', [1]]])], toleranceKw: step / 2 + 1e-9 };
}

/** What model 704 says the DER was told, kW in the load convention; null when WSet is not in force as watts. */
export function wsetCommandKw(v: PointValues): number | null {
  if (v.WSetEna !== 1 || v.WSetMod !== WSET_MOD_WATTS || typeof v.WSet !== 'number') return null;
  return (0 - v.WSet) / 1000;
}
