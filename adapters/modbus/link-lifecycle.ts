import { Subject, type Observable } from 'rxjs';
import type { AdapterHealth, AdapterTarget } from '../../src/domain/device-adapter.js';
import { VppError } from '../../src/domain/errors.js';
import type { Metric, Telemetry } from '../../src/domain/telemetry.js';
import { telemetryOf } from '../telemetry-of.js';
import type { RegisterClient } from './connection.js';
import { invertMeter, type MetricValues } from './decoders.js';
import { createPollLoop } from './poll-loop.js';

/** What an adapter tells the lifecycle: how to open its link, read it once, and reach its client. */
export interface LinkLifecycleSpec<L> {
  readonly target: AdapterTarget;
  /** Every metric the adapter emits; all of them go `bad` at once when the link fails. */
  readonly metrics: readonly Metric[];
  /** Reconnect back-off: first wait and cap, doubling in between. */
  readonly backoffMinMs: number;
  readonly backoffMaxMs: number;
  /** Opens a link; must call `lost(link, error)` when the connection under it drops. */
  readonly establish: (lost: (link: L, e: unknown) => void) => Promise<L>;
  readonly clientOf: (link: L) => RegisterClient;
  /** One read of every value (device units already converted, before the meter inversion). */
  readonly read: (link: L) => Promise<MetricValues>;
}

export interface LinkLifecycle<L> {
  readonly telemetry$: Observable<Telemetry>;
  /** The live link, or null while disconnected. */
  current(): L | null;
  lastError(): string | null;
  /**
   * Opens the link, polls once and starts the poll loop. A failure has already marked everything
   * bad and armed the reconnect; connect() then rejects with a DEVICE_UNREACHABLE named after
   * `where` (or the error's own code when it is no link error). A failed first poll rejects only
   * with `firstPollRejects` (the profile adapter; the SunSpec adapter has always resolved).
   */
  connect(how: { readonly where?: string; readonly firstPollRejects: boolean }): Promise<void>;
  health(): AdapterHealth;
  close(): Promise<void>;
}

/** Link errors become DEVICE_UNREACHABLE (named after `where` when given); others keep their code. */
function unreachable(e: unknown, where?: string): Error {
  if (e instanceof VppError && e.code !== 'MODBUS_IO' && e.code !== 'MODBUS_TIMEOUT') return e;
  const message = e instanceof Error ? e.message : String(e);
  return new VppError('DEVICE_UNREACHABLE', where === undefined ? message : `${where}: ${message}`, { cause: e });
}

/**
 * The link lifecycle both Modbus adapters share: connect, poll every pollIntervalS, and on any
 * failure (lost connection, failed read or connect) emit every metric `bad` at once, then
 * reconnect with capped exponential back-off until close().
 */
export function createLinkLifecycle<L>(spec: LinkLifecycleSpec<L>): LinkLifecycle<L> {
  const { target, metrics, backoffMinMs, backoffMaxMs } = spec;
  const invert = target.invert === true && (target.kind === 'meter' || target.kind === 'load');
  const telemetry$ = new Subject<Telemetry>();
  let link: L | null = null;
  let closed = false;
  let polling = false;
  const pollLoop = createPollLoop(target.pollIntervalS * 1000, () => poll());
  let retryTimer: NodeJS.Timeout | null = null;
  let backoffMs = backoffMinMs;
  let lastOkAtMs: number | null = null;
  let consecutiveErrors = 0;
  let lastError: string | null = null;
  let errorsTotal = 0;
  let reconnectsTotal = 0;
  // A link that had answered failed: the next successful poll is a reconnect.
  let lostAfterUp = false;

  function emit(values: MetricValues, atMs: number): void {
    for (const metric of metrics) telemetry$.next(telemetryOf(target.siteId, target.assetId, metric, values[metric], atMs));
  }

  function fail(from: L | null, e: unknown): void {
    if (closed || (from !== null && link !== from)) return; // already handled
    consecutiveErrors++;
    errorsTotal++;
    if (lastOkAtMs !== null) lostAfterUp = true;
    lastError = e instanceof Error ? e.message : String(e);
    pollLoop.stop();
    emit({}, Date.now());
    if (link !== null) void spec.clientOf(link).close();
    link = null;
    if (retryTimer === null) {
      retryTimer = setTimeout(() => void reconnect(), backoffMs);
      backoffMs = Math.min(backoffMs * 2, backoffMaxMs);
    }
  }

  async function reconnect(): Promise<void> {
    retryTimer = null;
    if (closed) return;
    try {
      const l = await spec.establish(fail);
      if (closed) return void (await spec.clientOf(l).close());
      link = l;
      backoffMs = backoffMinMs;
      // A failed poll has already marked everything bad and armed the next attempt.
      await poll().catch(() => undefined);
      if (link === l) pollLoop.start();
    } catch (e) {
      fail(null, e);
    }
  }

  async function poll(): Promise<void> {
    const l = link;
    if (l === null || polling || closed) return;
    polling = true;
    try {
      const values = await spec.read(l);
      const atMs = Date.now();
      if (invert) Object.assign(values, invertMeter(values));
      if (link !== l || closed) return;
      // Counted on an answer, not on the socket: a live gateway in front of a dead unit connects every retry.
      if (lostAfterUp) reconnectsTotal++;
      lostAfterUp = false;
      consecutiveErrors = 0;
      lastError = null;
      lastOkAtMs = atMs;
      emit(values, atMs);
    } catch (e) {
      fail(l, e);
      throw e;
    } finally {
      polling = false;
    }
  }

  return {
    telemetry$: telemetry$.asObservable(),
    current: () => link,
    lastError: () => lastError,
    async connect(how) {
      if (closed) throw new VppError('ADAPTER_CLOSED', `${target.binding}: adapter is closed`);
      if (link !== null) return;
      let l: L;
      try {
        l = await spec.establish(fail);
      } catch (e) {
        fail(null, e);
        throw unreachable(e, how.where);
      }
      if (closed) return void (await spec.clientOf(l).close());
      link = l;
      try {
        await poll();
      } catch (e) {
        if (how.firstPollRejects) throw unreachable(e, how.where);
      }
      if (link !== null) pollLoop.start();
    },
    health: (): AdapterHealth => ({ connected: link !== null, lastOkAtMs, consecutiveErrors, lastError, errorsTotal, reconnectsTotal }),
    async close() {
      if (closed) return;
      closed = true;
      pollLoop.stop();
      if (retryTimer !== null) clearTimeout(retryTimer);
      const l = link;
      link = null;
      if (l !== null) await spec.clientOf(l).close();
      telemetry$.complete();
    },
  };
}
