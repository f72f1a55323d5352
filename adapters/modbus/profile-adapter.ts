import { Subject } from 'rxjs';
import type { AdapterHealth, AdapterTarget, DeviceAdapter, WriteResult } from '../../src/domain/device-adapter.js';
import { VppError } from '../../src/domain/errors.js';
import type { Setpoint } from '../../src/domain/setpoint.js';
import type { Metric, Telemetry } from '../../src/domain/telemetry.js';
import { telemetryOf } from '../telemetry-of.js';
import { loadProfile, type DeviceProfile } from '../profile.js';
import { parseModbusUrl } from './binding.js';
import { sharedModbusConnections, type ModbusConnections, type RegisterClient } from './connection.js';
import { invertMeter } from './decoders.js';
import { createPollLoop } from './poll-loop.js';
import { readProfile, READ_THROUGH_GAP, type ProfileReadState, type ProfileValues } from './profile-read.js';
import { checkRegisterMap, type RegisterMap } from './register-map.js';
import { writePowerKw } from './profile-write.js';

export interface ModbusProfileAdapterOptions {
  /** Where profiles live; default config/devices/. */
  readonly profileDir?: URL;
  /** Per-request timeout; default 1000 ms. */
  readonly timeoutMs?: number;
  /** Reconnect back-off: first wait and cap; default 500 ms → 10 s, doubling. */
  readonly backoffMinMs?: number;
  readonly backoffMaxMs?: number;
  /** Where connections are shared; default: the process-wide registry (one link per gateway). */
  readonly connections?: ModbusConnections;
}

/** Loads the binding's profile and checks it is a Modbus register map for this kind of asset. */
export function loadRegisterMap(binding: string, kind: AdapterTarget['kind'] | null, profileDir?: URL): { head: DeviceProfile; map: RegisterMap } {
  const profile = parseModbusUrl(binding).profile;
  if (profile === undefined) throw new VppError('BINDING_INVALID', `binding '${binding}': names no profile (add ?profile=NAME, a file in config/devices)`);
  const head = loadProfile(profile, profileDir);
  if (head.protocol !== 'modbus') throw new VppError('PROFILE_MISMATCH', `binding '${binding}': profile ${head.name} is for protocol ${head.protocol}, not modbus`);
  if (kind !== null && head.kind !== kind) throw new VppError('PROFILE_MISMATCH', `binding '${binding}': profile ${head.name} describes a ${head.kind}, the asset is a ${kind}`);
  return { head, map: checkRegisterMap(head.file, head.body) };
}

/** Link errors become DEVICE_UNREACHABLE; anything else (PROFILE_MISMATCH, …) keeps its code. */
function unreachable(e: unknown): Error {
  if (e instanceof VppError && e.code !== 'MODBUS_IO' && e.code !== 'MODBUS_TIMEOUT') return e;
  return new VppError('DEVICE_UNREACHABLE', e instanceof Error ? e.message : String(e), { cause: e });
}

/**
 * A non-SunSpec Modbus device read and written as its register-map profile says
 * (`modbus://host:port/unit?profile=NAME`, `modbus-rtu:///dev/tty…?unit=N&profile=NAME`).
 * Shares the gateway's connection with every other unit behind it, polls every
 * pollIntervalS in as few reads as the device allows, and emits canonical metrics in the load
 * convention. A failed poll emits every metric `bad` at once and reconnects with capped
 * exponential back-off, as the SunSpec adapter does.
 */
export function createModbusProfileAdapter(target: AdapterTarget, options: ModbusProfileAdapterOptions = {}): DeviceAdapter {
  const binding = parseModbusUrl(target.binding);
  const { head, map } = loadRegisterMap(target.binding, target.kind, options.profileDir);
  const metrics: Metric[] = map.readings.map((r) => r.metric);
  const invert = target.invert === true && (target.kind === 'meter' || target.kind === 'load');
  const connections = options.connections ?? sharedModbusConnections;
  const timeoutMs = options.timeoutMs ?? 1000;
  const backoffMinMs = options.backoffMinMs ?? 500;
  const backoffMaxMs = options.backoffMaxMs ?? 10_000;
  const readState: ProfileReadState = { gap: { input: READ_THROUGH_GAP, holding: READ_THROUGH_GAP } };

  const telemetry$ = new Subject<Telemetry>();
  let link: RegisterClient | null = null;
  let closed = false;
  let polling = false;
  const pollLoop = createPollLoop(target.pollIntervalS * 1000, () => poll());
  let retryTimer: NodeJS.Timeout | null = null;
  let backoffMs = backoffMinMs;
  let lastOkAtMs: number | null = null;
  let consecutiveErrors = 0;
  let lastError: string | null = null;

  function emit(values: ProfileValues, atMs: number): void {
    for (const metric of metrics) telemetry$.next(telemetryOf(target.siteId, target.assetId, metric, values[metric], atMs));
  }

  async function establish(): Promise<RegisterClient> {
    const client = await connections.open(binding.endpoint, binding.unit, timeoutMs);
    client.onLost((reason) => fail(client, new VppError('MODBUS_IO', reason)));
    return client;
  }

  function fail(from: RegisterClient | null, e: unknown): void {
    if (closed || (from !== null && link !== from)) return; // already handled
    consecutiveErrors++;
    lastError = e instanceof Error ? e.message : String(e);
    pollLoop.stop();
    emit({}, Date.now());
    if (link !== null) void link.close();
    link = null;
    if (retryTimer === null) {
      retryTimer = setTimeout(() => void reconnect(), backoffMs);
      backoffMs = Math.min(backoffMs * 2, backoffMaxMs);
    }
  }

  async function reconnect(): Promise<void> {
    retryTimer = null;
    if (closed) return;
    try {
      const c = await establish();
      if (closed) return void (await c.close());
      link = c;
      backoffMs = backoffMinMs;
      await poll();
      if (link === c) pollLoop.start();
    } catch (e) {
      fail(null, e);
    }
  }

  /** One read of every value; rejects (after marking everything bad) when the poll failed. */
  async function poll(): Promise<void> {
    const c = link;
    if (c === null || polling || closed) return;
    polling = true;
    try {
      const values = await readProfile(c, map, readState, target.binding);
      const atMs = Date.now();
      if (invert) Object.assign(values, invertMeter(values));
      if (link !== c || closed) return;
      consecutiveErrors = 0;
      lastError = null;
      lastOkAtMs = atMs;
      emit(values, atMs);
    } catch (e) {
      fail(c, e);
      throw e;
    } finally {
      polling = false;
    }
  }

  return {
    target,
    telemetry$: telemetry$.asObservable(),
    async connect() {
      if (closed) throw new VppError('ADAPTER_CLOSED', `${target.binding}: adapter is closed`);
      if (link !== null) return;
      let c: RegisterClient;
      try {
        c = await establish();
      } catch (e) {
        fail(null, e);
        throw unreachable(e);
      }
      if (closed) return void (await c.close());
      link = c;
      // A failed first poll has already marked everything bad and scheduled the reconnect.
      await poll().catch((e: unknown) => {
        throw unreachable(e);
      });
      if (link !== null) pollLoop.start();
    },
    async write(setpoint: Setpoint): Promise<WriteResult> {
      const w = map.writes.powerKw;
      if (w === null) return { ok: false, readBackKw: null, detail: `${target.binding}: profile ${head.name} has no write map for powerKw (modbus.writes.powerKw)` };
      if (link === null) return { ok: false, readBackKw: null, detail: `${target.binding}: not connected (${lastError ?? 'no link'})` };
      return writePowerKw(link, w, map.wordOrder, setpoint.powerKw, target.revertS, target.binding);
    },
    health: (): AdapterHealth => ({ connected: link !== null, lastOkAtMs, consecutiveErrors, lastError }),
    async close() {
      if (closed) return;
      closed = true;
      pollLoop.stop();
      if (retryTimer !== null) clearTimeout(retryTimer);
      const c = link;
      link = null;
      if (c !== null) await c.close();
      telemetry$.complete();
    },
  };
}
