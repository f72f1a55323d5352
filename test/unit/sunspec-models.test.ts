import { describe, expect, it } from 'vitest';
import {
  MODEL_704,
  MODEL_802,
  NOT_IMPLEMENTED,
  SUNSPEC_MODELS,
  decodeModel,
  decodeRaw,
  encodeModel,
  sunspecModel,
} from '../../src/domain/sunspec/index.js';
import { KIND_MODELS, MODEL_DECODERS, invertMeter, planWSetWrite, wsetCommandKw } from '../../adapters/modbus/index.js';

/** L of each model, as the official definitions (sunspec/models json/model_<id>.json) give it, groups included. */
const OFFICIAL_LENGTH: Readonly<Record<number, number>> = {
  1: 66, 101: 50, 102: 50, 103: 50, 111: 60, 112: 60, 113: 60, 120: 26, 121: 30, 123: 24, 124: 24,
  201: 105, 202: 105, 203: 105, 204: 105, 211: 124, 212: 124, 213: 124, 214: 124, 704: 65, 802: 62,
};

/** Offsets read off the official JSON (counted from the first register after ID and L). */
const OFFICIAL_OFFSETS: ReadonlyArray<readonly [number, string, number]> = [
  [704, 'WSetEna', 20], [704, 'WSetMod', 21], [704, 'WSet', 22], [704, 'WSetEnaRvrt', 28], [704, 'WSetRvrtTms', 29], [704, 'WSet_SF', 53], [704, 'PFWInj_PF', 57],
  [802, 'SoC', 9], [802, 'NCyc', 12], [802, 'SoC_SF', 54],
  [211, 'W', 26], [211, 'VAR', 42], [211, 'TotWhExp', 58], [211, 'TotWhImp', 66],
  [113, 'W', 20], [113, 'WH', 30], [113, 'St', 46],
  [120, 'DERTyp', 0], [120, 'WRtg', 1], [120, 'Pad', 25], [121, 'WMax', 0], [121, 'WMax_SF', 20], [121, 'ECPNomHz_SF', 29],
  [201, 'PPVphAB', 10], [203, 'PhVphAB', 10],
];

describe('SunSpec models as data', () => {
  it('has every model the issue lists, each with its official length', () => {
    expect([...SUNSPEC_MODELS.keys()].sort((a, b) => a - b)).toEqual(Object.keys(OFFICIAL_LENGTH).map(Number));
    for (const [id, length] of Object.entries(OFFICIAL_LENGTH)) expect(sunspecModel(Number(id))?.length, `model ${id}`).toBe(length);
  });

  it('puts points at their official offsets', () => {
    for (const [id, name, offset] of OFFICIAL_OFFSETS) expect(sunspecModel(id)?.byName.get(name)?.offset, `${id}.${name}`).toBe(offset);
  });
});

describe('float32 points', () => {
  const m213 = sunspecModel(213);
  if (m213 === undefined) throw new Error('model 213 missing');
  const w = m213.byName.get('W');
  if (w === undefined) throw new Error('213.W missing');

  it('decodes big-endian IEEE 754 and treats NaN as not implemented', () => {
    const regs = new Uint16Array(m213.length);
    regs.set([0xc5bb, 0x8000], w.offset); // -6000.0
    expect(decodeRaw(w, regs)).toBe(-6000);
    regs.set([0x7fc0, 0x0000], w.offset);
    expect(decodeRaw(w, regs)).toBeNull();
    regs.set([0xffc0, 0x0001], w.offset); // another NaN bit pattern
    expect(decodeRaw(w, regs)).toBeNull();
    regs.set([0x7f80, 0x0000], w.offset); // +Infinity: no measurement either
    expect(decodeRaw(w, regs)).toBeNull();
  });

  it('encodes null as the quiet NaN and round-trips values', () => {
    const regs = encodeModel(m213, { W: null, TotWhImp: 1234.5 });
    expect([regs[w.offset], regs[w.offset + 1]]).toEqual([NOT_IMPLEMENTED.float32 >>> 16, 0]);
    expect(decodeModel(m213, regs)).toMatchObject({ W: null, TotWhImp: 1234.5 });
    expect(() => encodeModel(m213, { W: 1e39 })).toThrow(expect.objectContaining({ code: 'SUNSPEC_VALUE_RANGE', message: expect.stringContaining('W') }));
  });
});

describe('decoders for the new models', () => {
  it('float inverters: generation positive becomes negative, NaN stays null', () => {
    const d = MODEL_DECODERS.get(113);
    if (d === undefined) throw new Error('no decoder for 113');
    expect(d.decode(decodeModel(d.model, encodeModel(d.model, { W: 4500, WH: 7_250_000 })), 'pv')).toEqual({ powerKw: -4.5, energyExportKwh: 7250 });
    expect(d.decode(decodeModel(d.model, encodeModel(d.model, { W: null, WH: 1 })), 'pv')).toEqual({ powerKw: null, energyExportKwh: 0.001 });
  });

  it('integer single-phase meter (201) and float meter (211) read import positive', () => {
    for (const id of [201, 211]) {
      const d = MODEL_DECODERS.get(id);
      if (d === undefined) throw new Error(`no decoder for ${id}`);
      const sf: Record<string, number> = id === 201 ? { W_SF: 0, TotWh_SF: 0, VAR_SF: 0 } : {};
      const values = d.decode(decodeModel(d.model, encodeModel(d.model, { ...sf, W: 1500, TotWhImp: 3000, TotWhExp: 1000, VAR: -200 })), 'meter');
      expect(values, `model ${id}`).toEqual({ powerKw: 1.5, energyImportKwh: 3, energyExportKwh: 1, reactiveKvar: -0.2 });
    }
  });

  it('battery model 802 gives the state of charge', () => {
    const d = MODEL_DECODERS.get(802);
    expect(d?.decode(decodeModel(MODEL_802, encodeModel(MODEL_802, { SoC: 64.5, SoC_SF: -1 })), 'battery')).toEqual({ socPct: 64.5 });
  });

  it('an asset kind accepts any model of its family', () => {
    expect(KIND_MODELS.pv?.[0]).toEqual(expect.arrayContaining([101, 102, 103, 111, 112, 113]));
    expect(KIND_MODELS.meter?.[0]).toEqual(expect.arrayContaining([201, 202, 203, 204, 211, 212, 213, 214]));
  });
});

describe('meter orientation override', () => {
  it('flips power and reactive power and swaps the energies; null stays null', () => {
    expect(invertMeter({ powerKw: 3, reactiveKvar: null, energyImportKwh: 10, energyExportKwh: 2 })).toEqual({
      powerKw: -3, reactiveKvar: null, energyImportKwh: 2, energyExportKwh: 10,
    });
  });
});

describe('model 704 WSet writes', () => {
  const base = { WSet_SF: 1, WSetEna: 0, WSetMod: 0 };

  it('turns a charge setpoint into negative WSet (704 counts generation positive), enable last', () => {
    const plan = planWSetWrite(base, 10, 30);
    if (!plan.ok) throw new Error(plan.detail);
    const raw = -10_000 / 10 + 0x100000000; // WSet_SF = 1: 10 W steps
    expect(plan.groups).toEqual([
      { offset: 21, values: [1, Math.floor(raw / 0x10000), raw & 0xffff] }, // WSetMod = WATTS, WSet
      { offset: 28, values: [0, 0, 30] }, // WSetEnaRvrt = DISABLED, WSetRvrtTms = 30 s
      { offset: 20, values: [1] }, // WSetEna last
    ]);
    // Applying the plan to a register image and decoding it reads the setpoint back.
    const regs = encodeModel(MODEL_704, base);
    for (const g of plan.groups) regs.set(g.values, g.offset);
    const v = decodeModel(MODEL_704, regs);
    expect(v).toMatchObject({ WSet: -10_000, WSetRvrtTms: 30, WSetEna: 1, WSetMod: 1, WSetEnaRvrt: 0 });
    expect(wsetCommandKw(v)).toBe(10);
    expect(plan.toleranceKw).toBeCloseTo(0.005, 8);
  });

  it('refuses what it cannot write, naming why', () => {
    expect(planWSetWrite({ WSet_SF: null }, 5, 30)).toEqual({ ok: false, detail: 'model 704 WSet_SF is not implemented' });
    expect(planWSetWrite(base, Number.NaN, 30)).toMatchObject({ ok: false, detail: expect.stringMatching(/finite number, got NaN/) });
    expect(planWSetWrite(base, 5, 0)).toMatchObject({ ok: false, detail: expect.stringMatching(/revertS must be .* got 0/) });
    expect(wsetCommandKw({ WSetEna: 0, WSetMod: 1, WSet: 100 })).toBeNull();
  });
});
