export * from './types.js';
export { defineModel } from './define.js';
export { MODEL_1 } from './model-1.js';
export { MODEL_103 } from './model-103.js';
export { MODEL_123, ENA_DISABLED, ENA_ENABLED } from './model-123.js';
export { MODEL_124, STOR_CTL_CHARGE, STOR_CTL_DISCHARGE } from './model-124.js';
export { MODEL_203 } from './model-203.js';
export { NOT_IMPLEMENTED, applyScale, decodeModel, decodeRaw, encodeModel } from './codec.js';
export {
  END_MODEL_ID,
  MODEL_HEADER_REGISTERS,
  SUNSPEC_MODELS,
  SUNS_BASE_ADDRESSES,
  SUNS_MARKER,
  sunspecModel,
} from './layout.js';
