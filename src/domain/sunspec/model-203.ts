import { defineModel } from './define.js';
import type { PointSpec, PointType } from './types.js';

/** A total followed by its three per-phase points, as model 203 lays them out. */
function withPhases(total: string, phaseSep: 'ph' | 'Ph', type: PointType, sf: string, units: string): PointSpec[] {
  return [total, `${total}${phaseSep}A`, `${total}${phaseSep}B`, `${total}${phaseSep}C`].map((name) => ({
    name,
    type,
    sf,
    units,
  }));
}

/**
 * Three-phase wye meter, integer + scale factor (SunSpec model 203, sunspec/models
 * json/model_203.json).
 *
 * Sign: the meter models follow the four-quadrant metering convention (IEC 62053-23), which
 * the model itself spells out: reactive energy is "Imported" in quadrants 1 and 2 and
 * "Exported" in quadrants 3 and 4 (TotVArhImpQ1/Q2, TotVArhExpQ3/Q4), which puts quadrants 1
 * and 4 at real power > 0 = energy delivered to the metered side, counted in TotWhImp. So W > 0
 * is import (consumption) at a grid meter, W < 0 export: already the load convention.
 */
export const MODEL_203 = defineModel(203, 'ac_meter', [
  ...withPhases('A', 'ph', 'int16', 'A_SF', 'A'),
  { name: 'A_SF', type: 'sunssf' },
  { name: 'PhV', type: 'int16', sf: 'V_SF', units: 'V' },
  { name: 'PhVphA', type: 'int16', sf: 'V_SF', units: 'V' },
  { name: 'PhVphB', type: 'int16', sf: 'V_SF', units: 'V' },
  { name: 'PhVphC', type: 'int16', sf: 'V_SF', units: 'V' },
  { name: 'PPV', type: 'int16', sf: 'V_SF', units: 'V' },
  { name: 'PhVphAB', type: 'int16', sf: 'V_SF', units: 'V' },
  { name: 'PhVphBC', type: 'int16', sf: 'V_SF', units: 'V' },
  { name: 'PhVphCA', type: 'int16', sf: 'V_SF', units: 'V' },
  { name: 'V_SF', type: 'sunssf' },
  { name: 'Hz', type: 'int16', sf: 'Hz_SF', units: 'Hz' },
  { name: 'Hz_SF', type: 'sunssf' },
  ...withPhases('W', 'ph', 'int16', 'W_SF', 'W'),
  { name: 'W_SF', type: 'sunssf' },
  ...withPhases('VA', 'ph', 'int16', 'VA_SF', 'VA'),
  { name: 'VA_SF', type: 'sunssf' },
  ...withPhases('VAR', 'ph', 'int16', 'VAR_SF', 'var'),
  { name: 'VAR_SF', type: 'sunssf' },
  ...withPhases('PF', 'ph', 'int16', 'PF_SF', 'Pct'),
  { name: 'PF_SF', type: 'sunssf' },
  ...withPhases('TotWhExp', 'Ph', 'acc32', 'TotWh_SF', 'Wh'),
  ...withPhases('TotWhImp', 'Ph', 'acc32', 'TotWh_SF', 'Wh'),
  { name: 'TotWh_SF', type: 'sunssf' },
  ...withPhases('TotVAhExp', 'Ph', 'acc32', 'TotVAh_SF', 'VAh'),
  ...withPhases('TotVAhImp', 'Ph', 'acc32', 'TotVAh_SF', 'VAh'),
  { name: 'TotVAh_SF', type: 'sunssf' },
  ...withPhases('TotVArhImpQ1', 'Ph', 'acc32', 'TotVArh_SF', 'varh'),
  ...withPhases('TotVArhImpQ2', 'Ph', 'acc32', 'TotVArh_SF', 'varh'),
  ...withPhases('TotVArhExpQ3', 'Ph', 'acc32', 'TotVArh_SF', 'varh'),
  ...withPhases('TotVArhExpQ4', 'Ph', 'acc32', 'TotVArh_SF', 'varh'),
  { name: 'TotVArh_SF', type: 'sunssf' },
  { name: 'Evt', type: 'bitfield32' },
]);
