import type { AdapterTarget, DeviceAdapter, WriteResult } from '../../src/domain/device-adapter.js';
import { VppError } from '../../src/domain/errors.js';
import type { Setpoint } from '../../src/domain/setpoint.js';
import type { Metric } from '../../src/domain/telemetry.js';
import { MODEL_HEADER_REGISTERS } from '../../src/domain/sunspec/index.js';
import { parseModbusUrl } from './binding.js';
import { sharedModbusConnections, type ModbusConnections, type RegisterClient } from './connection.js';
import { releasePowerControl, writePowerControl, type PowerControl } from './control-writes.js';
import { KIND_MODELS, MODEL_DECODERS, type MetricValues, type ModelDecoder } from './decoders.js';
import { discoverSunSpec, type SunSpecMap, type SunSpecModelLocation } from './discovery.js';
import { lazyPoints } from './lazy-points.js';
import { createLinkLifecycle } from './link-lifecycle.js';
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
  const connections = options.connections ?? sharedModbusConnections;
  const timeoutMs = options.timeoutMs ?? 1000;
  const powerControl = options.powerControl ?? 'auto';

  async function establish(lost: (l: Link, e: unknown) => void): Promise<Link> {
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
      client.onLost((reason) => lost(l, new VppError('MODBUS_IO', reason)));
      return l;
    } catch (e) {
      await client.close();
      throw e;
    }
  }

  async function read(l: Link): Promise<MetricValues> {
    const blocks = await readPlanned(l.client.readHolding, l.ranges, l.plan);
    const values: MetricValues = {};
    for (let i = 0; i < l.models.length; i++) {
      const m = l.models[i] as Link['models'][number];
      Object.assign(values, m.decoder.decode(lazyPoints(m.decoder.model, blocks[i] ?? [], MODEL_HEADER_REGISTERS), target.kind));
    }
    return values;
  }

  const life = createLinkLifecycle<Link>({
    target,
    metrics,
    backoffMinMs: options.backoffMinMs ?? 500,
    backoffMaxMs: options.backoffMaxMs ?? 10_000,
    establish,
    clientOf: (l) => l.client,
    read,
  });

  /** Runs a control write on the live link; I/O failures and Modbus exceptions come back as ok:false. */
  async function control(run: (l: Link) => Promise<WriteResult>): Promise<WriteResult> {
    const l = life.current();
    if (l === null) return { ok: false, readBackKw: null, detail: `${target.binding}: not connected (${life.lastError() ?? 'no link'})` };
    try {
      return await run(l);
    } catch (e) {
      return { ok: false, readBackKw: null, detail: e instanceof Error ? e.message : String(e) };
    }
  }

  return {
    target,
    telemetry$: life.telemetry$,
    connect: () => life.connect({ where: target.binding, firstPollRejects: false }),
    async write(setpoint: Setpoint): Promise<WriteResult> {
      if (target.kind !== 'battery' && target.kind !== 'pv') return { ok: false, readBackKw: null, detail: `${target.binding}: a ${target.kind} takes no power setpoint` };
      return control((l) => writePowerControl(l, target, setpoint.powerKw, powerControl));
    },
    release: (): Promise<WriteResult> => control((l) => releasePowerControl(l, target)),
    health: () => life.health(),
    close: () => life.close(),
  };
}
