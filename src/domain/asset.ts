/**
 * Assets as the controller knows them: identity, binding and the limits it must never break.
 *
 * Sign convention (load convention): every power is in kW and positive when the asset *draws*
 * from the site's bus. A load is > 0, PV is <= 0, a battery charging is > 0 and discharging < 0,
 * a grid meter is > 0 on import and < 0 on export.
 */
export const ASSET_KINDS = ['meter', 'load', 'pv', 'battery', 'evCharger', 'hvac'] as const;
export type AssetKind = (typeof ASSET_KINDS)[number];

interface AssetBase {
  readonly id: string;
  readonly kind: AssetKind;
  /** Device binding URL: `modbus://host:port/unit`, later `opc.tcp://…`, `mqtt://…`. */
  readonly binding: string;
  /** A reading older than this becomes `stale`. */
  readonly staleAfterS: number;
  /** How often the adapter polls the device. */
  readonly pollIntervalS: number;
}

/** The site's grid connection point. */
export interface MeterAsset extends AssetBase {
  readonly kind: 'meter';
  /** Mounted the other way round: its readings are flipped at the edge (the adapter), once. */
  readonly invert?: boolean;
}

export interface LoadAsset extends AssetBase {
  readonly kind: 'load';
}

export interface PvAsset extends AssetBase {
  readonly kind: 'pv';
  /** Peak DC power, kWp. */
  readonly kwp: number;
}

export interface BatteryAsset extends AssetBase {
  readonly kind: 'battery';
  readonly capacityKwh: number;
  readonly maxChargeKw: number;
  readonly maxDischargeKw: number;
  /** Enrolled SoC floor and ceiling, percent 0..100. */
  readonly minSocPct: number;
  readonly maxSocPct: number;
  readonly chargeEfficiency: number;
  readonly dischargeEfficiency: number;
  /** Setpoints move away from zero at most this fast, kW/s; absent = no limit. */
  readonly rampKwPerS?: number;
}

export type Asset = MeterAsset | LoadAsset | PvAsset | BatteryAsset;
