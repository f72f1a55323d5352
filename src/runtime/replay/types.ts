/** What `replayScenario` takes and gives: the `vpp replay` contract (CONTRACTS.md) plus series. */

export type ReplayControllerName = 'plan' | 'peak-shaving' | 'static-threshold' | 'none';

export interface StaticThresholdKw {
  readonly dischargeAboveKw: number;
  readonly rechargeBelowKw: number;
}

export interface ReplayOptions {
  /** Default 'plan' (LP + MPC). */
  readonly controller?: ReplayControllerName;
  /** For 'static-threshold': one pair for every site, or per site id. */
  readonly staticThreshold?: StaticThresholdKw | Readonly<Record<string, StaticThresholdKw>>;
  readonly onProgress?: (doneSteps: number, totalSteps: number) => void;
  /** Per-step series for CSV/HTML and tests. */
  readonly collectSeries?: boolean;
}

export interface ReplaySiteResult {
  id: string;
  peakImportKw: number;
  uncontrolledPeakImportKw: number;
  peakImportInstantKw: number;
  importKwh: number;
  exportKwh: number;
  cost: number;
  co2Kg: number;
  limitViolationMinutes: number;
  minSocPct: Record<string, number>;
  endSocPct: Record<string, number>;
  comfortViolationMinutes: number;
  evEnergyShortKwh: number;
}

export interface ReplayEventResult {
  id: string;
  site: string;
  requestedKw: number;
  baselineKw: number;
  meanImportKw: number;
  maxImportKw: number;
  compliantPct: number;
}

/** Per step i, the interval [timesMs[i], timesMs[i] + stepS): step means and end-of-step SoC. */
export interface ReplaySiteSeries {
  readonly gridKw: number[];
  readonly uncontrolledGridKw: number[];
  readonly gridImportLimitKw: number;
  /** The import cap of an active DR event per step, or null. */
  readonly importCapKw: (number | null)[];
  /** The billing peak of the plan in force per step (controller 'plan'), or null. */
  readonly planPeakKw: (number | null)[];
  readonly batteries: Record<string, { readonly powerKw: number[]; readonly socPct: number[] }>;
}

export interface ReplaySeries {
  readonly stepS: number;
  readonly timesMs: number[];
  readonly sites: Record<string, ReplaySiteSeries>;
}

export interface ReplayResult {
  scenario: string;
  steps: number;
  wallMs: number;
  sites: ReplaySiteResult[];
  events: ReplayEventResult[];
  /** Relative energy-balance error of the replay (import − export vs Σ asset energy), for tests. */
  balanceError: number;
  series?: ReplaySeries;
}
