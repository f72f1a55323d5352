import {
  asyncScheduler,
  concat,
  defer,
  filter,
  map,
  of,
  switchMap,
  timer,
  type MonoTypeOperatorFunction,
  type SchedulerLike,
} from 'rxjs';
import { VppError, type Reading } from '../domain/index.js';

/**
 * Re-emits each reading and, when no fresher reading arrives within `staleAfterMs` of the last
 * good one, emits that reading again with quality `stale` (value kept for display only).
 *
 * The limit runs from *arrival* on the scheduler's clock, not from the reading's `atMs`: device
 * clocks drift, and a skewed device clock must not make every reading stale at once. A reading
 * whose `atMs` is not newer than the last one seen (an MQTT retained message re-published, an
 * out-of-order poll) is not fresh and does not restart the timer, so a device repeating its
 * last value still goes stale (a `bad` reading always passes). `bad` and `stale` readings pass
 * through unchanged and start no
 * timer: marking a bad reading stale would upgrade it. Errors pass through and cancel the timer; on
 * completion the pending stale transition still fires, then the stream completes.
 */
export function staleAfter<T extends Reading>(
  staleAfterMs: number,
  scheduler: SchedulerLike = asyncScheduler,
): MonoTypeOperatorFunction<T> {
  if (!Number.isFinite(staleAfterMs) || staleAfterMs <= 0) {
    throw new VppError(
      'CORE_STALE_LIMIT_INVALID',
      `staleAfterMs must be a finite number > 0, got ${String(staleAfterMs)}`,
    );
  }
  return (source) =>
    defer(() => {
      // Per subscription, so two subscribers never share freshness state.
      let lastAtMs = Number.NEGATIVE_INFINITY;
      return source.pipe(
        filter((r) => {
          // A failure is never hidden, whatever its timestamp.
          if (r.quality === 'bad') return true;
          if (r.atMs <= lastAtMs) return false;
          lastAtMs = r.atMs;
          return true;
        }),
        switchMap((r) =>
          r.quality !== 'good'
            ? of(r)
            : concat(
                of(r),
                timer(staleAfterMs, scheduler).pipe(map((): T => ({ ...r, quality: 'stale' }))),
              ),
        ),
      );
    });
}
