import type { ReadinessCheck, ReadinessReport } from '../api/index.js';
import type { TimeSeriesStore } from '../store/index.js';

export interface ReadinessInput {
  readonly shuttingDown: boolean;
  readonly registryOpen: boolean;
  readonly storeKind: string;
  readonly storeStats: ReturnType<TimeSeriesStore['stats']>;
  readonly siteIds: readonly string[];
  /** Sites the control loop has run for at least once. */
  readonly controlled: ReadonlySet<string>;
}

/**
 * Ready = worth sending traffic to: not shutting down, the registry open, the store taking
 * writes (or spooling them), and every site controlled at least once. Each check says why.
 */
export function readinessReport(input: ReadinessInput): ReadinessReport {
  const stats = input.storeStats;
  // Down with a spool: writes are kept on disk and replayed in order, so the controller still works.
  const spooling = !stats.backendUp && stats.spoolMaxBytes !== null;
  const storeOk = stats.backendUp || spooling;
  const waiting = input.siteIds.filter((id) => !input.controlled.has(id));
  const checks: ReadinessCheck[] = [
    { name: 'shutdown', ok: !input.shuttingDown, detail: input.shuttingDown ? 'shutting down' : 'running' },
    { name: 'registry', ok: input.registryOpen, detail: input.registryOpen ? 'open' : 'closed' },
    {
      name: 'store',
      ok: storeOk,
      detail: `${input.storeKind}: ${stats.backendUp ? 'writing' : spooling ? `down, spooling (${stats.spooledPoints} points on disk)` : 'down, no spool'}; ${stats.queuedPoints} points queued`,
    },
    {
      name: 'control',
      ok: waiting.length === 0,
      detail: waiting.length === 0 ? `${input.siteIds.length} site(s) controlled` : `no control cycle yet for ${waiting.join(', ')}`,
    },
  ];
  return { ready: checks.every((c) => c.ok), checks };
}
