import { defineModel } from './define.js';

/** Common model (SunSpec model 1, sunspec/models json/model_1.json): first model of every device. */
export const MODEL_1 = defineModel(1, 'common', [
  { name: 'Mn', type: 'string', size: 16 },
  { name: 'Md', type: 'string', size: 16 },
  { name: 'Opt', type: 'string', size: 8 },
  { name: 'Vr', type: 'string', size: 8 },
  { name: 'SN', type: 'string', size: 16 },
  { name: 'DA', type: 'uint16', writable: true },
  { name: 'Pad', type: 'pad' },
]);
