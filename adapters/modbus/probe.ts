import type { AssetKind } from '../../src/domain/asset.js';
import { VppError } from '../../src/domain/errors.js';
import type { Quality } from '../../src/domain/quality.js';
import { MODEL_1, MODEL_HEADER_REGISTERS, decodeModel } from '../../src/domain/sunspec/index.js';
import { reading, type Metric } from '../../src/domain/telemetry.js';
import { parseModbusUrl } from './binding.js';
import { createModbusConnections } from './connection.js';
import { MODEL_DECODERS } from './decoders.js';
import { discoverSunSpec } from './discovery.js';
import { readRanges } from './read-plan.js';

/** `vpp probe --json` output (CONTRACTS.md, "`vpp probe <url> --json` output"). */
export interface ProbeResult {
  readonly url: string;
  readonly device: { readonly manufacturer: string | null; readonly model: string | null; readonly serialNumber: string | null; readonly version: string | null };
  readonly sunspec: { readonly baseAddress: number; readonly models: ReadonlyArray<{ readonly id: number; readonly address: number; readonly length: number }> };
  readonly assets: ReadonlyArray<ProbedAsset>;
}

export interface ProbedAsset {
  readonly kind: AssetKind;
  readonly model: number;
  readonly readings: Readonly<Partial<Record<Metric, { readonly value: number | null; readonly quality: Quality }>>>;
}

const INVERTERS: readonly number[] = [101, 102, 103, 111, 112, 113];
const STORAGE: readonly number[] = [124, 802];

/**
 * What a model says about the asset behind it. An inverter on a unit that also carries a
 * storage model is the battery's inverter (its AC power is the battery's), else it is PV.
 */
function kindOf(id: number, ids: readonly number[]): AssetKind | null {
  if (INVERTERS.includes(id)) return ids.some((x) => STORAGE.includes(x)) ? 'battery' : 'pv';
  if ((id >= 201 && id <= 204) || (id >= 211 && id <= 214)) return 'meter';
  if (STORAGE.includes(id)) return 'battery';
  return null;
}

export interface ProbeOptions {
  /** Per request and for connecting; default 2000 ms. */
  readonly timeoutMs?: number;
}

/**
 * Reads a SunSpec device once: discovery, model 1, then every model this project decodes,
 * in as few reads as the 125-register limit allows. Throws VppError: BINDING_INVALID (bad
 * URL), MODBUS_TIMEOUT / MODBUS_IO (unreachable), NOT_SUNSPEC (no SunSpec map).
 */
export async function probeSunSpec(url: string, options: ProbeOptions = {}): Promise<ProbeResult> {
  const binding = parseModbusUrl(url);
  const timeoutMs = options.timeoutMs ?? 2000;
  const client = await createModbusConnections().open(binding.endpoint, binding.unit, timeoutMs);
  try {
    const map = await discoverSunSpec(client.readHolding, url);
    const common = map.models.find((m) => m.id === 1);
    if (common === undefined) throw new VppError('NOT_SUNSPEC', `${url}: the SunSpec map at ${map.baseAddress} has no common model (1)`);
    const known = map.models.filter((m) => m.id === 1 || (MODEL_DECODERS.has(m.id) && kindOf(m.id, []) !== null));
    const blocks = await readRanges(client.readHolding, known.map((m) => ({ address: m.address, count: MODEL_HEADER_REGISTERS + m.length })));
    const ids = map.models.map((m) => m.id);
    let device: ProbeResult['device'] = { manufacturer: null, model: null, serialNumber: null, version: null };
    const assets: ProbedAsset[] = [];
    known.forEach((loc, i) => {
      const regs = blocks[i] ?? new Uint16Array(0);
      if (loc.id === 1) {
        if (loc.length < MODEL_1.length) throw new VppError('NOT_SUNSPEC', `${url}: model 1 has length ${loc.length}, expected ${MODEL_1.length}`);
        const v = decodeModel(MODEL_1, regs, MODEL_HEADER_REGISTERS);
        const text = (x: unknown): string | null => (typeof x === 'string' ? x : null);
        device = { manufacturer: text(v.Mn), model: text(v.Md), serialNumber: text(v.SN), version: text(v.Vr) };
        return;
      }
      const decoder = MODEL_DECODERS.get(loc.id);
      const kind = kindOf(loc.id, ids);
      if (decoder === undefined || kind === null) return;
      // A model shorter than its definition cannot be decoded: every reading is bad, none is guessed.
      const values = loc.length < decoder.model.length ? {} : decoder.decode(decodeModel(decoder.model, regs, MODEL_HEADER_REGISTERS), kind);
      const readings: Partial<Record<Metric, { value: number | null; quality: Quality }>> = {};
      for (const metric of decoder.metrics(kind)) {
        const r = reading(values[metric], 0);
        readings[metric] = { value: r.value, quality: r.quality };
      }
      assets.push({ kind, model: loc.id, readings });
    });
    return { url, device, sunspec: { baseAddress: map.baseAddress, models: map.models.map((m) => ({ id: m.id, address: m.address, length: m.length })) }, assets };
  } finally {
    await client.close();
  }
}
