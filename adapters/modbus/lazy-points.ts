import { VppError } from '../../src/domain/errors.js';
import { applyScale, decodeRaw, type ModelDef } from '../../src/domain/sunspec/index.js';
import type { PointValues } from './decoders.js';

// Symbols, so that no point name (a model's own namespace) can collide with the block's fields.
const REGS = Symbol('regs');
const BASE = Symbol('base');

interface Block {
  readonly [REGS]: ArrayLike<number>;
  readonly [BASE]: number;
}

type BlockClass = new (regs: ArrayLike<number>, base: number) => Block;

const views = new Map<ModelDef, BlockClass>();

/** A class with one getter per point that decodes it from the block's registers. */
function viewOf(model: ModelDef): BlockClass {
  const known = views.get(model);
  if (known !== undefined) return known;
  class View implements Block {
    readonly [REGS]: ArrayLike<number>;
    readonly [BASE]: number;
    constructor(regs: ArrayLike<number>, base: number) {
      this[REGS] = regs;
      this[BASE] = base;
    }
  }
  const getters: PropertyDescriptorMap = {};
  for (const p of model.points) {
    if (p.type === 'pad') continue;
    const sfPoint = p.sf === undefined ? undefined : model.byName.get(p.sf);
    getters[p.name] = {
      enumerable: true,
      get(this: Block): number | string | null {
        const raw = decodeRaw(p, this[REGS], this[BASE]);
        if (p.sf === undefined || raw === null || typeof raw === 'string') return raw;
        const sf = sfPoint === undefined ? null : decodeRaw(sfPoint, this[REGS], this[BASE]);
        return typeof sf === 'number' ? applyScale(raw, sf) : null;
      },
    };
  }
  Object.defineProperties(View.prototype, getters);
  views.set(model, View);
  return View;
}

/**
 * The values decodeModel (src/domain/sunspec/codec.ts) gives, each point decoded only when it
 * is read: a poll's decoder reads 2 to 6 of a model's 20 to 60 points, and decoding them all
 * was the largest cost of a poll after the socket itself. Same rules: scale factors applied,
 * 'not implemented' (also of the scale factor) → null, pad points absent, a short block throws.
 */
export function lazyPoints(model: ModelDef, regs: ArrayLike<number>, base = 0): PointValues {
  if (regs.length - base < model.length) {
    throw new VppError('SUNSPEC_SHORT_BLOCK', `model ${model.id}: needs ${model.length} registers, got ${regs.length - base}`);
  }
  const View = viewOf(model);
  return new View(regs, base) as unknown as PointValues;
}
