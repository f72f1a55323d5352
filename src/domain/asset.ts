import type { OperatingMode } from './mode.js';

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
  /** Operating mode at start when no operator has set one (default: the site's). */
  readonly mode?: OperatingMode;
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
  /** May charge from the grid; false = from on-site PV only. Absent = true (valley filling needs it). */
  readonly gridChargingAllowed?: boolean;
}

/**
 * An EV charger: a flexible load whose car must have its energy by departure. The session
 * (departure, energy wanted) comes from the device when it reports one, else from the defaults
 * here; without either the charger is not dispatched (it charges as it would uncontrolled).
 */
export interface EvChargerAsset extends AssetBase {
  readonly kind: 'evCharger';
  /** Largest charging power, kW. */
  readonly maxKw: number;
  /**
   * Lowest charging power other than a pause, kW: IEC 61851-1 lets a car draw no less than 6 A
   * per phase, so 6 A × phases × 230 V (4.14 kW three-phase, 1.38 kW single-phase); 0 when the
   * charger can modulate down to nothing.
   */
  readonly minKw: number;
  /** Default departure, local "HH:MM" in the site's zone, when the car reports none. */
  readonly departs?: string;
  /** Default energy a car wants per session, kWh, when the car reports none. */
  readonly energyNeededKwh?: number;
  /** Plan the car full this long before departure, s, against rounding and late arrival of data. Absent = 900. */
  readonly departureMarginS?: number;
}

/**
 * An HVAC unit on an on/off thermostat, dispatched through its setpoint (the simulator's and
 * most BMSs' command). Thermal parameters are the 1R1C room the envelope uses; the defaults
 * (`hvacThermalDefaults`) are the simulator's (simulators/models/hvac.ts).
 */
export interface HvacAsset extends AssetBase {
  readonly kind: 'hvac';
  /** Electric power while it runs, kW. */
  readonly ratedKw: number;
  /** Nominal thermostat setpoint, °C; the comfort band is centred on it. */
  readonly setpointC: number;
  /** Comfort band half-width, °C: the room must stay within setpointC ± comfortBandC. */
  readonly comfortBandC: number;
  /** Cooling (a chiller) or heating (a heat pump); named apart from the operating `mode`. */
  readonly thermalMode: 'cooling' | 'heating';
  /** Thermostat hysteresis, full width around the setpoint, °C (> 0). */
  readonly hysteresisC: number;
  /** Thermal kW per electric kW. */
  readonly cop: number;
  /** R, °C/kW. */
  readonly thermalResistanceCPerKw: number;
  /** C, kWh/°C. */
  readonly thermalCapacityKwhPerC: number;
  /**
   * Outdoor temperature the envelope assumes when none is measured, °C: the design
   * temperature, the worst case for how long the room holds without the unit.
   */
  readonly designOutdoorC: number;
  /** Heat from people, lights, equipment, thermal kW. Absent = 0. */
  readonly internalGainsKw?: number;
}

export type Asset = MeterAsset | LoadAsset | PvAsset | BatteryAsset | EvChargerAsset | HvacAsset;

/**
 * The simulator's default thermal parameters for an HVAC unit (simulators/models/hvac.ts): COP 3,
 * hysteresis 1 °C, design outdoor 35 °C cooling / −5 °C heating, R sized so that the unit runs
 * at 80 % of its thermal capacity at the design temperature
 * (R = max(5, |design − setpoint|) / (0.8 × cop × ratedKw)), C for a 4 h time constant (C = 4 h / R).
 */
export function hvacThermalDefaults(
  ratedKw: number,
  setpointC: number,
  mode: 'cooling' | 'heating',
  given: { readonly cop?: number; readonly designOutdoorC?: number; readonly timeConstantH?: number } = {},
): { cop: number; hysteresisC: number; designOutdoorC: number; thermalResistanceCPerKw: number; thermalCapacityKwhPerC: number } {
  const cop = given.cop ?? 3;
  const designOutdoorC = given.designOutdoorC ?? (mode === 'cooling' ? 35 : -5);
  const r = Math.max(5, Math.abs(designOutdoorC - setpointC)) / (0.8 * cop * ratedKw);
  return { cop, hysteresisC: 1, designOutdoorC, thermalResistanceCPerKw: r, thermalCapacityKwhPerC: (given.timeConstantH ?? 4) / r };
}

/** IEC 61851-1's lowest charging current, 6 A per phase, at 230 V: the smallest power a car accepts, kW. */
export function iec61851MinKw(phases: 1 | 3, voltageV = 230, minA = 6): number {
  return (minA * phases * voltageV) / 1000;
}
