import { Subject } from 'rxjs';
import type { AdapterHealth, AdapterTarget, DeviceAdapter, WriteResult } from '../../src/domain/device-adapter.js';
import { VppError } from '../../src/domain/errors.js';
import type { Setpoint } from '../../src/domain/setpoint.js';
import type { Metric, Telemetry } from '../../src/domain/telemetry.js';
import { telemetryOf } from '../telemetry-of.js';
import { MODEL_HEADER_REGISTERS } from '../../src/domain/sunspec/index.js';
import { parseModbusUrl } from './binding.js';
import { sharedModbusConnections, type ModbusConnections, type RegisterClient } from './connection.js';
import { releasePowerControl, writePowerControl, type PowerControl } from './control-writes.js';
import { KIND_MODELS, MODEL_DECODERS, invertMeter, type MetricValues, type ModelDecoder } from './decoders.js';
import { discoverSunSpec, type SunSpecMap, type SunSpecModelLocation } from './discovery.js';
import { lazyPoints } from './lazy-points.js';
import { createPollLoop } from './poll-loop.js';
import { planReads, readPlanned, type RegisterRange } from './read-plan.js';

export interface ModbusAdapterOptions {
  /** Per-request timeout; default 1000 ms. */
  readonly timeoutMs?: number;
  /** Reconnect back-off: first wait and cap; default 500 ms → 10 s, doubling. */
  readonly backoffMinMs?: number;
  readonly backoffMaxMs?: number;
  /** Where connections are shared; default: the process-wide registry (one link per gateway). */
  readonly connections?: ModbusConnections;
  /** Which SunSpec model carries power setpoints (control-writes.ts); default 'auto'. */
  readonly powerControl?: PowerControl;
}

interface Link {
  readonly client: RegisterClient;
  readonly map: SunSpecMap;
  readonly models: ReadonlyArray<{ readonly loc: SunSpecModelLocation; readonly decoder: ModelDecoder }>;
  /** Each model's registers with its header, and the reads that cover them: fixed per link. */
  readonly ranges: readonly RegisterRange[];
  readonly plan: readonly RegisterRange[];
}

/**
 * A SunSpec device over Modbus TCP (`modbus://host:port/unit`) or a serial line
 * (`modbus-rtu:///dev/ttyUSB0?baud=9600&unit=3`). Units behind one gateway share its
 * connection (connection.ts); each keeps its own poll interval. Discovers the models on
 * connect, polls the ones the asset kind needs every pollIntervalS and emits canonical metrics
 * in the load convention. A failed read emits every metric `bad` at once and reconnects with
 * capped exponential back-off; so does a failed connect(), which also rejects.
 */
export function createModbusAdapter(target: AdapterTarget, options: ModbusAdapterOptions = {}): DeviceAdapter {
  const binding = parseModbusUrl(target.binding);
  const kindModels = KIND_MODELS[target.kind];
  if (kindModels === undefined) throw new VppError('BINDING_UNSUPPORTED', `binding '${target.binding}': asset kind ${target.kind} has no SunSpec mapping`);
  const needed = kindModels;
  // Every alternative of a slot emits the same metrics (decoders.ts), so the first one names them.
  const metrics: Metric[] = [...new Set(needed.flatMap((slot) => (MODEL_DECODERS.get(slot[0] ?? 0) as ModelDecoder).metrics(target.kind)))];
  const invert = target.invert === true && (target.kind === 'meter' || target.kind === 'load');
  const connections = options.connections ?? sharedModbusConnections;
  const timeoutMs = options.timeoutMs ?? 1000;
  const backoffMinMs = options.backoffMinMs ?? 500;
  const backoffMaxMs = options.backoffMaxMs ?? 10_000;
  const powerControl = options.powerControl ?? 'auto';

  const telemetry$ = new Subject<Telemetry>();
  let link: Link | null = null;
  let closed = false;
  let polling = false;
  const pollLoop = createPollLoop(target.pollIntervalS * 1000, () => poll());
  let retryTimer: NodeJS.Timeout | null = null;
  let backoffMs = backoffMinMs;
  let lastOkAtMs: number | null = null;
  let consecutiveErrors = 0;
  let lastError: string | null = null;

  function emit(values: MetricValues, atMs: number): void {
    for (const metric of metrics) {
      telemetry$.next(telemetryOf(target.siteId, target.assetId, metric, values[metric], atMs));
    }
  }

  async function establish(): Promise<Link> {
    const client = await connections.open(binding.endpoint, binding.unit, timeoutMs);
    try {
      const map = await discoverSunSpec(client.readHolding, target.binding);
      const models = needed.map((slot) => {
        const loc = map.models.find((m) => slot.includes(m.id));
        if (loc === undefined) {
          throw new VppError('SUNSPEC_MODEL_MISSING', `${target.binding}: a ${target.kind} needs SunSpec model ${slot.join(' or ')}; the device has ${map.models.map((m) => m.id).join(', ')}`);
        }
        const decoder = MODEL_DECODERS.get(loc.id) as ModelDecoder;
        if (loc.length < decoder.model.length) {
          throw new VppError('SUNSPEC_MODEL_MISSING', `${target.binding}: model ${loc.id} has length ${loc.length}, expected ${decoder.model.length}`);
        }
        return { loc, decoder };
      });
      const ranges = models.map((m) => ({ address: m.loc.address, count: MODEL_HEADER_REGISTERS + m.loc.length }));
      const l: Link = { client, map, models, ranges, plan: planReads(ranges) };
      client.onLost((reason) => fail(l, new VppError('MODBUS_IO', reason)));
      return l;
    } catch (e) {
      await client.close();
      throw e;
    }
  }

  function fail(from: Link | null, e: unknown): void {
    if (closed || (from !== null && link !== from)) return; // already handled
    consecutiveErrors++;
    lastError = e instanceof Error ? e.message : String(e);
    pollLoop.stop();
    emit({}, Date.now());
    if (link !== null) void link.client.close();
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
      const l = await establish();
      if (closed) return void (await l.client.close());
      link = l;
      backoffMs = backoffMinMs;
      await poll();
      if (link === l) pollLoop.start();
    } catch (e) {
      fail(null, e);
    }
  }

  async function poll(): Promise<void> {
    const l = link;
    if (l === null || polling || closed) return;
    polling = true;
    try {
      const blocks = await readPlanned(l.client.readHolding, l.ranges, l.plan);
      const atMs = Date.now();
      const values: MetricValues = {};
      for (let i = 0; i < l.models.length; i++) {
        const m = l.models[i] as Link['models'][number];
        Object.assign(values, m.decoder.decode(lazyPoints(m.decoder.model, blocks[i] ?? [], MODEL_HEADER_REGISTERS), target.kind));
      }
      if (invert) Object.assign(values, invertMeter(values));
      if (link !== l || closed) return;
      consecutiveErrors = 0;
      lastError = null;
      lastOkAtMs = atMs;
      emit(values, atMs);
    } catch (e) {
      fail(l, e);
    } finally {
      polling = false;
    }
  }

  /** Runs a control write on the live link; I/O failures and Modbus exceptions come back as ok:false. */
  async function control(run: (l: Link) => Promise<WriteResult>): Promise<WriteResult> {
    const l = link;
    if (l === null) return { ok: false, readBackKw: null, detail: `${target.binding}: not connected (${lastError ?? 'no link'})` };
    try {
      return await run(l);
    } catch (e) {
      return { ok: false, readBackKw: null, detail: e instanceof Error ? e.message : String(e) };
    }
  }

  return {
    target,
    telemetry$: telemetry$.asObservable(),
    async connect() {
      if (closed) throw new VppError('ADAPTER_CLOSED', `${target.binding}: adapter is closed`);
      if (link !== null) return;
      try {
        const l = await establish();
        if (closed) return void (await l.client.close());
        link = l;
      } catch (e) {
        fail(null, e);
        if (e instanceof VppError && e.code !== 'MODBUS_IO' && e.code !== 'MODBUS_TIMEOUT') throw e;
        throw new VppError('DEVICE_UNREACHABLE', `${target.binding}: ${lastError ?? 'unreachable'}`, { cause: e });
      }
      await poll();
      if (link !== null) pollLoop.start();
    },
    async write(setpoint: Setpoint): Promise<WriteResult> {
      if (target.kind !== 'battery' && target.kind !== 'pv') return { ok: false, readBackKw: null, detail: `${target.binding}: a ${target.kind} takes no power setpoint` };
      return control((l) => writePowerControl(l, target, setpoint.powerKw, powerControl));
    },
    release: (): Promise<WriteResult> => control((l) => releasePowerControl(l, target)),
    health: (): AdapterHealth => ({ connected: link !== null, lastOkAtMs, consecutiveErrors, lastError }),
    async close() {
      if (closed) return;
      closed = true;
      pollLoop.stop();
      if (retryTimer !== null) clearTimeout(retryTimer);
      const l = link;
      link = null;
      if (l !== null) await l.client.close();
      telemetry$.complete();
    },
  };
}
