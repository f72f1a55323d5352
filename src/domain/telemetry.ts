import type { Quality } from './quality.js';

/** Canonical telemetry vocabulary (ARCHITECTURE.md, "Metric names"). The name carries the unit. */
export const METRICS = [
  'powerKw',
  'reactiveKvar',
  'energyImportKwh',
  'energyExportKwh',
  'socPct',
  'availableChargeKw',
  'availableDischargeKw',
  'setpointKw',
  'temperatureC',
  'connected',
  'state',
] as const;
export type Metric = (typeof METRICS)[number];

/**
 * One value with its time and quality. Invariant: `quality === 'good'` implies `value` is a
 * finite number; a `bad` reading has `value === null`. A `stale` reading keeps its last value
 * for display only: nothing may dispatch on it.
 */
export interface Reading {
  readonly value: number | null;
  readonly quality: Quality;
  /** When the value was measured (or, failing that, received): epoch milliseconds, UTC. */
  readonly atMs: number;
}

/** A reading of one metric of one asset, as adapters emit it. Powers follow the load convention. */
export interface Telemetry extends Reading {
  readonly siteId: string;
  readonly assetId: string;
  readonly metric: Metric;
}

/** A good reading, or a bad one when the value is not a finite number. */
export function reading(value: number | null | undefined, atMs: number): Reading {
  return typeof value === 'number' && Number.isFinite(value)
    ? { value, quality: 'good', atMs }
    : { value: null, quality: 'bad', atMs };
}

/**
 * One Telemetry as a single object, with reading()'s invariant (good only for a finite number,
 * else bad with null): adapters emit one per metric per poll or message, and the spread of a
 * reading() into a Telemetry showed in their CPU per message.
 */
export function telemetryOf(siteId: string, assetId: string, metric: Metric, value: number | null | undefined, atMs: number): Telemetry {
  return typeof value === 'number' && Number.isFinite(value)
    ? { siteId, assetId, metric, value, quality: 'good', atMs }
    : { siteId, assetId, metric, value: null, quality: 'bad', atMs };
}

export function badReading(atMs: number): Reading {
  return { value: null, quality: 'bad', atMs };
}

/** The value when it may be used for a decision, otherwise undefined. */
export function usable(r: Reading | undefined): number | undefined {
  return r !== undefined && r.quality === 'good' && r.value !== null ? r.value : undefined;
}
