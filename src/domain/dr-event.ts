import type { DrSignal } from './dr-signal.js';

/**
 * A DR event, shaped after OpenADR 3's `event` so its JSON maps onto this one-to-one
 * (src/events/openadr-map.ts): ids, name, priority, targets, intervals with their payloads.
 * Times are epoch ms; payloads are DrSignals in our fixed units (kW, per kWh, g/kWh).
 */

/** OpenADR valuesMap used as a target: `{type: 'VEN_NAME', values: [siteId]}`, `{type: 'GROUP', values: [name]}`. */
export interface EventTarget {
  readonly type: string;
  readonly values: readonly string[];
}

/** One interval with its period resolved (OpenADR lets it inherit the event's intervalPeriod). */
export interface DrInterval {
  /** OpenADR interval id: client-chosen, not a sequence number. */
  readonly id: number;
  readonly startMs: number;
  /** null: open-ended (OpenADR duration PT0S, "infinity" for limits): until the event changes. */
  readonly durationS: number | null;
  /** Start may be delayed by up to this, per site (deterministic, see src/events/README.md), s. */
  readonly randomizeStartS: number;
  readonly signals: readonly DrSignal[];
}

/** Ours, not OpenADR's: a site that declined the event before it started. */
export interface OptOut {
  readonly siteId: string;
  readonly atMs: number;
  readonly reason?: string;
}

export const EVENT_STATUSES = ['pending', 'active', 'completed', 'cancelled'] as const;
export type EventStatus = (typeof EVENT_STATUSES)[number];

export interface DrEvent {
  readonly id: string;
  readonly programId: string;
  readonly name?: string;
  /** OpenADR: a lower number is a higher priority. */
  readonly priority?: number;
  /** Absent or empty: every site enrolled in the programme. */
  readonly targets: readonly EventTarget[];
  /** In time order; never empty. */
  readonly intervals: readonly DrInterval[];
  readonly createdAtMs: number;
  readonly modifiedAtMs: number;
  /** Ours: when the operator cancelled it (status `cancelled` from then on). */
  readonly cancelledAtMs?: number;
  readonly optOuts: readonly OptOut[];
}
