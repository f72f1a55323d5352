/** Modbus allows at most 125 registers per read (FC 3). */
export const MAX_READ_REGISTERS = 125;

export interface RegisterRange {
  readonly address: number;
  readonly count: number;
}

/**
 * The fewest reads of at most `max` registers that cover every range: ranges that touch or
 * overlap are read together; a range longer than `max` is split.
 */
export function planReads(ranges: readonly RegisterRange[], max = MAX_READ_REGISTERS): RegisterRange[] {
  const sorted = [...ranges].filter((r) => r.count > 0).sort((a, b) => a.address - b.address);
  const spans: Array<{ start: number; end: number }> = [];
  for (const r of sorted) {
    const last = spans.at(-1);
    if (last !== undefined && r.address <= last.end) last.end = Math.max(last.end, r.address + r.count);
    else spans.push({ start: r.address, end: r.address + r.count });
  }
  const reads: RegisterRange[] = [];
  for (const s of spans) {
    for (let a = s.start; a < s.end; a += max) reads.push({ address: a, count: Math.min(max, s.end - a) });
  }
  return reads;
}

/** Reads every range through the plan and hands each one back as its own array, in order. */
export function readRanges(
  read: (address: number, count: number) => Promise<Uint16Array>,
  ranges: readonly RegisterRange[],
): Promise<Uint16Array[]> {
  return readPlanned(read, ranges, planReads(ranges));
}

/**
 * readRanges with the plan made once (planReads of the same ranges): an adapter polling the
 * same ranges many times a second should not sort and merge them on every poll.
 */
export async function readPlanned(
  read: (address: number, count: number) => Promise<Uint16Array>,
  ranges: readonly RegisterRange[],
  plan: readonly RegisterRange[],
): Promise<Uint16Array[]> {
  // One read covering one range (the common case) is handed back as it came.
  const only = plan.length === 1 && ranges.length === 1 ? plan[0] : undefined;
  if (only !== undefined && ranges[0]?.address === only.address && ranges[0].count === only.count) return [await read(only.address, only.count)];
  const out = ranges.map((r) => new Uint16Array(r.count));
  for (const chunk of plan) {
    const data = await read(chunk.address, chunk.count);
    for (let i = 0; i < ranges.length; i++) {
      const r = ranges[i] as RegisterRange;
      const from = Math.max(r.address, chunk.address);
      const to = Math.min(r.address + r.count, chunk.address + chunk.count);
      if (from < to) out[i]?.set(data.subarray(from - chunk.address, to - chunk.address), from - r.address);
    }
  }
  return out;
}
