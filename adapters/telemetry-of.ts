import type { Metric, Telemetry } from '../src/domain/telemetry.js';

/**
 * One Telemetry in a single object, with the invariant of `reading()` (src/domain/telemetry.ts):
 * `good` only for a finite number, otherwise `bad` with value null. Adapters emit one per
 * metric per poll or message, so `{ ...reading(v, t) }` (two objects and a spread each) shows
 * in their CPU per message.
 */
export function telemetryOf(siteId: string, assetId: string, metric: Metric, value: number | null | undefined, atMs: number): Telemetry {
  return typeof value === 'number' && Number.isFinite(value)
    ? { siteId, assetId, metric, value, quality: 'good', atMs }
    : { siteId, assetId, metric, value: null, quality: 'bad', atMs };
}
