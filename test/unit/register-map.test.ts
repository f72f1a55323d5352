import { describe, expect, it } from 'vitest';
import { checkRegisterMap, decodeRaw, decodeValue, encodeValue, planProfileReads, type RegisterReading, type RegisterType, type WordOrder } from '../../adapters/modbus/index.js';

const F = 'config/devices/acme.yaml';

describe('register decoding', () => {
  // [words, type, order, raw]: worked out by hand, not with the codec.
  it.each<[number[], RegisterType, WordOrder, number]>([
    [[0x7fff], 'int16', 'big', 32767],
    [[0x8000], 'int16', 'big', -32768],
    [[0xffff], 'int16', 'big', -1],
    [[0xffff], 'uint16', 'big', 65535],
    [[0x0001, 0x0002], 'uint32', 'big', 65538],
    [[0x0002, 0x0001], 'uint32', 'little', 65538],
    [[0xffff, 0xfffe], 'int32', 'big', -2],
    [[0xfffe, 0xffff], 'int32', 'little', -2],
    [[0x8000, 0x0000], 'int32', 'big', -2147483648],
    [[0x4548, 0x2000], 'float32', 'big', 3202],
    [[0x2000, 0x4548], 'float32', 'little', 3202],
    [[0x4640, 0xe600], 'float32', 'big', 12345.5],
    [[0xc2f6, 0xe979], 'float32', 'big', -123.45600128173828],
  ])('%j as %s (%s word first) is %d', (words, type, order, raw) => {
    expect(decodeRaw(words, type, order)).toBe(raw);
  });

  it('applies scale and sign: canonical = raw × scale × sign', () => {
    expect(decodeValue([0x4548, 0x2000], { type: 'float32', scale: 0.001, sign: 1, notImplemented: [] }, 'big')).toBeCloseTo(3.202, 12);
    expect(decodeValue([0x0000, 0x3039], { type: 'int32', scale: 0.1, sign: -1, notImplemented: [] }, 'big')).toBeCloseTo(-1234.5, 12);
    expect(decodeValue([0xff38], { type: 'int16', scale: 0.01, sign: -1, notImplemented: [] }, 'big')).toBeCloseTo(2, 12);
  });

  it('gives null, never 0, for a not-implemented value, NaN or infinity', () => {
    const f = (type: RegisterType, notImplemented: number[]) => ({ type, scale: 1, sign: 1 as const, notImplemented });
    expect(decodeValue([0xffff], f('uint16', [0xffff]), 'big')).toBeNull();
    expect(decodeValue([0x8000], f('int16', [0x8000]), 'big')).toBeNull(); // the bit pattern
    expect(decodeValue([0x8000], f('int16', [-32768]), 'big')).toBeNull(); // the decoded number
    expect(decodeValue([0x0000, 0x8000], f('int32', [0x80000000]), 'little')).toBeNull(); // pattern after word order
    expect(decodeValue([0x8000, 0x0000], f('int32', [0x80000000]), 'little')).toBe(32768);
    expect(decodeValue([0x7fc0, 0x0000], f('float32', []), 'big')).toBeNull(); // NaN
    expect(decodeValue([0x7f80, 0x0000], f('float32', []), 'big')).toBeNull(); // +Infinity
    expect(decodeValue([0xffff, 0xffff], f('float32', [0xffffffff]), 'big')).toBeNull();
    expect(decodeValue([0x0000], f('uint16', [0xffff]), 'big')).toBe(0);
  });
});

describe('register encoding', () => {
  it.each<[number, RegisterType, number, 1 | -1, WordOrder, number[]]>([
    [5, 'int32', 0.001, -1, 'big', [0xffff, 0xec78]], // -5000
    [5, 'int32', 0.001, -1, 'little', [0xec78, 0xffff]],
    [-2.5, 'int16', 0.1, 1, 'big', [0xffe7]], // -25
    [1.2, 'uint16', 0.1, 1, 'big', [12]], // not 11 (1.2 / 0.1 = 11.999…)
    [70000, 'uint32', 1, 1, 'big', [0x0001, 0x1170]],
    [3.202, 'float32', 0.001, 1, 'big', [0x4548, 0x2000]],
    [0, 'int16', 1, -1, 'big', [0]], // -0 is 0
  ])('%d kW as %s (scale %d, sign %d, %s) is %j', (kw, type, scale, sign, order, words) => {
    const e = encodeValue(kw, { type, scale, sign }, order);
    expect(e.ok && e.words).toEqual(words);
  });

  it.each<[number, RegisterType, number, 1 | -1, RegExp]>([
    [-1, 'uint16', 1, 1, /a uint16 cannot hold/],
    [3276.8, 'int16', 0.1, 1, /a int16 cannot hold/],
    [-0.001, 'uint32', 0.001, 1, /-1 raw.*uint32 cannot hold/],
    [1, 'uint16', 1, -1, /uint16 cannot hold/], // sign -1 makes it negative
    [Number.NaN, 'float32', 1, 1, /finite number, got NaN/],
    [1e39, 'float32', 1, 1, /float32 cannot hold/],
  ])('refuses %d kW as %s (scale %d, sign %d)', (kw, type, scale, sign, reason) => {
    const e = encodeValue(kw, { type, scale, sign }, 'big');
    expect(e.ok).toBe(false);
    if (!e.ok) expect(e.reason).toMatch(reason);
  });
});

const GOOD = {
  wordOrder: 'little',
  maxReadRegisters: 10,
  readings: [
    { metric: 'powerKw', address: 52, function: 'input', type: 'float32', scale: 0.001 },
    { metric: 'energyImportKwh', address: 72, function: 'input', type: 'float32', notImplemented: [0xffffffff] },
  ],
  writes: { powerKw: { address: 40, function: 'holding', type: 'int32', scale: 0.001, sign: -1, before: [{ address: 39, value: 1 }], revert: { address: 42, type: 'uint16' } } },
};

describe('checkRegisterMap', () => {
  it('fills defaults in a valid section', () => {
    const m = checkRegisterMap(F, { readings: [{ metric: 'powerKw', address: 0, function: 'holding', type: 'int16' }] });
    expect(m).toEqual({
      wordOrder: 'big',
      maxReadRegisters: 125,
      readings: [{ metric: 'powerKw', address: 0, function: 'holding', type: 'int16', scale: 1, sign: 1, notImplemented: [] }],
      writes: { powerKw: null },
    });
    const g = checkRegisterMap(F, GOOD);
    expect(g.wordOrder).toBe('little');
    expect(g.writes.powerKw).toEqual({ address: 40, type: 'int32', scale: 0.001, sign: -1, before: [{ address: 39, value: 1 }], revert: { address: 42, type: 'uint16' } });
  });

  it.each<[string, unknown, RegExp]>([
    ['an unknown metric', { readings: [{ metric: 'powerW', address: 0, function: 'holding', type: 'int16' }] }, /acme\.yaml: modbus\.readings\.0\.metric: .*got "powerW"/],
    ['scale 0', { readings: [{ metric: 'powerKw', address: 0, function: 'holding', type: 'int16', scale: 0 }] }, /modbus\.readings\.0\.scale: .*got 0/],
    ['sign 2', { readings: [{ metric: 'powerKw', address: 0, function: 'holding', type: 'int16', sign: 2 }] }, /modbus\.readings\.0\.sign/],
    ['a bad type', { readings: [{ metric: 'powerKw', address: 0, function: 'holding', type: 'float64' }] }, /modbus\.readings\.0\.type: .*got "float64"/],
    ['coil function', { readings: [{ metric: 'powerKw', address: 0, function: 'coil', type: 'int16' }] }, /modbus\.readings\.0\.function: .*got "coil"/],
    ['address 65536', { readings: [{ metric: 'powerKw', address: 65536, function: 'input', type: 'int16' }] }, /modbus\.readings\.0\.address: .*got 65536/],
    ['a 32-bit value past 65535', { readings: [{ metric: 'powerKw', address: 65535, function: 'input', type: 'uint32' }] }, /readings\.0\.address: a uint32 at 65535 ends at 65536/],
    ['the same metric twice', { readings: [{ metric: 'powerKw', address: 0, function: 'input', type: 'int16' }, { metric: 'powerKw', address: 4, function: 'input', type: 'int16' }] }, /readings\.1\.metric: powerKw is already read by modbus\.readings\.0/],
    ['an int16 sentinel out of range', { readings: [{ metric: 'powerKw', address: 0, function: 'input', type: 'int16', notImplemented: [0x10000] }] }, /readings\.0\.notImplemented\.0: must be a int16 value or bit pattern .*got 65536/],
    ['no readings', { readings: [] }, /modbus\.readings: .*fewer than 1/],
    ['a misspelt field', { readings: [{ metric: 'powerKw', adress: 0, function: 'input', type: 'int16' }] }, /modbus\.readings\.0\.adress: is not a known field/],
    ['a write to an input register', { ...GOOD, writes: { powerKw: { address: 1, function: 'input', type: 'int16' } } }, /modbus\.writes\.powerKw\.function: .*got "input"/],
    ['a write map for another metric', { ...GOOD, writes: { socPct: { address: 1, function: 'holding', type: 'int16' } } }, /modbus\.writes/],
    ['maxReadRegisters 200', { ...GOOD, maxReadRegisters: 200 }, /modbus\.maxReadRegisters: .*got 200/],
    ['wordOrder middle', { ...GOOD, wordOrder: 'middle' }, /modbus\.wordOrder: .*got "middle"/],
  ])('refuses %s, naming file and field', (_what, body, pattern) => {
    expect(() => checkRegisterMap(F, body)).toThrow(pattern);
    try {
      checkRegisterMap(F, body);
    } catch (e) {
      expect((e as { code?: string }).code).toBe('PROFILE_INVALID');
    }
  });
});

describe('planProfileReads', () => {
  const r = (metric: RegisterReading['metric'], address: number, type: RegisterType, fn: 'input' | 'holding' = 'input'): RegisterReading => ({ metric, address, function: fn, type, scale: 1, sign: 1, notImplemented: [] });

  it('reads through small gaps, splits at the device limit, never splits a value, keeps functions apart', () => {
    const readings = [r('powerKw', 0, 'float32'), r('reactiveKvar', 4, 'float32'), r('energyImportKwh', 20, 'uint32'), r('energyExportKwh', 22, 'uint32'), r('socPct', 0, 'uint16', 'holding')];
    const plan = planProfileReads(readings, 125, { input: 4, holding: 4 });
    expect(plan.map((p) => [p.fn, p.address, p.count])).toEqual([
      ['input', 0, 6],
      ['input', 20, 4],
      ['holding', 0, 1],
    ]);
    // A limit of 5: 0..5 no longer fits one read; 20..23 still does.
    expect(planProfileReads(readings, 5, { input: 4, holding: 4 }).map((p) => [p.address, p.count])).toEqual([
      [0, 2],
      [4, 2],
      [20, 4],
      [0, 1],
    ]);
    // Gap 0 (a device that refuses unmapped registers): only touching values go together.
    expect(planProfileReads(readings, 125, { input: 0, holding: 0 }).map((p) => [p.address, p.count])).toEqual([
      [0, 2],
      [4, 2],
      [20, 4],
      [0, 1],
    ]);
  });
});
