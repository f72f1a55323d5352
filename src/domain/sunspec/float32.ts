/** SunSpec float32: IEEE 754 single precision in two registers, high word first. */
const F32 = new DataView(new ArrayBuffer(4));

/** The value two registers carry; NaN (SunSpec's 'not implemented') and infinities give null. */
export function decodeFloat32(hi: number, lo: number): number | null {
  F32.setUint16(0, hi);
  F32.setUint16(2, lo);
  const v = F32.getFloat32(0);
  return Number.isFinite(v) ? v : null;
}

/** The two registers of `v`, or null when float32 cannot carry it (it would become an infinity). */
export function encodeFloat32(v: number): readonly [number, number] | null {
  F32.setFloat32(0, v);
  return Number.isFinite(F32.getFloat32(0)) ? [F32.getUint16(0), F32.getUint16(2)] : null;
}
