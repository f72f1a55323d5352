import { VppError } from '../../src/domain/errors.js';

/** modbus-serial marks a Modbus exception response with `modbusCode`; timeouts with errno ETIMEDOUT. */
export function classifyModbusError(where: string, e: unknown): VppError {
  if (e instanceof VppError) return e;
  const err = e as { message?: unknown; modbusCode?: unknown; errno?: unknown; name?: unknown };
  const message = typeof err.message === 'string' ? err.message : String(e);
  if (typeof err.modbusCode === 'number') {
    const ve = new VppError('MODBUS_EXCEPTION', `${where}: exception ${err.modbusCode} (${message})`, { cause: e });
    return Object.assign(ve, { exceptionCode: err.modbusCode });
  }
  if (err.errno === 'ETIMEDOUT' || err.name === 'TransactionTimedOutError') {
    return new VppError('MODBUS_TIMEOUT', `${where}: timed out`, { cause: e });
  }
  return new VppError('MODBUS_IO', `${where}: ${message}`, { cause: e });
}

/** The Modbus exception code of an error from this client, if it was an exception response. */
export function exceptionCodeOf(e: unknown): number | null {
  const code = (e as { exceptionCode?: unknown } | null)?.exceptionCode;
  return typeof code === 'number' ? code : null;
}
