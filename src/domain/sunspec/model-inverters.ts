import { defineModel } from './define.js';
import { MODEL_103 } from './model-103.js';
import type { PointSpec } from './types.js';

/**
 * Single- and split-phase inverters, integer + scale factor (SunSpec models 101, 102,
 * sunspec/models json/model_101.json, model_102.json): the same points as model 103
 * (only which points are mandatory differs). Generation positive, as in model 103.
 */
export const MODEL_101 = defineModel(101, 'inverter_single_phase', MODEL_103.points);
export const MODEL_102 = defineModel(102, 'inverter_split_phase', MODEL_103.points);

/**
 * Float inverters (SunSpec models 111, 112, 113, json/model_111.json …): the points of 101–103
 * as float32 without scale factors. A float32 NaN is 'not implemented'.
 */
const FLOAT_INVERTER: readonly PointSpec[] = [
  { name: 'A', type: 'float32', units: 'A' },
  { name: 'AphA', type: 'float32', units: 'A' },
  { name: 'AphB', type: 'float32', units: 'A' },
  { name: 'AphC', type: 'float32', units: 'A' },
  { name: 'PPVphAB', type: 'float32', units: 'V' },
  { name: 'PPVphBC', type: 'float32', units: 'V' },
  { name: 'PPVphCA', type: 'float32', units: 'V' },
  { name: 'PhVphA', type: 'float32', units: 'V' },
  { name: 'PhVphB', type: 'float32', units: 'V' },
  { name: 'PhVphC', type: 'float32', units: 'V' },
  { name: 'W', type: 'float32', units: 'W' },
  { name: 'Hz', type: 'float32', units: 'Hz' },
  { name: 'VA', type: 'float32', units: 'VA' },
  { name: 'VAr', type: 'float32', units: 'var' },
  { name: 'PF', type: 'float32', units: 'Pct' },
  { name: 'WH', type: 'float32', units: 'Wh' },
  { name: 'DCA', type: 'float32', units: 'A' },
  { name: 'DCV', type: 'float32', units: 'V' },
  { name: 'DCW', type: 'float32', units: 'W' },
  { name: 'TmpCab', type: 'float32', units: 'C' },
  { name: 'TmpSnk', type: 'float32', units: 'C' },
  { name: 'TmpTrns', type: 'float32', units: 'C' },
  { name: 'TmpOt', type: 'float32', units: 'C' },
  { name: 'St', type: 'enum16' },
  { name: 'StVnd', type: 'enum16' },
  { name: 'Evt1', type: 'bitfield32' },
  { name: 'Evt2', type: 'bitfield32' },
  { name: 'EvtVnd1', type: 'bitfield32' },
  { name: 'EvtVnd2', type: 'bitfield32' },
  { name: 'EvtVnd3', type: 'bitfield32' },
  { name: 'EvtVnd4', type: 'bitfield32' },
];

export const MODEL_111 = defineModel(111, 'inverter_single_phase_float', FLOAT_INVERTER);
export const MODEL_112 = defineModel(112, 'inverter_split_phase_float', FLOAT_INVERTER);
export const MODEL_113 = defineModel(113, 'inverter_three_phase_float', FLOAT_INVERTER);
