import ModbusSerial from 'modbus-serial';
import { VppError } from '../../src/domain/errors.js';
import { endpointKey, type ModbusEndpoint } from './binding.js';
import { classifyModbusError } from './errors.js';

// modbus-serial is CommonJS: Node hands ESM the exports object, whose `default` is the class.
const ModbusRTU = ModbusSerial.default;
type Rtu = InstanceType<typeof ModbusRTU>;

/** The transport part: registers in, registers out, one request at a time. */
export interface RegisterClient {
  readHolding(address: number, count: number): Promise<Uint16Array>;
  /** FC 4: input registers (register-map profiles read meters' measurements there). */
  readInput(address: number, count: number): Promise<Uint16Array>;
  writeRegisters(address: number, values: readonly number[]): Promise<void>;
  /** FC 6: one holding register (devices that refuse FC 16 for a single word take this). */
  writeRegister(address: number, value: number): Promise<void>;
  /** Called once when the connection drops without close() having been called. */
  onLost(listener: (reason: string) => void): void;
  /** Releases this unit's use of the connection; the last user's close() closes it. */
  close(): Promise<void>;
}

/**
 * One physical connection per endpoint (a TCP gateway's host:port, a serial device), shared
 * by every unit id behind it. A gateway (and an RS-485 line) answers one request at a time,
 * so requests of all units go through one queue.
 */
export interface ModbusConnections {
  open(endpoint: ModbusEndpoint, unit: number, timeoutMs: number): Promise<RegisterClient>;
  /** Open physical connections. */
  connectionCount(): number;
  /** Users of the connection to `endpoint` (0 when none is open). */
  userCount(endpoint: ModbusEndpoint): number;
}

interface Lease {
  lost: ((reason: string) => void) | null;
}

interface Shared {
  readonly rtu: Rtu;
  readonly where: string;
  readonly leases: Set<Lease>;
  readonly ready: Promise<void>;
  /** Requests waiting for the link, in order; `busy` while one is on the wire. */
  readonly waiting: Array<() => void>;
  busy: boolean;
  dead: boolean;
}

type Callback<T> = (err: unknown, value?: T) => void;

/**
 * Runs `start` when the link is free, one request at a time. A plain FIFO of callbacks rather
 * than a chain of promises: a poll of 50 units behind one gateway queues 50 reads, and each
 * promise layer per read showed in the benchmark (about 15 % of a loopback read).
 */
function enqueue(s: Shared, start: (done: () => void) => void): void {
  if (s.busy) return void s.waiting.push(() => start(next));
  s.busy = true;
  start(next);
  function next(): void {
    const job = s.waiting.shift();
    if (job === undefined) s.busy = false;
    else job();
  }
}

function where(endpoint: ModbusEndpoint, unit?: number): string {
  return endpoint.transport === 'tcp'
    ? `modbus://${endpoint.host}:${endpoint.port}${unit === undefined ? '' : `/${unit}`}`
    : `modbus-rtu://${endpoint.path}${unit === undefined ? '' : `?unit=${unit}`}`;
}

async function connect(rtu: Rtu, endpoint: ModbusEndpoint, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const opening =
      endpoint.transport === 'tcp'
        ? rtu.connectTCP(endpoint.host, { port: endpoint.port })
        : rtu.connectRTUBuffered(endpoint.path, { baudRate: endpoint.baudRate, parity: endpoint.parity, dataBits: endpoint.dataBits, stopBits: endpoint.stopBits });
    await Promise.race([
      opening,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new VppError('MODBUS_TIMEOUT', `${where(endpoint)}: connect timed out after ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
  } catch (e) {
    rtu.close(() => undefined);
    throw classifyModbusError(`${where(endpoint)}: connect`, e);
  } finally {
    clearTimeout(timer);
  }
}

/** A registry of shared connections; createAdapter uses `sharedModbusConnections`. */
export function createModbusConnections(): ModbusConnections {
  const live = new Map<string, Shared>();

  function drop(key: string, s: Shared): void {
    s.dead = true;
    if (live.get(key) === s) live.delete(key);
  }

  function start(key: string, endpoint: ModbusEndpoint, timeoutMs: number): Shared {
    const rtu = new ModbusRTU();
    // Without a listener an 'error' event would throw out of the socket callback.
    rtu.on('error', () => undefined);
    const s: Shared = { rtu, where: where(endpoint), leases: new Set(), ready: connect(rtu, endpoint, timeoutMs), waiting: [], busy: false, dead: false };
    s.ready.then(
      () =>
        rtu.on('close', () => {
          if (s.dead) return;
          drop(key, s);
          for (const l of s.leases) l.lost?.(`${s.where}: connection closed by the device`);
        }),
      () => drop(key, s),
    );
    live.set(key, s);
    return s;
  }

  async function acquire(key: string, endpoint: ModbusEndpoint, timeoutMs: number): Promise<Shared> {
    for (;;) {
      const existing = live.get(key);
      const s = existing !== undefined && !existing.dead ? existing : start(key, endpoint, timeoutMs);
      await s.ready;
      // The last user may have closed it while we waited: then open a fresh one.
      if (!s.dead) return s;
    }
  }

  return {
    async open(endpoint, unit, timeoutMs) {
      const key = endpointKey(endpoint);
      const s = await acquire(key, endpoint, timeoutMs);
      const lease: Lease = { lost: null };
      s.leases.add(lease);
      const at = where(endpoint, unit);

      /** One request through the queue; `op` names it in errors only, so it is built only then. */
      function request<T>(op: () => string, call: (cb: Callback<T>) => void): Promise<T> {
        return new Promise<T>((resolve, reject) => {
          enqueue(s, (done) => {
            let finished = false;
            const cb: Callback<T> = (err, value) => {
              if (finished) return;
              finished = true;
              // The next request goes on the wire before this one's caller runs.
              done();
              if (err === null || err === undefined) resolve(value as T);
              else reject(classifyModbusError(`${at}: ${op()}`, err));
            };
            if (s.dead || !s.leases.has(lease) || !s.rtu.isOpen) return cb(new VppError('MODBUS_IO', `${at}: not connected`));
            s.rtu.setTimeout(timeoutMs);
            try {
              call(cb);
            } catch (e) {
              cb(e);
            }
          });
        });
      }

      const registers =
        (fc: 3 | 4, what: string) =>
        (address: number, count: number): Promise<Uint16Array> =>
          request(
            () => `${what} ${address}+${count}`,
            (cb: Callback<Uint16Array>) => {
              // modbus-serial's typings say err is always set; on success it is null.
              const got = (err: Error | null, r: { readonly data: number[] } | undefined): void => {
                if (err !== null || r === undefined) return cb(err ?? new VppError('MODBUS_IO', `${at}: read ${address}+${count} gave no data`));
                if (r.data.length !== count) return cb(new VppError('MODBUS_IO', `${at}: asked ${count} ${fc === 3 ? '' : 'input '}registers at ${address}, got ${r.data.length}`));
                cb(null, Uint16Array.from(r.data));
              };
              if (fc === 3) s.rtu.writeFC3(unit, address, count, got);
              else s.rtu.writeFC4(unit, address, count, got);
            },
          );

      return {
        readHolding: registers(3, 'read'),
        readInput: registers(4, 'read input'),
        writeRegister: (address, value) =>
          request(
            () => `write ${address}`,
            (cb: Callback<void>) => s.rtu.writeFC6(unit, address, value, (err) => cb(err)),
          ),
        writeRegisters: (address, values) =>
          request(
            () => `write ${address}+${values.length}`,
            (cb: Callback<void>) => s.rtu.writeFC16(unit, address, [...values], (err) => cb(err)),
          ),
        onLost(listener) {
          lease.lost = listener;
        },
        close: () =>
          new Promise<void>((resolve) => {
            if (!s.leases.delete(lease) || s.leases.size > 0) return resolve();
            drop(key, s);
            if (!s.rtu.isOpen) return resolve();
            s.rtu.close(() => resolve());
          }),
      };
    },
    connectionCount: () => live.size,
    userCount: (endpoint) => live.get(endpointKey(endpoint))?.leases.size ?? 0,
  };
}

/** The process-wide registry: every adapter on one gateway shares its connection. */
export const sharedModbusConnections: ModbusConnections = createModbusConnections();
