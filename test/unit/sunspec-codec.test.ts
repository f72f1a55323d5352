import { describe, expect, it } from 'vitest';
import { VppError } from '../../src/domain/errors.js';
import {
  MODEL_1,
  MODEL_103,
  MODEL_123,
  MODEL_124,
  MODEL_203,
  SUNSPEC_MODELS,
  decodeModel,
  defineModel,
  encodeModel,
  type ModelDef,
} from '../../src/domain/sunspec/index.js';

function offsetOf(m: ModelDef, name: string): number {
  const p = m.byName.get(name);
  if (p === undefined) throw new Error(`no point ${name} in model ${m.id}`);
  return p.offset;
}

/** A model's registers with every point 'not implemented', then the given raw registers set. */
function block(m: ModelDef, raw: Record<string, number | readonly number[]>): Uint16Array {
  const regs = encodeModel(m, {});
  for (const [name, v] of Object.entries(raw)) {
    const at = offsetOf(m, name);
    (typeof v === 'number' ? [v] : v).forEach((r, k) => (regs[at + k] = r));
  }
  return regs;
}

describe('SunSpec model definitions', () => {
  it('have the official lengths', () => {
    expect(MODEL_1.length).toBe(66);
    expect(MODEL_103.length).toBe(50);
    expect(MODEL_203.length).toBe(105);
    expect(MODEL_124.length).toBe(24);
    expect(MODEL_123.length).toBe(24);
    expect(MODEL_123.byName.get('WMaxLimPct')?.offset).toBe(3);
    expect(MODEL_123.byName.get('WMaxLim_Ena')?.offset).toBe(7);
    expect(MODEL_123.byName.get('WMaxLimPct_SF')?.offset).toBe(21);
    // The full list, with official lengths, is pinned in sunspec-models.test.ts.
    expect([...SUNSPEC_MODELS.keys()]).toEqual(expect.arrayContaining([1, 103, 123, 124, 203]));
  });

  it('place points at the offsets of the SunSpec reference', () => {
    expect(offsetOf(MODEL_1, 'SN')).toBe(48);
    expect(offsetOf(MODEL_1, 'DA')).toBe(64);
    expect(offsetOf(MODEL_103, 'W')).toBe(12);
    expect(offsetOf(MODEL_103, 'WH')).toBe(22);
    expect(offsetOf(MODEL_103, 'St')).toBe(36);
    expect(offsetOf(MODEL_203, 'W')).toBe(16);
    expect(offsetOf(MODEL_203, 'TotWhExp')).toBe(36);
    expect(offsetOf(MODEL_203, 'TotWhImp')).toBe(44);
    expect(offsetOf(MODEL_203, 'TotWh_SF')).toBe(52);
    expect(offsetOf(MODEL_203, 'Evt')).toBe(103);
    expect(offsetOf(MODEL_124, 'StorCtl_Mod')).toBe(3);
    expect(offsetOf(MODEL_124, 'ChaState')).toBe(6);
    expect(offsetOf(MODEL_124, 'OutWRte')).toBe(10);
    expect(offsetOf(MODEL_124, 'InWRte')).toBe(11);
    expect(offsetOf(MODEL_124, 'InOutWRte_RvrtTms')).toBe(13);
    expect(offsetOf(MODEL_124, 'InOutWRte_SF')).toBe(23);
  });

  it('mark only the RW points of the official definition writable', () => {
    const writable = MODEL_124.points.filter((p) => p.writable).map((p) => p.name);
    expect(writable).toEqual([
      'WChaMax', 'WChaGra', 'WDisChaGra', 'StorCtl_Mod', 'VAChaMax', 'MinRsvPct',
      'OutWRte', 'InWRte', 'InOutWRte_WinTms', 'InOutWRte_RvrtTms', 'InOutWRte_RmpTms', 'ChaGriSet',
    ]);
    expect(MODEL_103.points.some((p) => p.writable)).toBe(false);
    expect(MODEL_1.points.filter((p) => p.writable).map((p) => p.name)).toEqual(['DA']);
  });
});

describe('decodeModel', () => {
  it('applies positive, zero and negative scale factors', () => {
    const regs = block(MODEL_103, {
      W: 1234, W_SF: 1, // 12 340 W
      Hz: 5002, Hz_SF: 0xfffe, // -2 → 50.02 Hz
      WH: [0x0001, 0x0002], WH_SF: 0, // 65 538 Wh
      TmpCab: 0xffce, Tmp_SF: 0xffff, // -50 × 10^-1 = -5 °C
      A: 123, A_SF: 0xffff,
    });
    const v = decodeModel(MODEL_103, regs);
    expect(v.W).toBe(12340);
    expect(v.Hz).toBe(50.02);
    expect(v.WH).toBe(65538);
    expect(v.TmpCab).toBe(-5);
    expect(v.A).toBe(12.3);
    expect(v.A_SF).toBe(-1);
  });

  it('turns every not-implemented value into null, never 0', () => {
    const v = decodeModel(MODEL_103, block(MODEL_103, { W: 0x8000, W_SF: 0, St: 0xffff, WH: [0, 0], WH_SF: 0 }));
    expect(v.W).toBeNull(); // int16 0x8000
    expect(v.St).toBeNull(); // enum16 0xFFFF
    expect(v.WH).toBeNull(); // acc32 0
    expect(v.Evt1).toBeNull(); // bitfield32 0xFFFFFFFF
    expect(v.A).toBeNull(); // uint16 0xFFFF
    const m124 = decodeModel(MODEL_124, block(MODEL_124, { StorCtl_Mod: 0xffff }));
    expect(m124.StorCtl_Mod).toBeNull(); // bitfield16 0xFFFF
  });

  it('gives null when the value is valid but its scale factor is not implemented', () => {
    const v = decodeModel(MODEL_203, block(MODEL_203, { W: 500, W_SF: 0x8000 }));
    expect(v.W).toBeNull();
    expect(v.W_SF).toBeNull();
  });

  it('decodes 32-bit integers and their sentinels', () => {
    // Models 1/103/124/203 carry no uint32/int32: use a small model of the same kind.
    const m = defineModel(64000, 'test', [
      { name: 'U', type: 'uint32' },
      { name: 'I', type: 'int32' },
      { name: 'Un', type: 'uint32' },
      { name: 'In', type: 'int32' },
    ]);
    const regs = Uint16Array.from([0xffff, 0xfffe, 0xffff, 0xfffe, 0xffff, 0xffff, 0x8000, 0x0000]);
    expect(decodeModel(m, regs)).toEqual({ U: 0xfffffffe, I: -2, Un: null, In: null });
    expect(Array.from(encodeModel(m, { U: 0xfffffffe, I: -2, Un: null, In: null }))).toEqual(Array.from(regs));
    const imp = block(MODEL_203, { TotWhImp: [0xffff, 0xfffe], TotWh_SF: 0 });
    expect(decodeModel(MODEL_203, imp).TotWhImp).toBe(0xfffffffe);
  });

  it('decodes strings, null for all zero', () => {
    const regs = encodeModel(MODEL_1, { Mn: 'VPP', Md: 'Sim-1', SN: null });
    const v = decodeModel(MODEL_1, regs);
    expect(v.Mn).toBe('VPP');
    expect(v.Md).toBe('Sim-1');
    expect(v.SN).toBeNull();
    expect(v.DA).toBeNull();
    expect('Pad' in v).toBe(false);
  });

  it('rejects a block shorter than the model', () => {
    expect(() => decodeModel(MODEL_124, new Uint16Array(10))).toThrow(VppError);
  });
});

describe('encodeModel', () => {
  it('round-trips engineering values through registers', () => {
    const values = {
      WChaMax: 250000, WChaMax_SF: 1,
      StorCtl_Mod: 2,
      ChaState: 61.5, ChaState_SF: -1,
      OutWRte: -12.5, InWRte: 40, InOutWRte_SF: -1,
      InOutWRte_RvrtTms: 60,
      ChaSt: null,
    };
    const back = decodeModel(MODEL_124, encodeModel(MODEL_124, values));
    for (const [k, v] of Object.entries(values)) expect(back[k], k).toBe(v);
    expect(back.MinRsvPct).toBeNull();
  });

  it('writes the sentinel for null and reads it back as null', () => {
    const regs = encodeModel(MODEL_203, { W: null, W_SF: 1, TotWhImp: null, TotWh_SF: 0 });
    expect(regs[offsetOf(MODEL_203, 'W')]).toBe(0x8000);
    expect(regs[offsetOf(MODEL_203, 'TotWhImp')]).toBe(0);
    expect(decodeModel(MODEL_203, regs).W).toBeNull();
  });

  it('refuses values the type cannot carry instead of clamping them', () => {
    expect(() => encodeModel(MODEL_103, { W: 400000, W_SF: 1 })).toThrow(/W does not fit int16/);
    expect(() => encodeModel(MODEL_103, { W: 100, W_SF: null })).toThrow(/needs its scale factor W_SF/);
    expect(() => encodeModel(MODEL_103, { W: Number.NaN, W_SF: 0 })).toThrow(/finite number/);
    expect(() => encodeModel(MODEL_1, { Mn: 'x'.repeat(33) })).toThrow(/longer than 32/);
    try {
      encodeModel(MODEL_103, { W: -32768, W_SF: 0 });
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(VppError);
      expect((e as VppError).code).toBe('SUNSPEC_VALUE_RANGE');
    }
  });

  it('wraps accumulators as SunSpec defines them', () => {
    const regs = encodeModel(MODEL_103, { WH: 0x100000005, WH_SF: 0 });
    expect(decodeModel(MODEL_103, regs).WH).toBe(5);
  });
});
