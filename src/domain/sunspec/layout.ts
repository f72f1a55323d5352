import { MODEL_1 } from './model-1.js';
import { MODEL_103 } from './model-103.js';
import { MODEL_123 } from './model-123.js';
import { MODEL_124 } from './model-124.js';
import { MODEL_203 } from './model-203.js';
import { MODEL_120, MODEL_121 } from './model-120-121.js';
import { MODEL_704 } from './model-704.js';
import { MODEL_802 } from './model-802.js';
import { MODEL_101, MODEL_102, MODEL_111, MODEL_112, MODEL_113 } from './model-inverters.js';
import { MODEL_201, MODEL_202, MODEL_204, MODEL_211, MODEL_212, MODEL_213, MODEL_214 } from './model-meters.js';
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
  [
    MODEL_1,
    ...[MODEL_101, MODEL_102, MODEL_103, MODEL_111, MODEL_112, MODEL_113, MODEL_120, MODEL_121, MODEL_123, MODEL_124],
    ...[MODEL_201, MODEL_202, MODEL_203, MODEL_204, MODEL_211, MODEL_212, MODEL_213, MODEL_214, MODEL_704, MODEL_802],
  ].map((m) => [m.id, m]),
);

export function sunspecModel(id: number): ModelDef | undefined {
  return SUNSPEC_MODELS.get(id);
}
