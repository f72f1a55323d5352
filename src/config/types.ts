import type { Site } from '../domain/index.js';
import type { SitePlanning } from './planning.js';

/** How the demo's simulator draws an asset (only used when `simulation` is configured). */
export type AssetSimulation =
  | { readonly kind: 'load'; readonly profile: { readonly bdew: 'g25' | 'h25' | 'l25'; readonly annualKwh: number } | { readonly constantKw: number } }
  | { readonly kind: 'pv'; readonly weather: 'tmy3-723170' }
  | { readonly kind: 'battery'; readonly socPct: number }
  | { readonly kind: 'meter' };

export interface ConfiguredSite {
  readonly site: Site;
  /** By asset id; present for every asset when the config has a `simulation` section. */
  readonly simulate: Readonly<Record<string, AssetSimulation>>;
  /** Battery revert timers by asset id, seconds. */
  readonly revertS: Readonly<Record<string, number>>;
  /** Tariff, carbon, location and load forecast for the planner (issue 6); absent: peak shaving only. */
  readonly planning?: SitePlanning;
}

export type StoreConfig =
  | { readonly kind: 'sqlite'; readonly dataDir: string }
  | { readonly kind: 'influx'; readonly url: string; readonly database: string };

/** The validated, defaulted configuration the runtime is built from. */
export interface VppConfig {
  /** The file it came from, as given (error messages name it). */
  readonly source: string;
  readonly http: { readonly host: string; readonly port: number };
  readonly store: StoreConfig;
  readonly control: { readonly cycleS: number };
  readonly simulation: { readonly startAt: string; readonly startMs: number; readonly speed: number } | null;
  readonly sites: readonly ConfiguredSite[];
}

/** One problem in a config file: where and why. */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}
