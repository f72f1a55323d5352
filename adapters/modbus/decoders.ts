import type { AssetKind } from '../../src/domain/asset.js';
import type { Metric } from '../../src/domain/telemetry.js';
import { MODEL_103, MODEL_124, MODEL_203, STOR_CTL_CHARGE, STOR_CTL_DISCHARGE, type ModelDef } from '../../src/domain/sunspec/index.js';

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

/** The per-model decoder map: new models are added here, not in the adapter. */
export const MODEL_DECODERS: ReadonlyMap<number, ModelDecoder> = new Map<number, ModelDecoder>([
  [
    203,
    {
      model: MODEL_203,
      // Model 203 W > 0 is import (see src/domain/sunspec/model-203.ts): no sign change.
      metrics: () => ['powerKw', 'energyImportKwh', 'energyExportKwh', 'reactiveKvar'],
      decode: (v) => ({
        powerKw: kilo(v.W),
        energyImportKwh: kilo(v.TotWhImp),
        energyExportKwh: kilo(v.TotWhExp),
        reactiveKvar: kilo(v.VAR),
      }),
    },
  ],
  [
    103,
    {
      model: MODEL_103,
      metrics: (kind) => (kind === 'pv' ? ['powerKw', 'energyExportKwh'] : ['powerKw']),
      decode: (v, kind) =>
        kind === 'pv' ? { powerKw: generationToLoadKw(v.W), energyExportKwh: kilo(v.WH) } : { powerKw: generationToLoadKw(v.W) },
    },
  ],
  [
    124,
    {
      model: MODEL_124,
      metrics: () => ['socPct', 'setpointKw'],
      decode: (v) => ({ socPct: num(v.ChaState), setpointKw: storageCommandKw(v) }),
    },
  ],
]);

/** Models an asset kind needs on its unit. */
export const KIND_MODELS: Readonly<Partial<Record<AssetKind, readonly number[]>>> = {
  meter: [203],
  load: [203],
  pv: [103],
  battery: [103, 124],
};
