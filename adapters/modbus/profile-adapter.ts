import type { AdapterTarget, DeviceAdapter, WriteResult } from '../../src/domain/device-adapter.js';
import { VppError } from '../../src/domain/errors.js';
import type { Setpoint } from '../../src/domain/setpoint.js';
import type { Metric } from '../../src/domain/telemetry.js';
import { loadProfile, type DeviceProfile } from '../profile.js';
import { parseModbusUrl } from './binding.js';
import { sharedModbusConnections, type ModbusConnections, type RegisterClient } from './connection.js';
import { createLinkLifecycle } from './link-lifecycle.js';
import { readProfile, READ_THROUGH_GAP, type ProfileReadState } from './profile-read.js';
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
  const connections = options.connections ?? sharedModbusConnections;
  const timeoutMs = options.timeoutMs ?? 1000;
  const readState: ProfileReadState = { gap: { input: READ_THROUGH_GAP, holding: READ_THROUGH_GAP } };

  const life = createLinkLifecycle<RegisterClient>({
    target,
    metrics,
    backoffMinMs: options.backoffMinMs ?? 500,
    backoffMaxMs: options.backoffMaxMs ?? 10_000,
    async establish(lost) {
      const client = await connections.open(binding.endpoint, binding.unit, timeoutMs);
      client.onLost((reason) => lost(client, new VppError('MODBUS_IO', reason)));
      return client;
    },
    clientOf: (c) => c,
    read: (c) => readProfile(c, map, readState, target.binding),
  });

  return {
    target,
    telemetry$: life.telemetry$,
    // A failed first poll has already marked everything bad and scheduled the reconnect.
    connect: () => life.connect({ firstPollRejects: true }),
    async write(setpoint: Setpoint): Promise<WriteResult> {
      const w = map.writes.powerKw;
      if (w === null) return { ok: false, readBackKw: null, detail: `${target.binding}: profile ${head.name} has no write map for powerKw (modbus.writes.powerKw)` };
      const link = life.current();
      if (link === null) return { ok: false, readBackKw: null, detail: `${target.binding}: not connected (${life.lastError() ?? 'no link'})` };
      return writePowerKw(link, w, map.wordOrder, setpoint.powerKw, target.revertS, target.binding);
    },
    health: () => life.health(),
    close: () => life.close(),
  };
}
