import { VppError } from '../errors.js';
import { decodeFloat32, encodeFloat32 } from './float32.js';
import type { ModelDef, PointDef, SunSpecValues } from './types.js';

/** 'Not implemented' values (SunSpec Information Model Reference, "Unimplemented registers"). */
export const NOT_IMPLEMENTED = {
  int16: 0x8000,
  uint16: 0xffff,
  int32: 0x80000000,
  uint32: 0xffffffff,
  acc32: 0,
  pad: 0x8000,
  /** float32: any NaN; devices write the quiet NaN 0x7FC00000. */
  float32: 0x7fc00000,
} as const;

/** Scale factors outside this range are invalid (SunSpec: sunssf is -10..10). */
const SF_MIN = -10;
const SF_MAX = 10;

function u32(regs: ArrayLike<number>, i: number): number {
  return (regs[i] ?? 0) * 0x10000 + (regs[i + 1] ?? 0);
}

/** The raw value of one point, without scale factor; null when 'not implemented'. */
export function decodeRaw(p: PointDef, regs: ArrayLike<number>, base = 0): number | string | null {
  const i = base + p.offset;
  const r = regs[i] ?? NOT_IMPLEMENTED.uint16;
  switch (p.type) {
    case 'int16':
    case 'sunssf':
      if (r === NOT_IMPLEMENTED.int16) return null;
      if (p.type === 'sunssf') {
        const sf = r >= 0x8000 ? r - 0x10000 : r;
        return sf < SF_MIN || sf > SF_MAX ? null : sf;
      }
      return r >= 0x8000 ? r - 0x10000 : r;
    case 'uint16':
    case 'enum16':
    case 'bitfield16':
      return r === NOT_IMPLEMENTED.uint16 ? null : r;
    case 'acc32': {
      const v = u32(regs, i);
      return v === NOT_IMPLEMENTED.acc32 ? null : v;
    }
    case 'uint32':
    case 'bitfield32': {
      const v = u32(regs, i);
      return v === NOT_IMPLEMENTED.uint32 ? null : v;
    }
    case 'int32': {
      const v = u32(regs, i);
      return v === NOT_IMPLEMENTED.int32 ? null : v >= 0x80000000 ? v - 0x100000000 : v;
    }
    case 'float32':
      // NaN is 'not implemented'; an infinity is no measurement either.
      return decodeFloat32(regs[i] ?? 0x7fc0, regs[i + 1] ?? 0);
    case 'string':
      return decodeString(regs, i, p.size);
    case 'pad':
      return null;
  }
}

function decodeString(regs: ArrayLike<number>, start: number, size: number): string | null {
  let s = '';
  for (let k = 0; k < size; k++) {
    const r = regs[start + k] ?? 0;
    s += String.fromCharCode(r >> 8, r & 0xff);
  }
  const end = s.indexOf('\0');
  const text = (end === -1 ? s : s.slice(0, end)).trimEnd();
  return text === '' ? null : text;
}

/** value × 10^sf without the float noise of multiplying by 0.1. */
export function applyScale(raw: number, sf: number): number {
  return sf < 0 ? raw / 10 ** -sf : raw * 10 ** sf;
}

/**
 * Decodes a model's registers (starting at `base`, the first register after ID and L) into
 * engineering values: scale factors applied, 'not implemented' (also of the scale factor)
 * → null. Scale-factor points keep their integer exponent; pad points are left out.
 */
export function decodeModel(model: ModelDef, regs: ArrayLike<number>, base = 0): Record<string, number | string | null> {
  if (regs.length - base < model.length) {
    throw new VppError(
      'SUNSPEC_SHORT_BLOCK',
      `model ${model.id}: needs ${model.length} registers, got ${regs.length - base}`,
    );
  }
  const out: Record<string, number | string | null> = {};
  for (const p of model.points) {
    if (p.type === 'pad') continue;
    const raw = decodeRaw(p, regs, base);
    if (p.sf === undefined || raw === null || typeof raw === 'string') {
      out[p.name] = raw;
      continue;
    }
    const sfPoint = model.byName.get(p.sf);
    const sf = sfPoint === undefined ? null : decodeRaw(sfPoint, regs, base);
    out[p.name] = typeof sf === 'number' ? applyScale(raw, sf) : null;
  }
  return out;
}

function rangeError(model: ModelDef, p: PointDef, value: unknown, why: string): VppError {
  return new VppError('SUNSPEC_VALUE_RANGE', `model ${model.id}: point ${p.name} ${why}, got ${String(value)}`);
}

/** Bounds of the values a type can carry without colliding with its 'not implemented' value. */
const RAW_RANGE: Readonly<Record<string, readonly [number, number]>> = {
  int16: [-0x7fff, 0x7fff],
  sunssf: [SF_MIN, SF_MAX],
  uint16: [0, 0xfffe],
  enum16: [0, 0xfffe],
  bitfield16: [0, 0xfffe],
  uint32: [0, 0xfffffffe],
  bitfield32: [0, 0xfffffffe],
  int32: [-0x7fffffff, 0x7fffffff],
};

/**
 * Encodes engineering values (scale factors NOT yet applied; the values record also carries
 * each scale-factor point as its integer exponent) into `out` from `base`. null or a missing
 * value → the type's 'not implemented' value. A value the type cannot carry throws
 * SUNSPEC_VALUE_RANGE naming the point: never clamped silently.
 */
export function encodeModel(model: ModelDef, values: SunSpecValues, out: Uint16Array = new Uint16Array(model.length), base = 0): Uint16Array {
  for (const p of model.points) encodePoint(model, p, values, out, base);
  return out;
}

function encodePoint(model: ModelDef, p: PointDef, values: SunSpecValues, out: Uint16Array, base: number): void {
  const i = base + p.offset;
  const v = values[p.name] ?? null;
  if (p.type === 'string') {
    if (v !== null && typeof v !== 'string') throw rangeError(model, p, v, 'must be a string');
    const text = v ?? '';
    if (text.length > p.size * 2) throw rangeError(model, p, v, `is longer than ${p.size * 2} characters`);
    for (let k = 0; k < p.size; k++) {
      out[i + k] = ((text.charCodeAt(2 * k) & 0xff) << 8) | (text.charCodeAt(2 * k + 1) & 0xff);
    }
    return;
  }
  if (p.type === 'pad') {
    out[i] = NOT_IMPLEMENTED.pad;
    return;
  }
  if (v === null) {
    writeSentinel(p, out, i);
    return;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw rangeError(model, p, v, 'must be a finite number');
  if (p.type === 'float32') {
    const regs = encodeFloat32(v);
    if (regs === null) throw rangeError(model, p, v, 'does not fit float32');
    out.set(regs, i);
    return;
  }
  let raw = v;
  if (p.sf !== undefined) {
    const sf = values[p.sf];
    if (typeof sf !== 'number') throw rangeError(model, p, sf, `needs its scale factor ${p.sf}`);
    raw = sf < 0 ? v * 10 ** -sf : v / 10 ** sf;
  }
  raw = Math.round(raw);
  if (p.type === 'acc32') {
    // Accumulators wrap by definition; 0 reads back as 'not accumulated'.
    const wrapped = ((raw % 0x100000000) + 0x100000000) % 0x100000000;
    out[i] = Math.floor(wrapped / 0x10000);
    out[i + 1] = wrapped & 0xffff;
    return;
  }
  const range = RAW_RANGE[p.type];
  if (range === undefined || raw < range[0] || raw > range[1]) {
    throw rangeError(model, p, v, `does not fit ${p.type}${p.sf !== undefined ? ` with ${p.sf}=${String(values[p.sf])}` : ''}`);
  }
  const bits = raw < 0 ? (p.size === 1 ? raw + 0x10000 : raw + 0x100000000) : raw;
  if (p.size === 1) {
    out[i] = bits;
  } else {
    out[i] = Math.floor(bits / 0x10000);
    out[i + 1] = bits & 0xffff;
  }
}

function writeSentinel(p: PointDef, out: Uint16Array, i: number): void {
  switch (p.type) {
    case 'int16':
    case 'sunssf':
      out[i] = NOT_IMPLEMENTED.int16;
      return;
    case 'acc32':
      out[i] = 0;
      out[i + 1] = 0;
      return;
    case 'int32':
      out[i] = 0x8000;
      out[i + 1] = 0;
      return;
    case 'uint32':
    case 'bitfield32':
      out[i] = 0xffff;
      out[i + 1] = 0xffff;
      return;
    case 'float32':
      out[i] = NOT_IMPLEMENTED.float32 >>> 16;
      out[i + 1] = 0;
      return;
    default:
      out[i] = NOT_IMPLEMENTED.uint16;
  }
}
