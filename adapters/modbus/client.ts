import ModbusSerial from 'modbus-serial';
import { VppError } from '../../src/domain/errors.js';

// modbus-serial is CommonJS: Node hands ESM the exports object, whose `default` is the class.
const ModbusRTU = ModbusSerial.default;

/** The transport part: registers in, registers out, one request at a time. */
export interface RegisterClient {
  readHolding(address: number, count: number): Promise<Uint16Array>;
  writeRegisters(address: number, values: readonly number[]): Promise<void>;
  /** Called once when the connection drops without close() having been called. */
  onLost(listener: (reason: string) => void): void;
  close(): Promise<void>;
}

export interface TcpClientOptions {
  readonly host: string;
  readonly port: number;
  readonly unit: number;
  readonly timeoutMs: number;
}

/** modbus-serial marks a Modbus exception response with `modbusCode`; timeouts with errno ETIMEDOUT. */
function classify(where: string, e: unknown): VppError {
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

/** Opens a Modbus TCP connection (modbus-serial's ModbusRTU + connectTCP) to one unit id. */
export async function openTcpClient(opts: TcpClientOptions): Promise<RegisterClient> {
  const where = `modbus://${opts.host}:${opts.port}/${opts.unit}`;
  const rtu = new ModbusRTU();
  // Without a listener an 'error' event would throw out of the socket callback.
  rtu.on('error', () => undefined);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      rtu.connectTCP(opts.host, { port: opts.port }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new VppError('MODBUS_TIMEOUT', `${where}: connect timed out after ${opts.timeoutMs} ms`)), opts.timeoutMs);
      }),
    ]);
  } catch (e) {
    rtu.close(() => undefined);
    throw classify(`${where}: connect`, e);
  } finally {
    clearTimeout(timer);
  }
  rtu.setID(opts.unit);
  rtu.setTimeout(opts.timeoutMs);

  let closing = false;
  let lostListener: ((reason: string) => void) | null = null;
  rtu.on('close', () => {
    if (!closing) lostListener?.(`${where}: connection closed by the device`);
  });
  // modbus-serial matches answers to requests by transaction id but ours is a one-question-at-a-time device protocol: serialise.
  let queue: Promise<unknown> = Promise.resolve();
  function serial<T>(op: string, fn: () => Promise<T>): Promise<T> {
    const run = queue.then(fn, fn).catch((e: unknown) => {
      throw classify(`${where}: ${op}`, e);
    });
    queue = run.catch(() => undefined);
    return run;
  }

  return {
    readHolding: (address, count) =>
      serial(`read ${address}+${count}`, async () => {
        if (!rtu.isOpen) throw new VppError('MODBUS_IO', `${where}: not connected`);
        const r = await rtu.readHoldingRegisters(address, count);
        if (r.data.length !== count) throw new VppError('MODBUS_IO', `${where}: asked ${count} registers at ${address}, got ${r.data.length}`);
        return Uint16Array.from(r.data);
      }),
    writeRegisters: (address, values) =>
      serial(`write ${address}+${values.length}`, async () => {
        if (!rtu.isOpen) throw new VppError('MODBUS_IO', `${where}: not connected`);
        await rtu.writeRegisters(address, [...values]);
      }),
    onLost(listener) {
      lostListener = listener;
    },
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        if (!rtu.isOpen) return resolve();
        rtu.close(() => resolve());
      }),
  };
}
