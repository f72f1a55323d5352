import type { Metric } from '../../src/domain/index.js';
import type { SimCommandName, SimDevice } from './device.js';
import { MODBUS_EXCEPTION, ModbusException, type RegisterBank } from './modbus/index.js';

/**
 * Plain holding-register maps for simulated devices SunSpec has no model for (HVAC units, EV
 * chargers), served with `serve: modbus`. Values are integers × 10 (one decimal); 32-bit
 * values are high word first. Documented in simulators/servers/README.md, so an integrator
 * (or a device profile) can read them.
 */
type Slot =
  | { readonly address: number; readonly metric: Metric; readonly words: 1 | 2; readonly signed: boolean }
  /** `scale`: register = value × scale (10 for one decimal, 1 for whole seconds). */
  | { readonly address: number; readonly command: SimCommandName; readonly scale: 1 | 10; readonly signed: boolean };

const EV_MAP: readonly Slot[] = [
  { address: 0, metric: 'powerKw', words: 1, signed: true },
  { address: 1, metric: 'connected', words: 1, signed: false },
  { address: 2, command: 'currentA', scale: 10, signed: false },
  { address: 3, command: 'revertS', scale: 1, signed: false },
  { address: 4, metric: 'energyImportKwh', words: 2, signed: false },
];

const HVAC_MAP: readonly Slot[] = [
  { address: 0, metric: 'powerKw', words: 1, signed: true },
  { address: 1, metric: 'temperatureC', words: 1, signed: true },
  { address: 2, command: 'setpointC', scale: 10, signed: true },
  { address: 3, metric: 'state', words: 1, signed: false },
  { address: 4, metric: 'energyImportKwh', words: 2, signed: false },
];

export const PLAIN_MAP_REGISTERS = 6;
/** The 'not available' value of a register whose reading is missing (as SunSpec's int16). */
const NOT_AVAILABLE = 0x8000;

export function plainMapFor(kind: SimDevice['kind']): readonly Slot[] | null {
  return kind === 'evCharger' ? EV_MAP : kind === 'hvac' ? HVAC_MAP : null;
}

/** A RegisterBank over a SimDevice with a plain map (× 10 fixed point). */
export function plainDeviceBank(device: SimDevice, map: readonly Slot[]): RegisterBank {
  const written = new Map<SimCommandName, number>();
  const image = new Uint16Array(PLAIN_MAP_REGISTERS);
  return {
    read(address, count) {
      if (address < 0 || address + count > PLAIN_MAP_REGISTERS) {
        throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_ADDRESS, `registers ${address}..${address + count - 1} (map has 0..${PLAIN_MAP_REGISTERS - 1})`);
      }
      const r = device.readings();
      for (const slot of map) {
        if ('command' in slot) {
          image[slot.address] = Math.round((written.get(slot.command) ?? 0) * slot.scale) & 0xffff;
          continue;
        }
        const v = r[slot.metric];
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          image[slot.address] = NOT_AVAILABLE;
          if (slot.words === 2) image[slot.address + 1] = 0;
          continue;
        }
        const scaled = Math.round(v * 10);
        if (slot.words === 2) {
          image[slot.address] = Math.floor(scaled / 0x10000) & 0xffff;
          image[slot.address + 1] = scaled & 0xffff;
        } else image[slot.address] = scaled & 0xffff;
      }
      return image.slice(address, address + count);
    },
    write(address, values) {
      values.forEach((raw, i) => {
        const slot = map.find((s) => s.address === address + i);
        if (slot === undefined || !('command' in slot)) {
          throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_ADDRESS, `register ${address + i} is not writable`);
        }
        const value = (slot.signed && raw >= 0x8000 ? raw - 0x10000 : raw) / slot.scale;
        try {
          device.command(slot.command, value);
        } catch (err) {
          throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE, (err as Error).message);
        }
        written.set(slot.command, value);
      });
    },
  };
}
