import type { Static } from 'typebox';
import { hvacThermalDefaults, iec61851MinKw, type EvChargerAsset, type HvacAsset } from '../domain/index.js';
import type { EvChargerSchema, HvacSchema } from './schema.js';
import type { ConfigProblem } from './types.js';

type Limits<T> = Omit<T, 'id' | 'binding' | 'staleAfterS' | 'pollIntervalS' | 'mode'>;

/** The demo's config-file simulation has no EV or HVAC models yet (a scenario file has: `vpp sim`). */
export function notSimulated(type: string, path: string, simulated: boolean, problems: ConfigProblem[]): null {
  if (simulated) problems.push({ path: `${path}.type`, message: `${type} cannot be simulated from a config file yet: run it from a scenario file (vpp sim), got ${JSON.stringify(type)}` });
  return null;
}

export function evChargerAsset(e: Static<typeof EvChargerSchema>, path: string, problems: ConfigProblem[]): Limits<EvChargerAsset> {
  const minKw = e.minKw ?? iec61851MinKw(e.phases ?? 3, e.voltageV ?? 230);
  if (minKw > e.maxKw) {
    problems.push(e.minKw === undefined
      ? { path: `${path}.maxKw`, message: `must be >= the IEC 61851 minimum 6 A × phases × voltageV = ${minKw} kW (or give minKw), got ${e.maxKw}` }
      : { path: `${path}.minKw`, message: `must be <= maxKw (${e.maxKw}), got ${e.minKw}` });
  }
  if ((e.departs === undefined) !== (e.energyNeededKwh === undefined)) {
    const missing = e.departs === undefined ? 'departs' : 'energyNeededKwh';
    problems.push({ path: `${path}.${missing}`, message: `is required with ${missing === 'departs' ? 'energyNeededKwh' : 'departs'} (the session default needs both), got nothing` });
  }
  return {
    kind: 'evCharger' as const,
    maxKw: e.maxKw,
    minKw,
    ...(e.departs !== undefined ? { departs: e.departs } : {}),
    ...(e.energyNeededKwh !== undefined ? { energyNeededKwh: e.energyNeededKwh } : {}),
    ...(e.departureMarginS !== undefined ? { departureMarginS: e.departureMarginS } : {}),
  };
}

export function hvacAsset(e: Static<typeof HvacSchema>, path: string, problems: ConfigProblem[]): Limits<HvacAsset> {
  const thermalMode = e.thermalMode ?? 'cooling';
  const d = hvacThermalDefaults(e.ratedKw, e.setpointC, thermalMode, {
    ...(e.cop !== undefined ? { cop: e.cop } : {}),
    ...(e.designOutdoorC !== undefined ? { designOutdoorC: e.designOutdoorC } : {}),
  });
  const hysteresisC = e.hysteresisC ?? d.hysteresisC;
  // The curtailment setpoint is the band edge less half the hysteresis: it must lie beyond the nominal one.
  if (e.comfortBandC <= hysteresisC / 2) problems.push({ path: `${path}.comfortBandC`, message: `must be > hysteresisC / 2 (${hysteresisC / 2}), got ${e.comfortBandC}` });
  const r = e.thermalResistanceCPerKw ?? d.thermalResistanceCPerKw;
  return {
    kind: 'hvac' as const,
    ratedKw: e.ratedKw,
    setpointC: e.setpointC,
    comfortBandC: e.comfortBandC,
    thermalMode,
    hysteresisC,
    cop: d.cop,
    thermalResistanceCPerKw: r,
    thermalCapacityKwhPerC: e.thermalCapacityKwhPerC ?? (e.thermalResistanceCPerKw === undefined ? d.thermalCapacityKwhPerC : 4 / r),
    designOutdoorC: d.designOutdoorC,
    ...(e.internalGainsKw !== undefined ? { internalGainsKw: e.internalGainsKw } : {}),
  };
}
