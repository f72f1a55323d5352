import { localTimeParts } from '../../simulators/index.js';
import { localMinuteOfDay, peakBlockKw, peakSlidingKw } from '../schedule/index.js';

const MINUTE_MS = 60_000;
/**
 * A grid sample holds until the next one, but no longer than this: a longer gap (meter down, the
 * controller stopped) counts no import rather than an invented one. Above the longest cycle (60 s).
 */
const MAX_HOLD_MS = 65_000;

/** A grid power sample on the site's clock, kW (load convention: import > 0). */
export interface GridSample {
  readonly siteMs: number;
  readonly kw: number;
}

/**
 * The billing peak of the site's month so far, from its metered grid power: the largest mean
 * import over a clock-aligned quarter hour (block) or any 15 minutes starting on a whole minute
 * (sliding), as CONTRACTS.md defines demand. Fed incrementally (the store is read only from
 * where the last read ended); the month starts at local midnight of the 1st in the site's zone
 * (a DST change inside the month is not corrected for: the demo's zones have none).
 */
export class MonthPeak {
  private monthKey = '';
  private startSiteMs = NaN;
  /** Import energy per minute since startSiteMs, kW·ms. */
  private minutes: number[] = [];
  private last: GridSample | undefined;

  constructor(
    private readonly timezone: string,
    private readonly window: 'block' | 'sliding',
  ) {}

  /** Start of the month holding siteMs, on the site's clock; a new month forgets the old one. */
  monthStartSiteMs(siteMs: number): number {
    const t = localTimeParts(siteMs, this.timezone);
    const key = `${t.year}-${t.month}`;
    if (key !== this.monthKey) {
      this.monthKey = key;
      const intoDayMs = (localMinuteOfDay(siteMs, this.timezone) * 60 + Math.floor((siteMs % MINUTE_MS) / 1000)) * 1000 + (siteMs % 1000);
      this.startSiteMs = siteMs - intoDayMs - (t.day - 1) * 86_400_000;
      this.minutes = [];
      this.last = undefined;
    }
    return this.startSiteMs;
  }

  /** Adds samples in time order, each after the last one added; samples before the month are skipped. */
  add(samples: readonly GridSample[]): void {
    for (const s of samples) {
      if (!Number.isFinite(s.kw) || !Number.isFinite(s.siteMs) || s.siteMs < this.startSiteMs) continue;
      const prev = this.last;
      if (prev !== undefined && s.siteMs <= prev.siteMs) continue;
      if (prev !== undefined && prev.kw > 0) this.spread(prev.kw, prev.siteMs, Math.min(s.siteMs, prev.siteMs + MAX_HOLD_MS));
      this.last = s;
    }
  }

  /** The month's peak so far, kW (0 before any import). The last sample counts up to nowSiteMs. */
  peakKw(nowSiteMs: number): number {
    const saved = this.minutes;
    const prev = this.last;
    if (prev !== undefined && prev.kw > 0 && nowSiteMs > prev.siteMs) {
      this.minutes = [...saved];
      this.spread(prev.kw, prev.siteMs, Math.min(nowSiteMs, prev.siteMs + MAX_HOLD_MS));
    }
    const means = Array.from(this.minutes, (e) => (e ?? 0) / MINUTE_MS);
    this.minutes = saved;
    if (means.length === 0) return 0;
    if (this.window === 'sliding') return peakSlidingKw(means, this.startSiteMs, 60);
    // Quarter hours are aligned to the local clock: the zone's offset at the month's start.
    const offsetMin = localMinuteOfDay(this.startSiteMs, this.timezone) - Math.floor((this.startSiteMs % 86_400_000) / MINUTE_MS);
    return peakBlockKw(means, this.startSiteMs, 60, ((offsetMin + 720 + 1440) % 1440) - 720);
  }

  private spread(kw: number, fromMs: number, toMs: number): void {
    let a = fromMs;
    while (a < toMs) {
      const i = Math.floor((a - this.startSiteMs) / MINUTE_MS);
      const b = Math.min(toMs, this.startSiteMs + (i + 1) * MINUTE_MS);
      this.minutes[i] = (this.minutes[i] ?? 0) + kw * (b - a);
      a = b;
    }
  }
}
