import { defineModel } from './define.js';

/**
 * Immediate inverter controls (SunSpec model 123, sunspec/models json/model_123.json).
 * This project uses the active power limit: WMaxLimPct (% of WMax) applies while
 * WMaxLim_Ena = ENABLED (1); WMaxLimPct_RvrtTms (s) is its revert timer — when it runs out
 * without a fresh write the limit is released (100 %), the inverter's safe state.
 */
export const MODEL_123 = defineModel(123, 'controls', [
  { name: 'Conn_WinTms', type: 'uint16', units: 'Secs', writable: true },
  { name: 'Conn_RvrtTms', type: 'uint16', units: 'Secs', writable: true },
  { name: 'Conn', type: 'enum16', writable: true },
  { name: 'WMaxLimPct', type: 'uint16', sf: 'WMaxLimPct_SF', units: '% WMax', writable: true },
  { name: 'WMaxLimPct_WinTms', type: 'uint16', units: 'Secs', writable: true },
  { name: 'WMaxLimPct_RvrtTms', type: 'uint16', units: 'Secs', writable: true },
  { name: 'WMaxLimPct_RmpTms', type: 'uint16', units: 'Secs', writable: true },
  { name: 'WMaxLim_Ena', type: 'enum16', writable: true },
  { name: 'OutPFSet', type: 'int16', sf: 'OutPFSet_SF', units: 'cos()', writable: true },
  { name: 'OutPFSet_WinTms', type: 'uint16', units: 'Secs', writable: true },
  { name: 'OutPFSet_RvrtTms', type: 'uint16', units: 'Secs', writable: true },
  { name: 'OutPFSet_RmpTms', type: 'uint16', units: 'Secs', writable: true },
  { name: 'OutPFSet_Ena', type: 'enum16', writable: true },
  { name: 'VArWMaxPct', type: 'int16', sf: 'VArPct_SF', units: '% WMax', writable: true },
  { name: 'VArMaxPct', type: 'int16', sf: 'VArPct_SF', units: '% VArMax', writable: true },
  { name: 'VArAvalPct', type: 'int16', sf: 'VArPct_SF', units: '% VArAval', writable: true },
  { name: 'VArPct_WinTms', type: 'uint16', units: 'Secs', writable: true },
  { name: 'VArPct_RvrtTms', type: 'uint16', units: 'Secs', writable: true },
  { name: 'VArPct_RmpTms', type: 'uint16', units: 'Secs', writable: true },
  { name: 'VArPct_Mod', type: 'enum16', writable: true },
  { name: 'VArPct_Ena', type: 'enum16', writable: true },
  { name: 'WMaxLimPct_SF', type: 'sunssf' },
  { name: 'OutPFSet_SF', type: 'sunssf' },
  { name: 'VArPct_SF', type: 'sunssf' },
]);

/** WMaxLim_Ena / *_Ena symbols. */
export const ENA_DISABLED = 0;
export const ENA_ENABLED = 1;
