import { defineModel } from './define.js';

/**
 * DER AC controls (SunSpec model 704, sunspec/models json/model_704.json; IEEE 1547-2018).
 * WSet (W, int32 × 10^WSet_SF) applies while WSetEna = ENABLED and WSetMod = WATTS; it counts
 * generation positive (power the DER delivers), the opposite of our load convention. When
 * WSetRvrtTms runs out without a fresh write the function reverts to WSetEnaRvrt / WSetRvrt.
 * The four PF groups follow the top-level points, their names prefixed with the group's.
 */
export const MODEL_704 = defineModel(704, 'DERCtlAC', [
  { name: 'PFWInjEna', type: 'enum16', writable: true },
  { name: 'PFWInjEnaRvrt', type: 'enum16', writable: true },
  { name: 'PFWInjRvrtTms', type: 'uint32', units: 'Secs', writable: true },
  { name: 'PFWInjRvrtRem', type: 'uint32', units: 'Secs' },
  { name: 'PFWAbsEna', type: 'enum16', writable: true },
  { name: 'PFWAbsEnaRvrt', type: 'enum16', writable: true },
  { name: 'PFWAbsRvrtTms', type: 'uint32', units: 'Secs', writable: true },
  { name: 'PFWAbsRvrtRem', type: 'uint32', units: 'Secs' },
  { name: 'WMaxLimPctEna', type: 'enum16', writable: true },
  { name: 'WMaxLimPct', type: 'uint16', sf: 'WMaxLimPct_SF', units: 'Pct', writable: true },
  { name: 'WMaxLimPctRvrt', type: 'uint16', sf: 'WMaxLimPct_SF', units: 'Pct', writable: true },
  { name: 'WMaxLimPctEnaRvrt', type: 'enum16', writable: true },
  { name: 'WMaxLimPctRvrtTms', type: 'uint32', units: 'Secs', writable: true },
  { name: 'WMaxLimPctRvrtRem', type: 'uint32', units: 'Secs' },
  { name: 'WSetEna', type: 'enum16', writable: true },
  { name: 'WSetMod', type: 'enum16', writable: true },
  { name: 'WSet', type: 'int32', sf: 'WSet_SF', units: 'W', writable: true },
  { name: 'WSetRvrt', type: 'int32', sf: 'WSet_SF', units: 'W', writable: true },
  { name: 'WSetPct', type: 'int16', sf: 'WSetPct_SF', units: 'Pct', writable: true },
  { name: 'WSetPctRvrt', type: 'int16', sf: 'WSetPct_SF', units: 'Pct', writable: true },
  { name: 'WSetEnaRvrt', type: 'enum16', writable: true },
  { name: 'WSetRvrtTms', type: 'uint32', units: 'Secs', writable: true },
  { name: 'WSetRvrtRem', type: 'uint32', units: 'Secs' },
  { name: 'VarSetEna', type: 'enum16', writable: true },
  { name: 'VarSetMod', type: 'enum16', writable: true },
  { name: 'VarSetPri', type: 'enum16', writable: true },
  { name: 'VarSet', type: 'int32', sf: 'VarSet_SF', units: 'Var', writable: true },
  { name: 'VarSetRvrt', type: 'int32', sf: 'VarSet_SF', units: 'Var', writable: true },
  { name: 'VarSetPct', type: 'int16', sf: 'VarSetPct_SF', units: 'Pct', writable: true },
  { name: 'VarSetPctRvrt', type: 'int16', sf: 'VarSetPct_SF', units: 'Pct', writable: true },
  { name: 'VarSetEnaRvrt', type: 'enum16', writable: true },
  { name: 'VarSetRvrtTms', type: 'uint32', units: 'Secs', writable: true },
  { name: 'VarSetRvrtRem', type: 'uint32', units: 'Secs' },
  { name: 'WRmp', type: 'uint16', units: '%Max/Sec', writable: true },
  { name: 'WRmpRef', type: 'enum16', writable: true },
  { name: 'VarRmp', type: 'uint16', units: '%Max/Sec', writable: true },
  { name: 'AntiIslEna', type: 'enum16', writable: true },
  { name: 'PF_SF', type: 'sunssf' },
  { name: 'WMaxLimPct_SF', type: 'sunssf' },
  { name: 'WSet_SF', type: 'sunssf' },
  { name: 'WSetPct_SF', type: 'sunssf' },
  { name: 'VarSet_SF', type: 'sunssf' },
  { name: 'VarSetPct_SF', type: 'sunssf' },
  { name: 'PFWInj_PF', type: 'uint16', sf: 'PF_SF', writable: true },
  { name: 'PFWInj_Ext', type: 'enum16', writable: true },
  { name: 'PFWInjRvrt_PF', type: 'uint16', sf: 'PF_SF', writable: true },
  { name: 'PFWInjRvrt_Ext', type: 'enum16', writable: true },
  { name: 'PFWAbs_PF', type: 'uint16', sf: 'PF_SF', writable: true },
  { name: 'PFWAbs_Ext', type: 'enum16', writable: true },
  { name: 'PFWAbsRvrt_PF', type: 'uint16', sf: 'PF_SF', writable: true },
  { name: 'PFWAbsRvrt_Ext', type: 'enum16', writable: true },
]);

/** WSetMod symbols. */
export const WSET_MOD_W_MAX_PCT = 0;
export const WSET_MOD_WATTS = 1;
