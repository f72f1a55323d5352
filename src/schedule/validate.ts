import { inputChecks } from '../domain/index.js';
import type { PlanBattery, PlanInput } from './types.js';

/** Stable code of every refusal of a planner input; the message names the field and the value. */
export const SCHEDULE_INVALID_INPUT = 'SCHEDULE_INVALID_INPUT';

const checks = inputChecks(SCHEDULE_INVALID_INPUT, 'schedule');
export const { invalid: invalidInput, finite } = checks;
const { atLeast } = checks;

/** A limit may be +Infinity (none); NaN and negative values are refused. */
function limit(field: string, value: unknown): number {
  if (value === Number.POSITIVE_INFINITY) return value;
  return atLeast(field, value, 0);
}

function efficiency(field: string, value: unknown): number {
  const v = finite(field, value);
  if (!(v > 0 && v <= 1)) throw invalidInput(field, 'must be in (0, 1]', v);
  return v;
}

function pct(field: string, value: unknown): number {
  const v = finite(field, value);
  if (v < 0 || v > 100) throw invalidInput(field, 'must be in [0, 100]', v);
  return v;
}

function series(field: string, value: unknown, length: number, allowNull: boolean): void {
  if (!Array.isArray(value)) throw invalidInput(field, 'must be an array', value);
  if (value.length !== length) throw invalidInput(`${field}.length`, `must equal baseKw.length (${length})`, value.length);
  value.forEach((v: unknown, i) => {
    if (allowNull && v === null) return;
    finite(`${field}[${i}]`, v);
  });
}

function checkBattery(b: PlanBattery, i: number, seen: Set<string>): void {
  const f = `PlanInput.batteries[${i}]`;
  if (typeof b.id !== 'string' || b.id === '') throw invalidInput(`${f}.id`, 'must be a non-empty string', b.id);
  if (seen.has(b.id)) throw invalidInput(`${f}.id`, 'must be unique', b.id);
  seen.add(b.id);
  atLeast(`${f}.capacityKwh`, b.capacityKwh, 0);
  const min = pct(`${f}.minSocPct`, b.minSocPct);
  const max = pct(`${f}.maxSocPct`, b.maxSocPct);
  if (max < min) throw invalidInput(`${f}.maxSocPct`, `must be >= minSocPct (${min})`, max);
  // A reading a hair outside the band is normal (BMS rounding); the planner clamps it, see plan.ts.
  pct(`${f}.socPct`, b.socPct);
  atLeast(`${f}.maxChargeKw`, b.maxChargeKw, 0);
  atLeast(`${f}.maxDischargeKw`, b.maxDischargeKw, 0);
  efficiency(`${f}.chargeEfficiency`, b.chargeEfficiency);
  efficiency(`${f}.dischargeEfficiency`, b.dischargeEfficiency);
}

/** Throws a VppError (code SCHEDULE_INVALID_INPUT) naming the first field that is not usable. */
export function checkPlanInput(input: PlanInput): void {
  finite('PlanInput.startMs', input.startMs);
  const slotS = finite('PlanInput.slotS', input.slotS);
  if (slotS <= 0) throw invalidInput('PlanInput.slotS', 'must be > 0', slotS);
  if (!Array.isArray(input.baseKw) || input.baseKw.length === 0) {
    throw invalidInput('PlanInput.baseKw', 'must be a non-empty array', input.baseKw);
  }
  const n = input.baseKw.length;
  series('PlanInput.baseKw', input.baseKw, n, false);
  if (input.slotLengthsS !== undefined) {
    series('PlanInput.slotLengthsS', input.slotLengthsS, n, false);
    input.slotLengthsS.forEach((v, i) => {
      if (!(v > 0)) throw invalidInput(`PlanInput.slotLengthsS[${i}]`, 'must be > 0', v);
    });
  }
  if (input.pastImport !== undefined) {
    if (!(finite('PlanInput.pastImport.stepS', input.pastImport.stepS) > 0)) throw invalidInput('PlanInput.pastImport.stepS', 'must be > 0', input.pastImport.stepS);
    series('PlanInput.pastImport.importKw', input.pastImport.importKw, input.pastImport.importKw.length, false);
  }
  if (input.demandWindow !== undefined && input.demandWindow !== 'block' && input.demandWindow !== 'sliding') {
    throw invalidInput('PlanInput.demandWindow', 'must be block or sliding', input.demandWindow);
  }
  if (!Array.isArray(input.batteries)) throw invalidInput('PlanInput.batteries', 'must be an array', input.batteries);
  const seen = new Set<string>();
  input.batteries.forEach((b, i) => checkBattery(b, i, seen));
  limit('PlanInput.gridImportLimitKw', input.gridImportLimitKw);
  if (input.gridExportLimitKw !== undefined) limit('PlanInput.gridExportLimitKw', input.gridExportLimitKw);
  if (input.importCapKw !== undefined) series('PlanInput.importCapKw', input.importCapKw, n, true);
  if (input.exportCapKw !== undefined) series('PlanInput.exportCapKw', input.exportCapKw, n, true);
  if (input.importPricePerKwh !== undefined) series('PlanInput.importPricePerKwh', input.importPricePerKwh, n, false);
  if (input.exportPricePerKwh !== undefined) finite('PlanInput.exportPricePerKwh', input.exportPricePerKwh);
  if (input.demandChargePerKw !== undefined) atLeast('PlanInput.demandChargePerKw', input.demandChargePerKw, 0);
  if (input.peakFloorKw !== undefined) finite('PlanInput.peakFloorKw', input.peakFloorKw);
  if (input.carbonKgPerKwh !== undefined) {
    series('PlanInput.carbonKgPerKwh', input.carbonKgPerKwh, n, false);
    input.carbonKgPerKwh.forEach((v, i) => atLeast(`PlanInput.carbonKgPerKwh[${i}]`, v, 0));
  }
  if (input.carbonPricePerKg !== undefined) atLeast('PlanInput.carbonPricePerKg', input.carbonPricePerKg, 0);
}
