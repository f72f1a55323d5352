/**
 * Register words <-> canonical numbers for register-map profiles (README.md in this folder).
 * canonical = raw × scale × sign, and back: raw = canonical / scale / sign, rounded for the
 * integer types. A raw value the profile lists as 'not implemented', NaN or ±Infinity decodes
 * to null (a bad reading), never to 0.
 */
export const REGISTER_TYPES = ['int16', 'uint16', 'int32', 'uint32', 'float32'] as const;
export type RegisterType = (typeof REGISTER_TYPES)[number];

/** 32-bit values: big = high word first (Modbus' usual "ABCD"); little = low word first ("CDAB"). */
export type WordOrder = 'big' | 'little';

/** How one value sits in registers and converts to the canonical unit and sign. */
export interface ValueFormat {
  readonly type: RegisterType;
  readonly scale: number;
  readonly sign: 1 | -1;
  /** Raw values meaning 'no value': bit patterns (0xFFFF, 0x80000000) or the decoded numbers. */
  readonly notImplemented: readonly number[];
}

export function wordsOf(type: RegisterType): 1 | 2 {
  return type === 'int16' || type === 'uint16' ? 1 : 2;
}

/** The unsigned bit pattern of the value in `words` (0..0xFFFF or 0..0xFFFFFFFF), word order applied. */
export function patternOf(words: ArrayLike<number>, type: RegisterType, order: WordOrder): number {
  const a = (words[0] ?? 0) & 0xffff;
  if (wordsOf(type) === 1) return a;
  const b = (words[1] ?? 0) & 0xffff;
  const [hi, lo] = order === 'big' ? [a, b] : [b, a];
  return hi * 0x10000 + lo;
}

/** The device's number as the type reads it, before scale and sign. */
export function decodeRaw(words: ArrayLike<number>, type: RegisterType, order: WordOrder): number {
  const p = patternOf(words, type, order);
  switch (type) {
    case 'uint16':
    case 'uint32':
      return p;
    case 'int16':
      return p >= 0x8000 ? p - 0x10000 : p;
    case 'int32':
      return p >= 0x80000000 ? p - 0x100000000 : p;
    case 'float32': {
      const view = new DataView(new ArrayBuffer(4));
      view.setUint32(0, p);
      return view.getFloat32(0);
    }
  }
}

/** The canonical value, or null when the registers hold a 'not implemented' value or no number. */
export function decodeValue(words: ArrayLike<number>, f: ValueFormat, order: WordOrder): number | null {
  const pattern = patternOf(words, f.type, order);
  const raw = decodeRaw(words, f.type, order);
  if (f.notImplemented.some((n) => n === pattern || n === raw)) return null;
  const value = raw * f.scale * f.sign;
  return Number.isFinite(value) ? value : null;
}

const RANGE: Readonly<Record<Exclude<RegisterType, 'float32'>, readonly [number, number]>> = {
  int16: [-0x8000, 0x7fff],
  uint16: [0, 0xffff],
  int32: [-0x80000000, 0x7fffffff],
  uint32: [0, 0xffffffff],
};
const FLOAT32_MAX = 3.4028234663852886e38;

/** Words for a raw number of the type, in the profile's word order; null when the type cannot hold it. */
export function encodeRaw(raw: number, type: RegisterType, order: WordOrder): number[] | null {
  if (!Number.isFinite(raw)) return null;
  let pattern: number;
  if (type === 'float32') {
    if (Math.abs(raw) > FLOAT32_MAX) return null;
    const view = new DataView(new ArrayBuffer(4));
    view.setFloat32(0, raw);
    pattern = view.getUint32(0);
  } else {
    const [min, max] = RANGE[type];
    if (!Number.isInteger(raw) || raw < min || raw > max) return null;
    pattern = raw < 0 ? raw + (wordsOf(type) === 1 ? 0x10000 : 0x100000000) : raw;
  }
  if (wordsOf(type) === 1) return [pattern];
  const hi = Math.floor(pattern / 0x10000);
  const lo = pattern % 0x10000;
  return order === 'big' ? [hi, lo] : [lo, hi];
}

export type Encoded = { readonly ok: true; readonly raw: number; readonly words: number[] } | { readonly ok: false; readonly reason: string };

/** Words for a canonical value: raw = value / scale / sign (rounded for integer types). */
export function encodeValue(value: number, f: Pick<ValueFormat, 'type' | 'scale' | 'sign'>, order: WordOrder): Encoded {
  if (!Number.isFinite(value)) return { ok: false, reason: `value must be a finite number, got ${String(value)}` };
  const exact = value / f.scale / f.sign;
  // Rounding keeps 1.2 / 0.1 = 11.999999999999998 from becoming 11.
  const raw = f.type === 'float32' ? exact : Math.round(exact) + 0;
  const words = encodeRaw(raw, f.type, order);
  if (words === null) return { ok: false, reason: `${String(value)} is ${String(raw)} raw (÷ scale ${f.scale} × sign ${f.sign}), which a ${f.type} cannot hold` };
  return { ok: true, raw, words };
}
