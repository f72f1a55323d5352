import type { AssetKind } from '../../src/domain/asset.js';
import type { Metric } from '../../src/domain/telemetry.js';
import {
  MODEL_101,
  MODEL_102,
  MODEL_103,
  MODEL_111,
  MODEL_112,
  MODEL_113,
  MODEL_124,
  MODEL_201,
  MODEL_202,
  MODEL_203,
  MODEL_204,
  MODEL_211,
  MODEL_212,
  MODEL_213,
  MODEL_214,
  MODEL_802,
  STOR_CTL_CHARGE,
  STOR_CTL_DISCHARGE,
  type ModelDef,
} from '../../src/domain/sunspec/index.js';

/** Decoded points of one model (scale factors applied, 'not implemented' = null). */
export type PointValues = Readonly<Record<string, number | string | null>>;
/** Canonical metrics, load convention; null = the device does not provide it now. */
export type MetricValues = Partial<Record<Metric, number | null>>;

function num(v: number | string | null | undefined): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function kilo(v: number | string | null | undefined): number | null {
  const n = num(v);
  return n === null ? null : n / 1000;
}

/** SunSpec inverters count generation positive; the load convention counts it negative. */
function generationToLoadKw(w: number | string | null | undefined): number | null {
  const n = num(w);
  return n === null ? null : (0 - n) / 1000;
}

/**
 * What model 124 says the battery was told, kW in the load convention (semantics in
 * src/domain/sunspec/model-124.ts): CHARGE → +InWRte % × WChaMax, DISCHARGE → −OutWRte % ×
 * WChaMax, neither → 0. Both bits at once has no defined meaning: null.
 */
export function storageCommandKw(v: PointValues): number | null {
  const mode = num(v.StorCtl_Mod);
  const maxW = num(v.WChaMax);
  if (mode === null || maxW === null) return null;
  const charge = (mode & STOR_CTL_CHARGE) !== 0;
  const discharge = (mode & STOR_CTL_DISCHARGE) !== 0;
  if (charge && discharge) return null;
  if (!charge && !discharge) return 0;
  const pct = num(charge ? v.InWRte : v.OutWRte);
  if (pct === null) return null;
  return ((charge ? 1 : -1) * pct * maxW) / 100 / 1000;
}

export interface ModelDecoder {
  readonly model: ModelDef;
  readonly metrics: (kind: AssetKind) => readonly Metric[];
  readonly decode: (v: PointValues, kind: AssetKind) => MetricValues;
}

/** Inverters (101–103, 111–113) count generation positive; the load convention negates it. */
function inverterDecoder(model: ModelDef): ModelDecoder {
  return {
    model,
    metrics: (kind) => (kind === 'pv' ? ['powerKw', 'energyExportKwh'] : ['powerKw']),
    decode: (v, kind) => (kind === 'pv' ? { powerKw: generationToLoadKw(v.W), energyExportKwh: kilo(v.WH) } : { powerKw: generationToLoadKw(v.W) }),
  };
}

/** Meters (201–204, 211–214): W > 0 is import (see src/domain/sunspec/model-203.ts), no sign change. */
function meterDecoder(model: ModelDef): ModelDecoder {
  return {
    model,
    metrics: () => ['powerKw', 'energyImportKwh', 'energyExportKwh', 'reactiveKvar'],
    decode: (v) => ({ powerKw: kilo(v.W), energyImportKwh: kilo(v.TotWhImp), energyExportKwh: kilo(v.TotWhExp), reactiveKvar: kilo(v.VAR) }),
  };
}

/** Inverter models, preferred first when a device carries several. */
export const INVERTER_MODELS: readonly ModelDef[] = [MODEL_103, MODEL_101, MODEL_102, MODEL_113, MODEL_111, MODEL_112];
export const METER_MODELS: readonly ModelDef[] = [MODEL_203, MODEL_201, MODEL_202, MODEL_204, MODEL_213, MODEL_211, MODEL_212, MODEL_214];

/** The per-model decoder map: new models are added here, not in the adapter. */
export const MODEL_DECODERS: ReadonlyMap<number, ModelDecoder> = new Map<number, ModelDecoder>([
  ...METER_MODELS.map((m): [number, ModelDecoder] => [m.id, meterDecoder(m)]),
  ...INVERTER_MODELS.map((m): [number, ModelDecoder] => [m.id, inverterDecoder(m)]),
  [124, { model: MODEL_124, metrics: () => ['socPct', 'setpointKw'], decode: (v) => ({ socPct: num(v.ChaState), setpointKw: storageCommandKw(v) }) }],
  // 802 states no sign for W/A (model-802.ts): only the state of charge is read from it.
  [802, { model: MODEL_802, metrics: () => ['socPct'], decode: (v) => ({ socPct: num(v.SoC) }) }],
]);

/**
 * A meter mounted the other way round: power (and reactive power) flip sign, import and
 * export energies swap. Applied once, after decoding, when the target says `invert`.
 */
export function invertMeter(v: MetricValues): MetricValues {
  const flip = (x: number | null | undefined): number | null | undefined => (typeof x === 'number' ? 0 - x : x);
  const out: MetricValues = { ...v };
  if ('powerKw' in v) out.powerKw = flip(v.powerKw) ?? null;
  if ('reactiveKvar' in v) out.reactiveKvar = flip(v.reactiveKvar) ?? null;
  if ('energyImportKwh' in v || 'energyExportKwh' in v) {
    out.energyImportKwh = v.energyExportKwh ?? null;
    out.energyExportKwh = v.energyImportKwh ?? null;
  }
  return out;
}

/**
 * Models an asset kind needs on its unit: one slot per need, each listing the models that
 * can fill it, preferred first (the first one the device has is used).
 */
const INVERTER_IDS = INVERTER_MODELS.map((m) => m.id);
const METER_IDS = METER_MODELS.map((m) => m.id);
export const KIND_MODELS: Readonly<Partial<Record<AssetKind, ReadonlyArray<readonly number[]>>>> = {
  meter: [METER_IDS],
  load: [METER_IDS],
  pv: [INVERTER_IDS],
  // Model 124 carries both the state of charge and the control this project writes.
  battery: [INVERTER_IDS, [124]],
};
