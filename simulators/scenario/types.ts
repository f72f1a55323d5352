import type { BdewProfileName, WeatherName } from '../models/index.js';
import type { FaultKind } from './schema/index.js';

/**
 * A scenario as the simulators and `vpp replay` use it: checked, defaults filled in, times in
 * epoch ms (UTC), durations in seconds, paths resolved and their files already parsed.
 */
export type ServeProtocol = 'modbus' | 'opcua' | 'mqtt';

/** A value of a time series that holds until the next point. */
export interface TimedKw {
  readonly atMs: number;
  readonly powerKw: number;
}
export interface TimedCarbon {
  readonly atMs: number;
  readonly kgPerKwh: number;
}

interface DeviceBase {
  readonly id: string;
  readonly siteId: string;
  readonly serve: ServeProtocol;
  /** Modbus unit id when the file gives one; else the simulator assigns one. */
  readonly unitId?: number;
  readonly responseDelayS?: number;
  readonly rampKwPerS?: number;
}

export type ScenarioLoadProfile =
  | { readonly bdew: BdewProfileName; readonly annualKwh: number }
  | { readonly constantKw: number }
  /** `csv` is the absolute path of the file; `points` are sorted by time, the first at or before the start. */
  | { readonly csv: string; readonly points: readonly TimedKw[] };

export interface LoadStep {
  readonly atMs: number;
  readonly deltaKw: number;
  /** Absent: to the end of the scenario. */
  readonly durationS?: number;
}

export interface ScenarioLoad extends DeviceBase {
  readonly kind: 'load';
  readonly profile: ScenarioLoadProfile;
  readonly noise?: { readonly pct: number };
  readonly steps: readonly LoadStep[];
}

export interface ScenarioPv extends DeviceBase {
  readonly kind: 'pv';
  readonly kwp: number;
  readonly weather: WeatherName;
  readonly acKw?: number;
}

export type BatteryFallback =
  | { readonly kind: 'idle' }
  | { readonly kind: 'powerKw'; readonly powerKw: number }
  | { readonly kind: 'limitPct'; readonly pct: number };

export interface ScenarioBattery extends DeviceBase {
  readonly kind: 'battery';
  readonly capacityKwh: number;
  readonly maxChargeKw: number;
  readonly maxDischargeKw: number;
  readonly socPct: number;
  readonly minSocPct: number;
  readonly maxSocPct: number;
  readonly chargeEfficiency: number;
  readonly dischargeEfficiency: number;
  readonly taperPct?: number;
  readonly fallback?: BatteryFallback;
}

export interface ScenarioHvac extends DeviceBase {
  readonly kind: 'hvac';
  readonly ratedKw: number;
  readonly setpointC: number;
  readonly comfortBandC: number;
  readonly mode: 'cooling' | 'heating';
  readonly weather: WeatherName;
  readonly thermalResistanceCPerKw?: number;
  readonly thermalCapacityKwhPerC?: number;
  readonly cop?: number;
  readonly hysteresisC?: number;
  readonly initialTempC?: number;
}

export interface EvSession {
  readonly arrivesMs: number;
  readonly departsMs: number;
  readonly energyNeededKwh: number;
}

export interface ScenarioEvCharger extends DeviceBase {
  readonly kind: 'evCharger';
  readonly maxKw: number;
  readonly phases: 1 | 3;
  readonly voltageV: number;
  readonly minA: number;
  /** The daily pattern as written (minutes after local midnight), when the file gives one. */
  readonly daily?: { readonly arrivesMin: number; readonly departsMin: number; readonly energyNeededKwh: number };
  /** Every session that overlaps the scenario, daily ones expanded in the site's zone; sorted. */
  readonly sessions: readonly EvSession[];
}

export type ScenarioAsset = ScenarioLoad | ScenarioPv | ScenarioBattery | ScenarioHvac | ScenarioEvCharger;

export interface ScenarioMeter {
  readonly id: string;
  readonly serve: ServeProtocol;
  readonly unitId?: number;
  /** Measurement lag of the grid power reading, s (0 = none). */
  readonly lagS?: number;
}

export interface ScenarioSite {
  readonly id: string;
  /** A zone Intl accepts: the file's IANA zone, or `Etc/GMT-8` style for start's fixed offset. */
  readonly timezone: string;
  readonly gridImportLimitKw: number;
  readonly gridExportLimitKw?: number;
  readonly peakTargetKw?: number;
  readonly meter: ScenarioMeter;
  readonly assets: readonly ScenarioAsset[];
}

export interface TariffPeriod {
  /** Minutes after local midnight, [fromMin, toMin). */
  readonly fromMin: number;
  readonly toMin: number;
  readonly pricePerKwh: number;
}

export interface ScenarioTariff {
  /** Sorted by fromMin; they cover 0..1440 without gap or overlap. */
  readonly import: readonly TariffPeriod[];
  readonly exportPricePerKwh?: number;
  readonly demandChargePerKw?: number;
  readonly demandWindow: 'block' | 'sliding';
}

export type ScenarioCarbon =
  | { readonly kind: 'constant'; readonly gridKgPerKwh: number }
  | { readonly kind: 'series'; readonly csv: string; readonly points: readonly TimedCarbon[] };

export type ScenarioForecast =
  | { readonly kind: 'perfect' }
  | { readonly kind: 'persistence' }
  | { readonly kind: 'noisy'; readonly pct: number };

export interface ScenarioEvent {
  readonly id: string;
  readonly siteIds: readonly string[];
  readonly type: 'IMPORT_CAPACITY_LIMIT' | 'EXPORT_CAPACITY_LIMIT';
  readonly valueKw: number;
  readonly startMs: number;
  readonly endMs: number;
}

interface FaultBase {
  /** Position in the file's `faults` list: stable, and names the fault in messages. */
  readonly index: number;
  readonly siteId: string;
  readonly atMs: number;
  /** End of the fault; equal to atMs for an instant reboot. */
  readonly untilMs: number;
}

export type ScenarioFault =
  | (FaultBase & { readonly kind: 'commLoss' | 'stuckValue'; readonly assetId: string })
  | (FaultBase & { readonly kind: 'noise'; readonly assetId: string; readonly pct: number; readonly seed: number })
  | (FaultBase & { readonly kind: 'slowResponse'; readonly assetId: string; readonly delayMs: number })
  | (FaultBase & { readonly kind: 'deviceReboot'; readonly assetId: string })
  /** assetId null: every mqtt-served device of the site loses its connection. */
  | (FaultBase & { readonly kind: 'brokerDisconnect'; readonly assetId: string | null });

export type { FaultKind };

export interface Scenario {
  readonly version: 1;
  readonly name: string;
  /** The file as given to the loader (for messages). */
  readonly file: string;
  readonly seed: number;
  readonly startMs: number;
  /** The offset `start` was written with, minutes east of UTC: quarter hours align to it. */
  readonly startOffsetMin: number;
  readonly durationS: number;
  readonly endMs: number;
  readonly stepS: number;
  /** durationS / stepS, a whole number. */
  readonly steps: number;
  readonly forecast: ScenarioForecast;
  readonly tariff?: ScenarioTariff;
  readonly carbon?: ScenarioCarbon;
  readonly sites: readonly ScenarioSite[];
  readonly events: readonly ScenarioEvent[];
  readonly faults: readonly ScenarioFault[];
}
