import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AdapterHealth, AdapterTarget } from '../domain/index.js';
import type { TimeSeriesStore } from '../store/index.js';
import { AdapterCounters, protocolOf } from './metrics-adapters.js';

/** What the control loop reports: two counter bumps and one histogram observation per cycle, nothing else. */
export interface LoopMetrics {
  cycle(durationS: number, late: boolean): void;
  /** A setpoint record the writer stored (written, or refused by the device: ok false). */
  setpointRecorded(siteId: string, reason: string, ok: boolean): void;
}

/** Webhook delivery counts, as the notifier (issue 7's subscriptions) keeps them. */
export interface WebhookDeliveryCounts {
  readonly delivered: number;
  readonly failed: number;
}

/** Where the lazy metrics read from: bound once the runtime has built each part. */
export interface MetricsSources {
  /** The adapter objects themselves: a new object for a device is taken for a replaced adapter. */
  readonly adapters: () => ReadonlyArray<{ readonly target: Pick<AdapterTarget, 'siteId' | 'assetId' | 'binding'>; health(): AdapterHealth }>;
  readonly store: Pick<TimeSeriesStore, 'kind' | 'stats'>;
  /** DR events in force now (any site). */
  readonly activeEvents: () => number;
  /**
   * Hook for the webhook notifier: when it exists, the runtime passes its counters here.
   * Absent: vpp_webhook_deliveries_total is not exported.
   */
  readonly webhookDeliveries?: () => WebhookDeliveryCounts;
}

export interface RuntimeMetrics {
  /** This controller's own registry (never prom-client's global one: tests build many apps). */
  readonly registry: Registry;
  readonly loop: LoopMetrics;
  readonly contentType: string;
  bind(sources: MetricsSources): void;
  /** The exposition text for GET /metrics. */
  metrics(): Promise<string>;
  /** Stops the adapter sampler. */
  close(): void;
}

/** Seconds; a 1 s cycle that takes 0.25 s is already worth seeing. */
const CYCLE_BUCKETS_S = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];
const ADAPTER_LABELS = ['site', 'asset', 'protocol'] as const;

/**
 * Bounded label for a setpoint's free-text reason: the controller that decided it (`; by X`),
 * `manual`, `dr-event` when an event's obligation shaped it, else `other`.
 */
export function reasonClass(reason: string): string {
  if (reason.startsWith('manual:')) return 'manual';
  if (/\(event [^)]+\)/.test(reason)) return 'dr-event';
  const by = /; by ([a-z-]+)(?: \[|$)/.exec(reason)?.[1];
  return by ?? 'other';
}

/**
 * The controller's Prometheus metrics. Everything but the cycle histogram and the setpoint
 * counter is read lazily in collect(), at scrape time, from getters the parts already have:
 * a metric costs the control loop nothing unless it is the loop's own.
 */
export function createRuntimeMetrics(options: { readonly adapterSampleMs?: number } = {}): RuntimeMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'vpp_' }); // vpp_process_cpu_seconds_total, vpp_nodejs_eventloop_lag_seconds, ...
  let sources: MetricsSources | null = null;
  const adapterCounters = new AdapterCounters();
  const sample = () => {
    if (sources !== null) adapterCounters.sample(sources.adapters());
  };
  const registers = [registry];

  const cycleDuration = new Histogram({ name: 'vpp_control_cycle_duration_seconds', help: 'Time one control cycle takes (all sites), seconds.', buckets: CYCLE_BUCKETS_S, registers });
  const cycles = new Counter({ name: 'vpp_control_cycles_total', help: 'Control cycles run.', registers });
  const lateCycles = new Counter({ name: 'vpp_control_cycles_late_total', help: 'Control cycles that started more than half a cycle late or took longer than a cycle.', registers });
  const setpoints = new Counter({
    name: 'vpp_setpoints_written_total',
    help: 'Setpoints written to devices and recorded, by site, reason (controller, manual, dr-event) and result.',
    labelNames: ['site', 'reason', 'result'] as const,
    registers,
  });

  new Gauge({
    name: 'vpp_adapter_up',
    help: 'Field device link up (1) or down (0).',
    labelNames: ADAPTER_LABELS,
    registers,
    collect() {
      this.reset();
      for (const a of sources?.adapters() ?? []) this.set(labelsOf(a.target), a.health().connected ? 1 : 0);
    },
  });
  new Counter({
    name: 'vpp_adapter_errors_total',
    help: 'Failed reads, writes, decodes and connects per device, as its adapter counted them.',
    labelNames: ADAPTER_LABELS,
    registers,
    collect() {
      sample();
      this.reset();
      for (const [target, c] of adapterCounters.entries()) this.inc(labelsOf(target), c.errors);
    },
  });
  new Counter({
    name: 'vpp_adapter_reconnects_total',
    help: 'Times a device link came back after being down.',
    labelNames: ADAPTER_LABELS,
    registers,
    collect() {
      sample();
      this.reset();
      for (const [target, c] of adapterCounters.entries()) this.inc(labelsOf(target), c.reconnects);
    },
  });

  const storeStats = () => sources?.store.stats();
  new Gauge({ name: 'vpp_store_queue_points', help: 'Points waiting in the store write queue (memory).', registers, collect() { this.set(storeStats()?.queuedPoints ?? 0); } });
  new Gauge({ name: 'vpp_store_spooled_points', help: 'Points waiting in the on-disk spool while the store is down.', registers, collect() { this.set(storeStats()?.spooledPoints ?? 0); } });
  new Counter({ name: 'vpp_store_written_points_total', help: 'Points flushed to the time-series store (from the queue or the spool).', registers, collect() { setCounter(this, storeStats()?.writtenPoints ?? 0); } });
  new Counter({ name: 'vpp_store_failed_flushes_total', help: 'Batch writes the store refused (the points are kept or spooled and retried).', registers, collect() { setCounter(this, storeStats()?.failedFlushes ?? 0); } });
  new Counter({ name: 'vpp_store_refused_points_total', help: 'Points refused at write because the queue or the spool was full.', registers, collect() { setCounter(this, storeStats()?.refusedPoints ?? 0); } });
  new Gauge({
    name: 'vpp_store_up',
    help: 'The last store write succeeded (1) or failed (0).',
    labelNames: ['kind'] as const,
    registers,
    collect() {
      this.reset();
      const stats = storeStats();
      if (sources !== null && stats !== undefined) this.set({ kind: sources.store.kind }, stats.backendUp ? 1 : 0);
    },
  });
  new Gauge({ name: 'vpp_dr_events_active', help: 'DR events in force now.', registers, collect() { this.set(sources?.activeEvents() ?? 0); } });
  new Counter({
    name: 'vpp_webhook_deliveries_total',
    help: 'Webhook notifications delivered or failed (after retries).',
    labelNames: ['result'] as const,
    registers,
    collect() {
      this.reset();
      const counts = sources?.webhookDeliveries?.();
      if (counts === undefined) return;
      this.inc({ result: 'delivered' }, counts.delivered);
      this.inc({ result: 'failed' }, counts.failed);
    },
  });

  // Totals are read at scrape time; this only notices adapters replaced or gone between scrapes, so their totals carry over.
  const sampler = setInterval(sample, options.adapterSampleMs ?? 1000);
  sampler.unref();

  return {
    registry,
    contentType: registry.contentType,
    loop: {
      cycle(durationS, late) {
        cycleDuration.observe(durationS);
        cycles.inc();
        if (late) lateCycles.inc();
      },
      setpointRecorded(siteId, reason, ok) {
        setpoints.inc({ site: siteId, reason: reasonClass(reason), result: ok ? 'ok' : 'failed' });
      },
    },
    bind(s) {
      sources = s;
      sample();
    },
    metrics: () => registry.metrics(),
    close: () => clearInterval(sampler),
  };
}

function labelsOf(t: Pick<AdapterTarget, 'siteId' | 'assetId' | 'binding'>): Record<(typeof ADAPTER_LABELS)[number], string> {
  return { site: t.siteId, asset: t.assetId, protocol: protocolOf(t.binding) };
}

/** A counter that mirrors a running total kept elsewhere. */
function setCounter(c: Counter, total: number): void {
  c.reset();
  c.inc(total);
}
