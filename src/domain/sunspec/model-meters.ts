import { defineModel } from './define.js';
import { MODEL_203 } from './model-203.js';
import type { PointSpec } from './types.js';

/**
 * The other integer meters (SunSpec models 201 single phase, 202 split phase, 204 delta,
 * sunspec/models json/model_201.json …) share model 203's layout and its sign convention
 * (W > 0 is import; see model-203.ts). Model 201 names the line-to-line voltages PPVph*
 * where 202–204 say PhVph*.
 */
const RENAMED_201: Readonly<Record<string, string>> = { PhVphAB: 'PPVphAB', PhVphBC: 'PPVphBC', PhVphCA: 'PPVphCA' };

export const MODEL_201 = defineModel(
  201,
  'ac_meter_single_phase',
  MODEL_203.points.map((p): PointSpec => ({ ...p, name: RENAMED_201[p.name] ?? p.name })),
);
export const MODEL_202 = defineModel(202, 'ac_meter_split_phase', MODEL_203.points);
export const MODEL_204 = defineModel(204, 'ac_meter_three_phase_delta', MODEL_203.points);

/** Float meters (SunSpec models 211–214, json/model_211.json …): float32, no scale factors. */
const FLOAT_METER: readonly PointSpec[] = [
  { name: 'A', type: 'float32', units: 'A' },
  { name: 'AphA', type: 'float32', units: 'A' },
  { name: 'AphB', type: 'float32', units: 'A' },
  { name: 'AphC', type: 'float32', units: 'A' },
  { name: 'PhV', type: 'float32', units: 'V' },
  { name: 'PhVphA', type: 'float32', units: 'V' },
  { name: 'PhVphB', type: 'float32', units: 'V' },
  { name: 'PhVphC', type: 'float32', units: 'V' },
  { name: 'PPV', type: 'float32', units: 'V' },
  { name: 'PPVphAB', type: 'float32', units: 'V' },
  { name: 'PPVphBC', type: 'float32', units: 'V' },
  { name: 'PPVphCA', type: 'float32', units: 'V' },
  { name: 'Hz', type: 'float32', units: 'Hz' },
  { name: 'W', type: 'float32', units: 'W' },
  { name: 'WphA', type: 'float32', units: 'W' },
  { name: 'WphB', type: 'float32', units: 'W' },
  { name: 'WphC', type: 'float32', units: 'W' },
  { name: 'VA', type: 'float32', units: 'VA' },
  { name: 'VAphA', type: 'float32', units: 'VA' },
  { name: 'VAphB', type: 'float32', units: 'VA' },
  { name: 'VAphC', type: 'float32', units: 'VA' },
  { name: 'VAR', type: 'float32', units: 'var' },
  { name: 'VARphA', type: 'float32', units: 'var' },
  { name: 'VARphB', type: 'float32', units: 'var' },
  { name: 'VARphC', type: 'float32', units: 'var' },
  { name: 'PF', type: 'float32', units: 'PF' },
  { name: 'PFphA', type: 'float32', units: 'PF' },
  { name: 'PFphB', type: 'float32', units: 'PF' },
  { name: 'PFphC', type: 'float32', units: 'PF' },
  { name: 'TotWhExp', type: 'float32', units: 'Wh' },
  { name: 'TotWhExpPhA', type: 'float32', units: 'Wh' },
  { name: 'TotWhExpPhB', type: 'float32', units: 'Wh' },
  { name: 'TotWhExpPhC', type: 'float32', units: 'Wh' },
  { name: 'TotWhImp', type: 'float32', units: 'Wh' },
  { name: 'TotWhImpPhA', type: 'float32', units: 'Wh' },
  { name: 'TotWhImpPhB', type: 'float32', units: 'Wh' },
  { name: 'TotWhImpPhC', type: 'float32', units: 'Wh' },
  { name: 'TotVAhExp', type: 'float32', units: 'VAh' },
  { name: 'TotVAhExpPhA', type: 'float32', units: 'VAh' },
  { name: 'TotVAhExpPhB', type: 'float32', units: 'VAh' },
  { name: 'TotVAhExpPhC', type: 'float32', units: 'VAh' },
  { name: 'TotVAhImp', type: 'float32', units: 'VAh' },
  { name: 'TotVAhImpPhA', type: 'float32', units: 'VAh' },
  { name: 'TotVAhImpPhB', type: 'float32', units: 'VAh' },
  { name: 'TotVAhImpPhC', type: 'float32', units: 'VAh' },
  { name: 'TotVArhImpQ1', type: 'float32', units: 'varh' },
  { name: 'TotVArhImpQ1phA', type: 'float32', units: 'varh' },
  { name: 'TotVArhImpQ1phB', type: 'float32', units: 'varh' },
  { name: 'TotVArhImpQ1phC', type: 'float32', units: 'varh' },
  { name: 'TotVArhImpQ2', type: 'float32', units: 'varh' },
  { name: 'TotVArhImpQ2phA', type: 'float32', units: 'varh' },
  { name: 'TotVArhImpQ2phB', type: 'float32', units: 'varh' },
  { name: 'TotVArhImpQ2phC', type: 'float32', units: 'varh' },
  { name: 'TotVArhExpQ3', type: 'float32', units: 'varh' },
  { name: 'TotVArhExpQ3phA', type: 'float32', units: 'varh' },
  { name: 'TotVArhExpQ3phB', type: 'float32', units: 'varh' },
  { name: 'TotVArhExpQ3phC', type: 'float32', units: 'varh' },
  { name: 'TotVArhExpQ4', type: 'float32', units: 'varh' },
  { name: 'TotVArhExpQ4phA', type: 'float32', units: 'varh' },
  { name: 'TotVArhExpQ4phB', type: 'float32', units: 'varh' },
  { name: 'TotVArhExpQ4phC', type: 'float32', units: 'varh' },
  { name: 'Evt', type: 'bitfield32' },
];

export const MODEL_211 = defineModel(211, 'ac_meter_single_phase_float', FLOAT_METER);
export const MODEL_212 = defineModel(212, 'ac_meter_split_phase_float', FLOAT_METER);
export const MODEL_213 = defineModel(213, 'ac_meter_three_phase_wye_float', FLOAT_METER);
export const MODEL_214 = defineModel(214, 'ac_meter_three_phase_delta_float', FLOAT_METER);
