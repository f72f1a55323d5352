import type { OpenAdrObjectType } from '../../domain/index.js';

/** How an object changed, in OpenADR notification terms (HTTP-style, as `notification.operation`). */
export type RegistryOperation = 'POST' | 'PUT' | 'DELETE';

/**
 * One create, update or delete of an OpenADR object in the registry, emitted on
 * `registry.changes$` after the write committed. A running event's cancellation is a DELETE
 * (an OpenADR VEN takes a vanished event for a cancelled one). Rows removed by a cascade
 * (a program's events, a ven's resources) emit nothing.
 */
export interface RegistryChange {
  readonly objectType: OpenAdrObjectType;
  readonly operation: RegistryOperation;
  /** The object as stored (after a POST/PUT; before a DELETE): an OpenAdrBody (not imported: openadr-table imports this file). */
  readonly object: Readonly<Record<string, unknown>>;
  /** The ven that owns a report or subscription; null when none does, and for other kinds. */
  readonly ownerVenId: string | null;
  /**
   * True when another process made the change (a shared PostgreSQL registry): react to it
   * (dispatch an event), but leave what the writing process does (webhook notifications) to it.
   */
  readonly remote?: boolean;
}

export type ChangeSink = (change: RegistryChange) => void;
