import { VppError } from '../errors.js';
import type { ModelDef, PointDef, PointSpec, PointType } from './types.js';

const FIXED_SIZE: Readonly<Record<Exclude<PointType, 'string'>, number>> = {
  uint16: 1,
  int16: 1,
  enum16: 1,
  bitfield16: 1,
  sunssf: 1,
  pad: 1,
  acc32: 2,
  uint32: 2,
  int32: 2,
  float32: 2,
  bitfield32: 2,
};

/** Builds a model from its points in register order, computing each offset. */
export function defineModel(id: number, name: string, specs: readonly PointSpec[]): ModelDef {
  const points: PointDef[] = [];
  const byName = new Map<string, PointDef>();
  let offset = 0;
  for (const s of specs) {
    const size = s.type === 'string' ? s.size : FIXED_SIZE[s.type];
    if (size === undefined || size < 1) {
      throw new VppError('SUNSPEC_MODEL_INVALID', `model ${id}: point ${s.name} needs a size, got ${String(size)}`);
    }
    if (byName.has(s.name)) throw new VppError('SUNSPEC_MODEL_INVALID', `model ${id}: point ${s.name} is defined twice`);
    const p: PointDef = {
      name: s.name,
      offset,
      size,
      type: s.type,
      writable: s.writable === true,
      ...(s.sf !== undefined ? { sf: s.sf } : {}),
      ...(s.units !== undefined ? { units: s.units } : {}),
    };
    points.push(p);
    byName.set(s.name, p);
    offset += size;
  }
  for (const p of points) {
    if (p.sf !== undefined && byName.get(p.sf)?.type !== 'sunssf') {
      throw new VppError('SUNSPEC_MODEL_INVALID', `model ${id}: point ${p.name}.sf names ${p.sf}, which is no sunssf point`);
    }
  }
  return { id, name, length: offset, points, byName };
}
