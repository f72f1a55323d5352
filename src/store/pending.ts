import type { EventPerformanceRecord, MetricPoint, SetpointRecord } from './types.js';

/** One batch handed to a backend: written whole (one transaction / one request) or not at all. */
export interface WriteBatch {
  readonly metrics: readonly MetricPoint[];
  readonly setpoints: readonly SetpointRecord[];
  /** Absent = none. */
  readonly events?: readonly EventPerformanceRecord[];
}

/** Points in a batch, whatever their kind. */
export function batchSize(b: WriteBatch): number {
  return b.metrics.length + b.setpoints.length + (b.events?.length ?? 0);
}

/** What waits in memory, oldest first per kind. */
export interface Pending {
  metrics: MetricPoint[];
  setpoints: SetpointRecord[];
  events: EventPerformanceRecord[];
}

export const empty = (): Pending => ({ metrics: [], setpoints: [], events: [] });
export const pendingSize = (p: Pending): number => p.metrics.length + p.setpoints.length + p.events.length;

/** Cuts `p` into batches of at most `size` points (events ride with the first batch that has room). */
export function* batchesOf(p: Pending, size: number): Generator<WriteBatch> {
  let mi = 0;
  let si = 0;
  let ei = 0;
  while (mi < p.metrics.length || si < p.setpoints.length || ei < p.events.length) {
    const m = p.metrics.slice(mi, mi + size);
    const s = p.setpoints.slice(si, si + size - m.length);
    const e = p.events.slice(ei, ei + size - m.length - s.length);
    mi += m.length;
    si += s.length;
    ei += e.length;
    yield e.length > 0 ? { metrics: m, setpoints: s, events: e } : { metrics: m, setpoints: s };
  }
}

/** `a` then `b`, per kind. */
export function concat(a: Pending, b: Pending): Pending {
  return { metrics: a.metrics.concat(b.metrics), setpoints: a.setpoints.concat(b.setpoints), events: a.events.concat(b.events) };
}

/** Adds the batch's points to the end of `p`. */
export function appendBatch(p: Pending, b: WriteBatch): void {
  for (const x of b.metrics) p.metrics.push(x);
  for (const x of b.setpoints) p.setpoints.push(x);
  for (const x of b.events ?? []) p.events.push(x);
}
