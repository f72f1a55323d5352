import Type from 'typebox';
import { Value } from 'typebox/value';
import { VppError } from '../../src/domain/errors.js';
import { METRICS, type Metric } from '../../src/domain/telemetry.js';
import { REGISTER_TYPES, wordsOf, type RegisterType, type ValueFormat, type WordOrder } from './register-codec.js';
import { MAX_READ_REGISTERS } from './read-plan.js';

export { REGISTER_TYPES, decodeRaw, decodeValue, encodeRaw, encodeValue, patternOf, wordsOf, type Encoded, type RegisterType, type ValueFormat, type WordOrder } from './register-codec.js';

const Address = Type.Integer({ minimum: 0, maximum: 0xffff });
const Word = Type.Integer({ minimum: 0, maximum: 0xffff });
const Scale = Type.Number({ exclusiveMinimum: 0 });
const Sign = Type.Union([Type.Literal(1), Type.Literal(-1)]);
/** Bit patterns (0xFFFF, 0x80000000) or decoded numbers (-32768): both are accepted. */
const Sentinels = Type.Array(Type.Number({ minimum: -0x80000000, maximum: 0xffffffff }), { minItems: 1 });

const ReadingSchema = Type.Object(
  {
    metric: Type.Enum([...METRICS]),
    address: Address,
    function: Type.Enum(['input', 'holding']),
    type: Type.Enum([...REGISTER_TYPES]),
    scale: Type.Optional(Scale),
    sign: Type.Optional(Sign),
    notImplemented: Type.Optional(Sentinels),
  },
  { additionalProperties: false },
);

const WriteSchema = Type.Object(
  {
    address: Address,
    function: Type.Literal('holding'),
    type: Type.Enum([...REGISTER_TYPES]),
    scale: Type.Optional(Scale),
    sign: Type.Optional(Sign),
    before: Type.Optional(Type.Array(Type.Object({ address: Address, value: Word }, { additionalProperties: false }))),
    revert: Type.Optional(Type.Object({ address: Address, type: Type.Enum(['uint16', 'uint32']) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

const ModbusSection = Type.Object(
  {
    wordOrder: Type.Optional(Type.Enum(['big', 'little'])),
    maxReadRegisters: Type.Optional(Type.Integer({ minimum: 2, maximum: MAX_READ_REGISTERS })),
    readings: Type.Array(ReadingSchema, { minItems: 1 }),
    writes: Type.Optional(Type.Object({ powerKw: Type.Optional(WriteSchema) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

export type RegisterFunction = 'input' | 'holding';

export interface RegisterReading extends ValueFormat {
  readonly metric: Metric;
  readonly address: number;
  readonly function: RegisterFunction;
}

export interface RegisterWrite extends Omit<ValueFormat, 'notImplemented'> {
  readonly address: number;
  /** Written first, in order (e.g. 'remote control enable'). */
  readonly before: ReadonlyArray<{ readonly address: number; readonly value: number }>;
  /** The device's revert timer, seconds, written with every setpoint. */
  readonly revert: { readonly address: number; readonly type: 'uint16' | 'uint32' } | null;
}

/** A checked `modbus:` section with every default filled in. */
export interface RegisterMap {
  readonly wordOrder: WordOrder;
  readonly maxReadRegisters: number;
  readonly readings: readonly RegisterReading[];
  readonly writes: { readonly powerKw: RegisterWrite | null };
}

function invalid(problems: readonly string[]): VppError {
  return new VppError('PROFILE_INVALID', problems.join('\n'));
}

function hex(n: number): string {
  return `0x${n.toString(16).toUpperCase()}`;
}

/** Checks that a value of `type` at `address` ends inside the 16-bit address space. */
function fits(where: string, address: number, type: RegisterType): string | null {
  const last = address + wordsOf(type) - 1;
  return last > 0xffff ? `${where}: a ${type} at ${address} ends at ${last}, past 65535` : null;
}

/** Checks a profile's `modbus:` section; errors name the file, the field, the reason and the value seen. */
export function checkRegisterMap(file: string, body: unknown): RegisterMap {
  const schemaProblems = [...Value.Errors(ModbusSection, body)]
    // An unknown field comes twice: 'schema is false' at the field itself (which names it)
    // and 'additional properties' at its parent; keep the first, worded for people.
    .filter((e) => e.keyword !== 'additionalProperties')
    .map((e) => {
      const field = `${file}: modbus${e.instancePath.replace(/\//g, '.')}`;
      if (e.keyword === 'boolean') return `${field}: is not a known field (a typo?)`;
      return `${field}: ${e.message}${e.instancePath === '' ? '' : `, got ${JSON.stringify(Value.Pointer.Get(body, e.instancePath))}`}`;
    });
  if (schemaProblems.length > 0) throw invalid(schemaProblems);
  const s = body as Type.Static<typeof ModbusSection>;
  const problems: string[] = [];
  const seen = new Map<Metric, number>();
  const readings = s.readings.map((r, i): RegisterReading => {
    const where = `${file}: modbus.readings.${i}`;
    const first = seen.get(r.metric);
    if (first !== undefined) problems.push(`${where}.metric: ${r.metric} is already read by modbus.readings.${first}; at most one entry per metric`);
    seen.set(r.metric, i);
    const past = fits(`${where}.address`, r.address, r.type);
    if (past !== null) problems.push(past);
    const max = wordsOf(r.type) === 1 ? 0xffff : 0xffffffff;
    for (const [k, n] of (r.notImplemented ?? []).entries()) {
      const min = r.type === 'int16' ? -0x8000 : r.type === 'int32' ? -0x80000000 : 0;
      if (n < min || n > max) problems.push(`${where}.notImplemented.${k}: must be a ${r.type} value or bit pattern (${min}..${hex(max)}), got ${n}`);
    }
    return { metric: r.metric, address: r.address, function: r.function, type: r.type, scale: r.scale ?? 1, sign: r.sign ?? 1, notImplemented: r.notImplemented ?? [] };
  });
  const w = s.writes?.powerKw;
  let powerKw: RegisterWrite | null = null;
  if (w !== undefined) {
    const past = fits(`${file}: modbus.writes.powerKw.address`, w.address, w.type);
    if (past !== null) problems.push(past);
    const revertPast = w.revert === undefined ? null : fits(`${file}: modbus.writes.powerKw.revert.address`, w.revert.address, w.revert.type);
    if (revertPast !== null) problems.push(revertPast);
    powerKw = { address: w.address, type: w.type, scale: w.scale ?? 1, sign: w.sign ?? 1, before: w.before ?? [], revert: w.revert ?? null };
  }
  if (problems.length > 0) throw invalid(problems);
  return { wordOrder: s.wordOrder ?? 'big', maxReadRegisters: s.maxReadRegisters ?? MAX_READ_REGISTERS, readings, writes: { powerKw } };
}
