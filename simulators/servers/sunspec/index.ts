export {
  sunspecBank,
  type SunSpecCommon,
  type SunSpecDeviceSpec,
  type SunSpecModelSpec,
  type SunSpecPointSource,
} from './bank.js';
export { DEFAULT_SCALE_FACTORS } from './scale-factors.js';
