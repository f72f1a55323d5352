/**
 * What the planner takes and gives. Times are epoch ms (UTC); powers kW in the load
 * convention (battery charging > 0, discharging < 0; grid import > 0); one value per slot.
 */

export interface PlanBattery {
  readonly id: string;
  readonly capacityKwh: number;
  /** State of charge now, at the plan's start. */
  readonly socPct: number;
  readonly minSocPct: number;
  readonly maxSocPct: number;
  readonly maxChargeKw: number;
  readonly maxDischargeKw: number;
  readonly chargeEfficiency: number;
  readonly dischargeEfficiency: number;
}

export interface PlanInput {
  readonly startMs: number;
  /** Slot length, s (default use: 900, a billing quarter hour). */
  readonly slotS: number;
  /**
   * Per slot length, s, when slots differ (e.g. physics steps for the next hours, then quarter
   * hours); overrides slotS. Length = baseKw.length.
   */
  readonly slotLengthsS?: readonly number[];
  /**
   * How demand is billed (CONTRACTS.md). 'block' (default): on each slot's mean, the slots being
   * the billing quarter hours. 'sliding' (滑差): on every 15-minute window starting on a whole
   * minute; slots shorter than 15 min are then bound through those windows, not one by one.
   */
  readonly demandWindow?: 'block' | 'sliding';
  /**
   * Sliding windows only: import of the steps just before startMs (step means, kW, the last one
   * ending at startMs), so windows that began before the plan count what they already hold.
   */
  readonly pastImport?: { readonly stepS: number; readonly importKw: readonly number[] };
  /**
   * Forecast mean grid power per slot WITHOUT the batteries (load + PV + uncontrolled HVAC
   * and EV), kW. Its length is the number of slots planned.
   */
  readonly baseKw: readonly number[];
  readonly batteries: readonly PlanBattery[];
  /** Hard import limit at the grid connection; a slot that cannot keep it is penalised, not infeasible. */
  readonly gridImportLimitKw: number;
  readonly gridExportLimitKw?: number;
  /** Per slot: a DR cap on import (IMPORT_CAPACITY_LIMIT) or null. Length = baseKw.length when given. */
  readonly importCapKw?: readonly (number | null)[];
  /** Per slot: a DR cap on export (EXPORT_CAPACITY_LIMIT) or null. */
  readonly exportCapKw?: readonly (number | null)[];
  /** Per slot import price, currency per kWh. Absent: energy costs nothing (pure peak minimisation). */
  readonly importPricePerKwh?: readonly number[];
  readonly exportPricePerKwh?: number;
  /** On the highest slot-mean import of the plan (the billing demand). Absent with no prices: the plan minimises the peak. */
  readonly demandChargePerKw?: number;
  /** The peak already set this billing month: the plan need not push below it. */
  readonly peakFloorKw?: number;
  /** Per slot grid carbon intensity, kg/kWh, and its weight in the objective (currency per kg). */
  readonly carbonKgPerKwh?: readonly number[];
  readonly carbonPricePerKg?: number;
}

export interface Plan {
  readonly startMs: number;
  readonly slotS: number;
  /** The input's slotLengthsS when it gave one (slotS is then its first slot's). */
  readonly slotLengthsS?: readonly number[];
  /** Planned battery power per slot, by battery id (load convention). */
  readonly batteryKw: Readonly<Record<string, readonly number[]>>;
  /** Planned state of charge at the END of each slot, by battery id. */
  readonly socPct: Readonly<Record<string, readonly number[]>>;
  /** Planned grid power per slot: baseKw + Σ batteries. */
  readonly gridKw: readonly number[];
  /** The planned billing peak: max over slots (sliding: over windows) of planned import, at least peakFloorKw. */
  readonly peakKw: number;
  /** 'optimal', or 'relaxed' when a hard limit or cap could not be kept in some slot. */
  readonly status: 'optimal' | 'relaxed';
  /** Slots whose import limit or DR cap the plan could not keep. */
  readonly violatedSlots: readonly number[];
  readonly objective: number;
  readonly solveMs: number;
}
