import { VppError } from '../../../src/domain/errors.js';

/** Modbus exception codes (Modbus Application Protocol V1.1b3, section 7). */
export const MODBUS_EXCEPTION = {
  ILLEGAL_FUNCTION: 0x01,
  ILLEGAL_DATA_ADDRESS: 0x02,
  ILLEGAL_DATA_VALUE: 0x03,
  SERVER_DEVICE_FAILURE: 0x04,
  GATEWAY_TARGET_FAILED: 0x0b,
} as const;

/** Thrown by a RegisterBank; the server answers it as a Modbus exception response. */
export class ModbusException extends VppError {
  readonly exceptionCode: number;
  constructor(exceptionCode: number, message: string) {
    super('MODBUS_EXCEPTION', `Modbus exception ${exceptionCode}: ${message}`);
    this.name = 'ModbusException';
    this.exceptionCode = exceptionCode;
  }
}

/** The registers of one unit id. Reads and writes are synchronous so the server can answer at once. */
export interface RegisterBank {
  /** Throws ModbusException (e.g. 02 for an address it does not serve). */
  read(address: number, count: number): Uint16Array;
  /** FC 4 (input registers), when the unit keeps them apart; absent = FC 4 reads `read` too. */
  readInput?(address: number, count: number): Uint16Array;
  write(address: number, values: Uint16Array): void;
}
