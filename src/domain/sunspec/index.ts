export * from './types.js';
export { defineModel } from './define.js';
export { MODEL_1 } from './model-1.js';
export { MODEL_103 } from './model-103.js';
export { MODEL_123, ENA_DISABLED, ENA_ENABLED } from './model-123.js';
export { MODEL_124, STOR_CTL_CHARGE, STOR_CTL_DISCHARGE, CHA_GRI_SET_GRID, CHA_GRI_SET_PV } from './model-124.js';
export { MODEL_203 } from './model-203.js';
export { MODEL_101, MODEL_102, MODEL_111, MODEL_112, MODEL_113 } from './model-inverters.js';
export { MODEL_201, MODEL_202, MODEL_204, MODEL_211, MODEL_212, MODEL_213, MODEL_214 } from './model-meters.js';
export { MODEL_120, MODEL_121 } from './model-120-121.js';
export { MODEL_704, WSET_MOD_W_MAX_PCT, WSET_MOD_WATTS } from './model-704.js';
export { MODEL_802 } from './model-802.js';
export { NOT_IMPLEMENTED, applyScale, decodeModel, decodeRaw, encodeModel } from './codec.js';
export {
  END_MODEL_ID,
  MODEL_HEADER_REGISTERS,
  SUNSPEC_MODELS,
  SUNS_BASE_ADDRESSES,
  SUNS_MARKER,
  sunspecModel,
} from './layout.js';
