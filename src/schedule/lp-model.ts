/**
 * The planner's LP as HiGHS model data (sparse, column-wise). Everything here is already
 * normalised (plan.ts): limits are +Infinity when absent, costs are per kW held for one slot.
 * We pass arrays rather than CPLEX-LP text: HiGHS's LP parser took ~40 % of the time at one
 * battery and ~1 s at 200 batteries × 96 slots (measured when this was written as text).
 */

export interface LpBattery {
  readonly eMinKwh: number;
  readonly eMaxKwh: number;
  /** Stored energy at the plan's start. */
  readonly e0Kwh: number;
  readonly maxChargeKw: number;
  readonly maxDischargeKw: number;
  readonly chargeEfficiency: number;
  readonly dischargeEfficiency: number;
}

/** A sliding demand window: Σ weight·import[slot] + constKw ≤ peak (weights = overlap / window length). */
export interface LpWindow {
  readonly terms: readonly (readonly [slot: number, weight: number])[];
  /** The window's import already metered before the plan's start, as kW over the whole window. */
  readonly constKw: number;
}

export interface LpModel {
  /** Length of each slot, h (slots may differ: fine steps near, quarter hours after). */
  readonly slotH: readonly number[];
  readonly baseKw: readonly number[];
  readonly batteries: readonly LpBattery[];
  /** Per slot cap on net import (gi − ge), kW; +Infinity = none. */
  readonly importCapKw: readonly number[];
  /** Per slot cap on net export (ge − gi), kW; +Infinity = none. */
  readonly exportCapKw: readonly number[];
  /** Per slot cost of 1 kW imported over the slot (price × slotH, carbon included). */
  readonly importCost: readonly number[];
  /** Per slot cost of 1 kW exported over the slot (negative: revenue). */
  readonly exportCost: readonly number[];
  /** Cost of 1 kW of plan peak. */
  readonly peakCost: number;
  /** Lower bound of the peak variable, kW (>= 0). */
  readonly peakFloorKw: number;
  /** Cost of 1 kWh (AC) charged or discharged: a tie-breaker against needless cycling. */
  readonly cycleCost: number;
  /** Reward for 1 kWh held for an hour: a tie-breaker that keeps reserve up and charges early. */
  readonly holdReward: number;
  /** Cost of 1 kW above an import or export cap for one slot. */
  readonly penaltyPerKw: number;
  /** Per slot: does the peak bound its import (pk row)? Absent = every slot. Sliding-window slots do not. */
  readonly peakRow?: readonly boolean[];
  /** Sliding demand windows, each bounded by the peak. */
  readonly windows?: readonly LpWindow[];
}

/** The LP in the shape HiGHS's `passModel` takes (structurally its ModelData, minus the sense brand). */
export interface LpData {
  readonly numCols: number;
  readonly numRows: number;
  readonly colCost: Float64Array;
  readonly colLower: Float64Array;
  readonly colUpper: Float64Array;
  readonly rowLower: Float64Array;
  readonly rowUpper: Float64Array;
  readonly matrix: { readonly format: 'csc'; readonly numRows: number; readonly numCols: number; readonly starts: Int32Array; readonly indices: Int32Array; readonly values: Float64Array };
  readonly colNames?: readonly string[];
  readonly rowNames?: readonly string[];
}

/** Column indices: P first, then gi/ge per slot, then (c, d, e) per battery and slot, then slacks. */
export const cols = {
  peak: 0,
  import: (t: number): number => 1 + 2 * t,
  export: (t: number): number => 2 + 2 * t,
  charge: (n: number, b: number, t: number): number => 1 + 2 * n + 3 * (b * n + t),
  discharge: (n: number, b: number, t: number): number => 2 + 2 * n + 3 * (b * n + t),
  energy: (n: number, b: number, t: number): number => 3 + 2 * n + 3 * (b * n + t),
} as const;

class Columns {
  constructor(private readonly named: boolean) {}
  readonly cost: number[] = [];
  readonly lower: number[] = [];
  readonly upper: number[] = [];
  readonly starts: number[] = [0];
  readonly indices: number[] = [];
  readonly values: number[] = [];
  readonly names: string[] = [];
  add(name: string, cost: number, lower: number, upper: number, entries: ReadonlyArray<readonly [number, number]>): void {
    this.cost.push(cost);
    this.lower.push(lower);
    this.upper.push(upper);
    for (const [row, value] of entries) {
      this.indices.push(row);
      this.values.push(value);
    }
    this.starts.push(this.indices.length);
    if (this.named) this.names.push(name);
  }
}

/**
 * Rows: bal_t (import − export − Σc + Σd = base), pk_t (P − gi ≥ 0; free where peakRow is
 * false), s_b_t (battery energy), then li_t (gi − ge − si ≤ cap) and lx_t (ge − gi − sx ≤ cap)
 * for slots that have a cap, then w_j (Σ weight·gi − P ≤ −constKw) per sliding window.
 */
export function buildLpData(m: LpModel, withNames = false): LpData {
  const n = m.baseKw.length;
  const nb = m.batteries.length;
  const socRow = (b: number, t: number): number => 2 * n + b * n + t;
  const liRow = new Map<number, number>();
  const lxRow = new Map<number, number>();
  let next = 2 * n + nb * n;
  for (let t = 0; t < n; t++) if (Number.isFinite(m.importCapKw[t] ?? Infinity)) liRow.set(t, next++);
  for (let t = 0; t < n; t++) if (Number.isFinite(m.exportCapKw[t] ?? Infinity)) lxRow.set(t, next++);
  const windows = m.windows ?? [];
  const firstWindowRow = next;
  const numRows = next + windows.length;
  // Per slot, the window rows its import enters (CSC is column-wise).
  const inWindows: [number, number][][] = Array.from({ length: n }, () => []);
  windows.forEach((w, j) => {
    for (const [t, weight] of w.terms) inWindows[t]?.push([firstWindowRow + j, weight]);
  });
  // Remaining hours from each slot's end: the hold reward is per kWh·h so fine slots weigh no more than coarse.
  const hoursLeft = new Array<number>(n).fill(0);
  for (let t = n - 1, acc = 0; t >= 0; t--) {
    acc += m.slotH[t] ?? 0;
    hoursLeft[t] = acc;
  }
  const rowLower = new Float64Array(numRows);
  const rowUpper = new Float64Array(numRows);
  const rowNames: string[] = withNames ? new Array<string>(numRows) : [];
  const setRow = (i: number, lo: number, hi: number, name: string): void => {
    rowLower[i] = lo;
    rowUpper[i] = hi;
    if (withNames) rowNames[i] = name;
  };
  const c = new Columns(withNames);
  const peakEntries: Array<readonly [number, number]> = [];
  for (let t = 0; t < n; t++) if (m.peakRow?.[t] ?? true) peakEntries.push([n + t, 1]);
  windows.forEach((_, j) => peakEntries.push([firstWindowRow + j, -1]));
  c.add('P', m.peakCost, m.peakFloorKw, Infinity, peakEntries);
  windows.forEach((w, j) => setRow(firstWindowRow + j, -Infinity, -w.constKw, `w${j}`));
  for (let t = 0; t < n; t++) {
    setRow(t, m.baseKw[t] ?? NaN, m.baseKw[t] ?? NaN, `bal${t}`);
    if (m.peakRow?.[t] ?? true) setRow(n + t, 0, Infinity, `pk${t}`);
    else setRow(n + t, -Infinity, Infinity, `pk${t}`);
    const li = liRow.get(t);
    const lx = lxRow.get(t);
    const gi: Array<readonly [number, number]> = [[t, 1]];
    if (m.peakRow?.[t] ?? true) gi.push([n + t, -1]);
    const ge: Array<readonly [number, number]> = [[t, -1]];
    if (li !== undefined) {
      gi.push([li, 1]);
      ge.push([li, -1]);
    }
    if (lx !== undefined) {
      gi.push([lx, -1]);
      ge.push([lx, 1]);
    }
    gi.push(...(inWindows[t] ?? []));
    c.add(`gi${t}`, m.importCost[t] ?? 0, 0, Infinity, gi);
    c.add(`ge${t}`, m.exportCost[t] ?? 0, 0, Infinity, ge);
  }
  m.batteries.forEach((bat, b) => {
    // CONTRACTS.md physics: stored energy moves by (charge·ηc − discharge/ηd)·dt.
    for (let t = 0; t < n; t++) {
      const h = m.slotH[t] ?? NaN;
      const cCoef = -bat.chargeEfficiency * h;
      const dCoef = h / bat.dischargeEfficiency;
      const s = socRow(b, t);
      // Σ_t e_t·h_t = const + Σ_τ (hours left after τ)·Δe_τ: the reward for energy held is put on
      // the charge and discharge that move it, which leaves the energy columns without cost.
      const held = m.holdReward * (hoursLeft[t] ?? 0);
      setRow(s, t === 0 ? bat.e0Kwh : 0, t === 0 ? bat.e0Kwh : 0, `s${b}_${t}`);
      c.add(`c${b}_${t}`, m.cycleCost * h + held * cCoef, 0, bat.maxChargeKw, [[t, -1], [s, cCoef]]);
      c.add(`d${b}_${t}`, m.cycleCost * h + held * dCoef, 0, bat.maxDischargeKw, [[t, 1], [s, dCoef]]);
      c.add(`e${b}_${t}`, 0, bat.eMinKwh, bat.eMaxKwh, t + 1 < n ? [[s, 1], [s + 1, -1]] : [[s, 1]]);
    }
  });
  for (const [t, row] of liRow) {
    setRow(row, -Infinity, m.importCapKw[t] ?? Infinity, `li${t}`);
    c.add(`si${t}`, m.penaltyPerKw, 0, Infinity, [[row, -1]]);
  }
  for (const [t, row] of lxRow) {
    setRow(row, -Infinity, m.exportCapKw[t] ?? Infinity, `lx${t}`);
    c.add(`sx${t}`, m.penaltyPerKw, 0, Infinity, [[row, -1]]);
  }
  const numCols = c.cost.length;
  return {
    numCols,
    numRows,
    colCost: Float64Array.from(c.cost),
    colLower: Float64Array.from(c.lower),
    colUpper: Float64Array.from(c.upper),
    rowLower,
    rowUpper,
    matrix: { format: 'csc', numRows, numCols, starts: Int32Array.from(c.starts), indices: Int32Array.from(c.indices), values: Float64Array.from(c.values) },
    ...(withNames ? { colNames: c.names, rowNames } : {}),
  };
}
