import { MODBUS_EXCEPTION, ModbusException, type RegisterBank } from './exception.js';

const MBAP_BYTES = 7;
/** Modbus limits per request (Modbus Application Protocol V1.1b3, 6.3 / 6.12). */
const MAX_READ_REGISTERS = 125;
const MAX_WRITE_REGISTERS = 123;

function exceptionFrame(tid: number, unit: number, fc: number, code: number): Buffer {
  const out = Buffer.allocUnsafe(MBAP_BYTES + 2);
  out.writeUInt16BE(tid, 0);
  out.writeUInt16BE(0, 2);
  out.writeUInt16BE(3, 4);
  out[6] = unit;
  out[7] = (fc | 0x80) & 0xff;
  out[8] = code;
  return out;
}

function header(out: Buffer, tid: number, unit: number, pduBytes: number): void {
  out.writeUInt16BE(tid, 0);
  out.writeUInt16BE(0, 2);
  out.writeUInt16BE(pduBytes + 1, 4);
  out[6] = unit;
}

/**
 * Answers one complete ADU (MBAP header + PDU) that starts at `at` in `buf`, synchronously.
 * Returns the whole response ADU.
 */
export function answerFrame(
  buf: Buffer,
  at: number,
  frameBytes: number,
  units: ReadonlyMap<number, RegisterBank>,
  onError?: (error: unknown) => void,
): Buffer {
  const tid = buf.readUInt16BE(at);
  const unit = buf[at + 6] ?? 0;
  const fc = buf[at + 7] ?? 0;
  const pduBytes = frameBytes - MBAP_BYTES;
  const bank = units.get(unit);
  if (bank === undefined) return exceptionFrame(tid, unit, fc, MODBUS_EXCEPTION.GATEWAY_TARGET_FAILED);
  try {
    switch (fc) {
      case 3:
      case 4: {
        if (pduBytes !== 5) throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE, `FC${fc} needs 5 PDU bytes, got ${pduBytes}`);
        const address = buf.readUInt16BE(at + 8);
        const count = buf.readUInt16BE(at + 10);
        if (count < 1 || count > MAX_READ_REGISTERS) {
          throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE, `quantity must be 1..125, got ${count}`);
        }
        if (address + count > 0x10000) throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_ADDRESS, `${address}+${count} passes 65535`);
        const regs = fc === 4 && bank.readInput !== undefined ? bank.readInput(address, count) : bank.read(address, count);
        const out = Buffer.allocUnsafe(MBAP_BYTES + 2 + count * 2);
        header(out, tid, unit, 2 + count * 2);
        out[7] = fc;
        out[8] = count * 2;
        for (let k = 0; k < count; k++) out.writeUInt16BE(regs[k] ?? 0, MBAP_BYTES + 2 + k * 2);
        return out;
      }
      case 6: {
        if (pduBytes !== 5) throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE, `FC6 needs 5 PDU bytes, got ${pduBytes}`);
        bank.write(buf.readUInt16BE(at + 8), Uint16Array.of(buf.readUInt16BE(at + 10)));
        return Buffer.from(buf.subarray(at, at + frameBytes)); // the echo of the request
      }
      case 16: {
        const address = buf.readUInt16BE(at + 8);
        const count = buf.readUInt16BE(at + 10);
        const byteCount = buf[at + 12] ?? -1;
        if (count < 1 || count > MAX_WRITE_REGISTERS || byteCount !== count * 2 || pduBytes !== 6 + byteCount) {
          throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_VALUE, `FC16 quantity ${count} / byte count ${byteCount} / PDU ${pduBytes} bytes disagree`);
        }
        if (address + count > 0x10000) throw new ModbusException(MODBUS_EXCEPTION.ILLEGAL_DATA_ADDRESS, `${address}+${count} passes 65535`);
        const values = new Uint16Array(count);
        for (let k = 0; k < count; k++) values[k] = buf.readUInt16BE(at + 13 + k * 2);
        bank.write(address, values);
        const out = Buffer.allocUnsafe(MBAP_BYTES + 5);
        header(out, tid, unit, 5);
        out[7] = 16;
        out.writeUInt16BE(address, 8);
        out.writeUInt16BE(count, 10);
        return out;
      }
      default:
        return exceptionFrame(tid, unit, fc, MODBUS_EXCEPTION.ILLEGAL_FUNCTION);
    }
  } catch (e) {
    if (e instanceof ModbusException) return exceptionFrame(tid, unit, fc, e.exceptionCode);
    onError?.(e);
    const code = MODBUS_EXCEPTION.SERVER_DEVICE_FAILURE;
    return exceptionFrame(tid, unit, fc, code);
  }
}
