import type { Metric } from '../../src/domain/index.js';

/** What a simulated device is, whatever protocol serves it. */
export type SimDeviceKind = 'meter' | 'load' | 'pv' | 'battery' | 'hvac' | 'evCharger';

/**
 * Controls a simulated device accepts, in canonical names and units:
 * - battery: `powerKw` (load convention: + charges, − discharges), `revertS` (0 = no revert timer)
 * - pv: `limitPct` (0..100 % of rated AC power), `revertS`
 * - hvac: `setpointC` (the thermostat setpoint; an offset from the nominal is its flexibility)
 * - evCharger: `currentA` (0, or min..max A per phase), `revertS`
 */
export type SimCommandName = 'powerKw' | 'revertS' | 'limitPct' | 'setpointC' | 'currentA';

/**
 * A simulated device as OPC UA and MQTT servers expose it (the Modbus side serves SunSpec
 * maps instead). Readings are canonical metrics in the load convention; null = not available.
 */
export interface SimDevice {
  readonly siteId: string;
  readonly assetId: string;
  readonly kind: SimDeviceKind;
  /** The commands this device takes (empty for meters and loads). */
  readonly commands: readonly SimCommandName[];
  readings(): Readonly<Partial<Record<Metric, number | null>>>;
  /**
   * A client set a control. Throws VppError('SIM_COMMAND_INVALID') naming the command and the
   * value when it is unknown for this device or out of range; takes effect at the next step.
   */
  command(name: SimCommandName, value: number): void;
  /**
   * False while the device does not answer (a commLoss fault, a reboot's downtime): servers
   * then send nothing for it and ignore its commands, as a lost device would. Absent = always.
   */
  online?(): boolean;
}
