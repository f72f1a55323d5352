import type { Site } from '../domain/index.js';
import type { SitePlanning } from './planning.js';
import type { NorthboundConfig } from './northbound.js';

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

/** `store.retention` and `store.spool` of the config file; present only when the file has them. */
export interface StoreRecordsConfig {
  readonly retention?: { readonly rawDays?: number; readonly rollup1mDays?: number; readonly rollup15mDays?: number };
  readonly spool?: { readonly maxBytes?: number; readonly dir?: string };
}

export type StoreConfig =
  | ({ readonly kind: 'sqlite'; readonly dataDir: string } & StoreRecordsConfig)
  | ({ readonly kind: 'influx'; readonly url: string; readonly database: string } & StoreRecordsConfig);

/** The validated, defaulted configuration the runtime is built from. */
export interface VppConfig {
  /** The file it came from, as given (error messages name it). */
  readonly source: string;
  readonly http: { readonly host: string; readonly port: number };
  readonly store: StoreConfig;
  readonly control: { readonly cycleS: number };
  readonly simulation: { readonly startAt: string; readonly startMs: number; readonly speed: number } | null;
  readonly sites: readonly ConfiguredSite[];
  /** Present when sites are shared among controller processes through PostgreSQL. */
  readonly cluster?: ClusterConfig;
  /** Present when the controller is a VEN of an upstream OpenADR 3 VTN. */
  readonly northbound?: NorthboundConfig;
}

export interface ClusterConfig {
  readonly postgresUrl: string;
  readonly controllerId: string;
  readonly claimIntervalS: number;
  readonly fleetMqttUrl?: string;
}

/** One problem in a config file: where and why. */
export interface ConfigProblem {
  readonly path: string;
  readonly message: string;
}
