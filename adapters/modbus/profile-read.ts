import { VppError } from '../../src/domain/errors.js';
import type { Metric } from '../../src/domain/telemetry.js';
import type { RegisterClient } from './connection.js';
import { exceptionCodeOf } from './errors.js';
import { decodeValue, wordsOf, type RegisterFunction, type RegisterMap, type RegisterReading } from './register-map.js';

/**
 * Registers between two values that are read through rather than asked for separately: one
 * round trip costs more than a few extra words. A device that refuses such a read (exception
 * 02 on an address it does not map) is read value by value from then on.
 */
export const READ_THROUGH_GAP = 4;

export interface PlannedRead {
  readonly fn: RegisterFunction;
  readonly address: number;
  readonly count: number;
  readonly readings: readonly RegisterReading[];
}

/**
 * The fewest reads per function that cover every reading, each at most `max` registers; a
 * value never straddles two reads. `gap` registers between values may be read through.
 */
export function planProfileReads(readings: readonly RegisterReading[], max: number, gap: Readonly<Record<RegisterFunction, number>>): PlannedRead[] {
  const out: PlannedRead[] = [];
  for (const fn of ['input', 'holding'] as const) {
    const sorted = readings.filter((r) => r.function === fn).sort((a, b) => a.address - b.address);
    let cur: { address: number; end: number; readings: RegisterReading[] } | null = null;
    for (const r of sorted) {
      const end = r.address + wordsOf(r.type);
      if (cur !== null && r.address <= cur.end + gap[fn] && Math.max(end, cur.end) - cur.address <= max) {
        cur.end = Math.max(end, cur.end);
        cur.readings.push(r);
        continue;
      }
      if (cur !== null) out.push({ fn, address: cur.address, count: cur.end - cur.address, readings: cur.readings });
      cur = { address: r.address, end, readings: [r] };
    }
    if (cur !== null) out.push({ fn, address: cur.address, count: cur.end - cur.address, readings: cur.readings });
  }
  return out;
}

export interface ProfileReadState {
  /** Registers that may be read through, per function; set to 0 when the device refuses that. */
  readonly gap: Record<RegisterFunction, number>;
  /** The reads planned for `gap` as it was: made once, again only when a refusal changes the gap. */
  plan?: { readonly input: number; readonly holding: number; readonly reads: readonly PlannedRead[] };
}

function planFor(map: RegisterMap, state: ProfileReadState): readonly PlannedRead[] {
  const p = state.plan;
  if (p !== undefined && p.input === state.gap.input && p.holding === state.gap.holding) return p.reads;
  const reads = planProfileReads(map.readings, map.maxReadRegisters, state.gap);
  state.plan = { input: state.gap.input, holding: state.gap.holding, reads };
  return reads;
}

export type ProfileValues = Partial<Record<Metric, number | null>>;

type Reader = Pick<RegisterClient, 'readHolding' | 'readInput'>;

/** Exceptions 0A/0B come from a gateway whose unit does not answer: the device is unreachable, not refusing. */
const GATEWAY_EXCEPTIONS: readonly number[] = [0x0a, 0x0b];

/** The exception code when `e` is a device's refusal of these registers; rethrows anything else. */
function refusal(e: unknown, where: string): number {
  const code = exceptionCodeOf(e);
  if (code === null) throw e;
  if (GATEWAY_EXCEPTIONS.includes(code)) throw new VppError('DEVICE_UNREACHABLE', `${where}: the gateway reports that the unit does not answer (exception ${code})`, { cause: e });
  return code;
}

function readFn(client: Reader, fn: RegisterFunction): (address: number, count: number) => Promise<Uint16Array> {
  return fn === 'input' ? client.readInput : client.readHolding;
}

/**
 * Reads every value of the map once. A Modbus exception makes only the values it covers bad
 * (null); a timeout or a lost link rejects, so the caller marks the whole device bad. When the
 * device refuses every value, rejects with PROFILE_MISMATCH: the profile is not this device's.
 */
export async function readProfile(client: Reader, map: RegisterMap, state: ProfileReadState, where: string): Promise<ProfileValues> {
  const values: ProfileValues = {};
  const refused: string[] = [];
  const take = (r: RegisterReading, words: ArrayLike<number> | null): void => {
    values[r.metric] = words === null ? null : decodeValue(words, r, map.wordOrder);
  };
  for (const plan of planFor(map, state)) {
    const read = readFn(client, plan.fn);
    try {
      const regs = await read(plan.address, plan.count);
      for (const r of plan.readings) take(r, regs.subarray(r.address - plan.address, r.address - plan.address + wordsOf(r.type)));
    } catch (e) {
      refusal(e, where);
      if (plan.readings.length > 1) state.gap[plan.fn] = 0;
      for (const r of plan.readings) {
        try {
          // A single value already had its own read: that refusal is its answer.
          if (plan.readings.length === 1) throw e;
          take(r, await read(r.address, wordsOf(r.type)));
        } catch (single) {
          refusal(single, where);
          take(r, null);
          refused.push(`${r.metric} (${r.function} ${r.address}): ${single instanceof Error ? single.message : String(single)}`);
        }
      }
    }
  }
  if (refused.length === map.readings.length) {
    throw new VppError('PROFILE_MISMATCH', `${where}: the device refused every register of the profile: ${refused.join('; ')}`);
  }
  return values;
}
