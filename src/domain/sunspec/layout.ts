import { MODEL_1 } from './model-1.js';
import { MODEL_103 } from './model-103.js';
import { MODEL_123 } from './model-123.js';
import { MODEL_124 } from './model-124.js';
import { MODEL_203 } from './model-203.js';
import type { ModelDef } from './types.js';

/** 'SunS' as two registers: the marker that starts a SunSpec map. */
export const SUNS_MARKER: readonly [number, number] = [0x5375, 0x6e53];
/** Where clients look for the marker, in the order SunSpec recommends trying them. */
export const SUNS_BASE_ADDRESSES: readonly number[] = [40000, 0, 50000];
/** The model id that ends the chain (followed by a length of 0). */
export const END_MODEL_ID = 0xffff;
/** Models start after the 2-register marker; each is [ID, L, ...L registers]. */
export const MODEL_HEADER_REGISTERS = 2;

export const SUNSPEC_MODELS: ReadonlyMap<number, ModelDef> = new Map(
  [MODEL_1, MODEL_103, MODEL_123, MODEL_124, MODEL_203].map((m) => [m.id, m]),
);

export function sunspecModel(id: number): ModelDef | undefined {
  return SUNSPEC_MODELS.get(id);
}
