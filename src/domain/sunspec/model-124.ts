import { defineModel } from './define.js';

/**
 * Basic storage controls (SunSpec model 124, sunspec/models json/model_124.json).
 *
 * How this project drives it (the simulator and the adapter both follow this):
 * - StorCtl_Mod is a bitfield: bit 0 = CHARGE, bit 1 = DISCHARGE (symbols of the model).
 *   Neither bit set = idle (0 kW).
 * - Charge power = InWRte % × WChaMax; discharge power = OutWRte % × WChaMax (the model
 *   states OutWRte in "% WDisChaMax"; this project has one maximum for both directions).
 * - InOutWRte_RvrtTms (s) is the revert timer: when it runs out without a fresh write, the
 *   device goes idle, so a dead controller leaves the battery in its safe state.
 * - ChaState is the state of charge, percent.
 * - ChaGriSet: PV (0) = charge only from on-site PV surplus, GRID (1) = from the grid as well;
 *   the adapter writes it with every charge command (asset option gridChargingAllowed).
 * The battery's measured AC power comes from a model 103 on the same unit.
 */
export const MODEL_124 = defineModel(124, 'storage', [
  { name: 'WChaMax', type: 'uint16', sf: 'WChaMax_SF', units: 'W', writable: true },
  { name: 'WChaGra', type: 'uint16', sf: 'WChaDisChaGra_SF', units: '% WChaMax/sec', writable: true },
  { name: 'WDisChaGra', type: 'uint16', sf: 'WChaDisChaGra_SF', units: '% WChaMax/sec', writable: true },
  { name: 'StorCtl_Mod', type: 'bitfield16', writable: true },
  { name: 'VAChaMax', type: 'uint16', sf: 'VAChaMax_SF', units: 'VA', writable: true },
  { name: 'MinRsvPct', type: 'uint16', sf: 'MinRsvPct_SF', units: '% WChaMax', writable: true },
  { name: 'ChaState', type: 'uint16', sf: 'ChaState_SF', units: '% AhrRtg' },
  { name: 'StorAval', type: 'uint16', sf: 'StorAval_SF', units: 'AH' },
  { name: 'InBatV', type: 'uint16', sf: 'InBatV_SF', units: 'V' },
  { name: 'ChaSt', type: 'enum16' },
  { name: 'OutWRte', type: 'int16', sf: 'InOutWRte_SF', units: '% WDisChaMax', writable: true },
  { name: 'InWRte', type: 'int16', sf: 'InOutWRte_SF', units: '% WChaMax', writable: true },
  { name: 'InOutWRte_WinTms', type: 'uint16', units: 'Secs', writable: true },
  { name: 'InOutWRte_RvrtTms', type: 'uint16', units: 'Secs', writable: true },
  { name: 'InOutWRte_RmpTms', type: 'uint16', units: 'Secs', writable: true },
  { name: 'ChaGriSet', type: 'enum16', writable: true },
  { name: 'WChaMax_SF', type: 'sunssf' },
  { name: 'WChaDisChaGra_SF', type: 'sunssf' },
  { name: 'VAChaMax_SF', type: 'sunssf' },
  { name: 'MinRsvPct_SF', type: 'sunssf' },
  { name: 'ChaState_SF', type: 'sunssf' },
  { name: 'StorAval_SF', type: 'sunssf' },
  { name: 'InBatV_SF', type: 'sunssf' },
  { name: 'InOutWRte_SF', type: 'sunssf' },
]);

/** StorCtl_Mod bits (model 124 symbols CHARGE = bit 0, DiSCHARGE = bit 1). */
export const STOR_CTL_CHARGE = 0b01;
export const STOR_CTL_DISCHARGE = 0b10;

/** ChaGriSet symbols: charge from PV only, or from the grid as well. */
export const CHA_GRI_SET_PV = 0;
export const CHA_GRI_SET_GRID = 1;
