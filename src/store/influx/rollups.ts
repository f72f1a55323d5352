import { BUCKET_MS, DAY_MS, bucketOf, type Retention } from '../retention.js';
import type { MaintenanceResult, MetricPoint } from '../types.js';
import { influxPost, ident } from './admin.js';
import type { Endpoint } from './endpoint.js';
import { METRIC_MEASUREMENT } from './line-protocol.js';

export const RP_1M = 'vpp_1m';
export const RP_15M = 'vpp_15m';
export const ROLLUP_1M = 'metric_1m';
export const ROLLUP_15M = 'metric_15m';
const HOUR_MS = 3_600_000;
/** Buckets per INTO statement: one day of 15-minute buckets. */
const CHUNK_BUCKETS = 96;

/** InfluxDB's own shard-group rule of thumb for a retention window. */
function shardDuration(windowMs: number | null): string {
  if (windowMs === null || windowMs > 180 * DAY_MS) return '7d';
  return windowMs < 2 * DAY_MS ? '1h' : '1d';
}

function duration(windowMs: number | null): string {
  return windowMs === null ? 'INF' : `${Math.max(1, Math.round(windowMs / HOUR_MS))}h`;
}

/**
 * Rollups and retention for InfluxDB 1.x. Retention is InfluxDB's own: retention policies
 * `vpp_1m` and `vpp_15m` (created or altered at open, so opening twice is harmless) hold the
 * rollups and event records; raw points stay in the database's default policy, whose duration
 * is set to retention.rawDays only when that is configured (an existing database's default
 * policy is not changed behind the operator's back).
 *
 * Rollups are not continuous queries: a CQ covers the wall-clock interval that just ended,
 * so it never rolls up late points, nor a demo whose simulated clock runs in the past. Instead
 * each written batch marks its 15-minute buckets, and maintenance runs `SELECT ... INTO` over
 * the closed marked buckets (GROUP BY time, * keeps the tags). Marks live in memory; at open,
 * everything after the newest 15-minute rollup is marked again.
 */
export class InfluxRollups {
  private readonly dirty = new Set<number>();
  newestAtMs: number | null = null;

  constructor(
    private readonly endpoint: Endpoint,
    private readonly database: string,
    private readonly retention: Retention,
  ) {}

  /** Creates or alters the retention policies, then marks what is not rolled up yet. */
  async setUp(): Promise<void> {
    const rows = await this.post(`SHOW RETENTION POLICIES ON ${ident(this.database)}`);
    const existing = new Map(rows.map((r) => [String(r.name), r.default === true]));
    const want: Array<[string, number | null]> = [
      [RP_1M, this.retention.rollup1mMs],
      [RP_15M, this.retention.rollup15mMs],
    ];
    if (this.retention.rawExplicit) {
      const def = [...existing].find(([, isDefault]) => isDefault)?.[0] ?? 'autogen';
      want.push([def, this.retention.rawMs]);
    }
    for (const [rp, windowMs] of want) {
      const verb = existing.has(rp) ? 'ALTER' : 'CREATE';
      const tail = verb === 'CREATE' ? ' REPLICATION 1' : '';
      await this.post(
        `${verb} RETENTION POLICY ${ident(rp)} ON ${ident(this.database)} DURATION ${duration(windowMs)}${tail} SHARD DURATION ${shardDuration(windowMs)}`,
      );
    }
    const lastRollup = await this.post(`SELECT last("count") FROM ${ident(RP_15M)}.${ident(ROLLUP_15M)}`);
    // One selector per statement: with two, InfluxDB answers time 0.
    const oldest = await this.post(`SELECT first("value") FROM ${ident(METRIC_MEASUREMENT)}`);
    const newest = await this.post(`SELECT last("value") FROM ${ident(METRIC_MEASUREMENT)}`);
    const first = oldest[0]?.time;
    const last = newest[0]?.time;
    if (typeof last === 'number') {
      this.newestAtMs = last;
      const rolledTo = lastRollup[0]?.time;
      let from = typeof rolledTo === 'number' ? rolledTo : typeof first === 'number' ? bucketOf(first) : last;
      for (; from <= last; from += BUCKET_MS) this.dirty.add(bucketOf(from));
    }
  }

  /** After a batch is in: note the buckets it touched. */
  markWritten(points: readonly MetricPoint[]): void {
    for (const p of points) {
      this.dirty.add(bucketOf(p.atMs));
      if (this.newestAtMs === null || p.atMs > this.newestAtMs) this.newestAtMs = p.atMs;
    }
  }

  /** Where raw data starts being kept (by wall clock, as InfluxDB prunes), or null. */
  rawFromMs(): number | null {
    return this.retention.rawExplicit && this.retention.rawMs !== null ? Date.now() - this.retention.rawMs : null;
  }

  async run(untilMs?: number): Promise<MaintenanceResult> {
    const until = untilMs ?? this.newestAtMs;
    if (until === null) return { bucketsRolledUp: 0, rawPointsPruned: 0 };
    const closed = [...this.dirty].filter((b) => b + BUCKET_MS <= until).sort((a, b) => a - b);
    let done = 0;
    let i = 0;
    while (i < closed.length) {
      // A run of consecutive buckets, at most a day long, is one statement per resolution.
      let j = i + 1;
      while (j < closed.length && j - i < CHUNK_BUCKETS && closed[j] === (closed[j - 1] as number) + BUCKET_MS) j++;
      const fromMs = closed[i] as number;
      const toMs = (closed[j - 1] as number) + BUCKET_MS;
      await this.rollUp('1m', RP_1M, ROLLUP_1M, fromMs, toMs);
      await this.rollUp('15m', RP_15M, ROLLUP_15M, fromMs, toMs);
      for (let k = i; k < j; k++) this.dirty.delete(closed[k] as number);
      done += j - i;
      i = j;
    }
    return { bucketsRolledUp: done, rawPointsPruned: 0 };
  }

  private async rollUp(every: string, rp: string, measurement: string, fromMs: number, toMs: number): Promise<void> {
    await this.post(
      `SELECT mean("value") AS "mean", min("value") AS "min", max("value") AS "max", count("value") AS "count"` +
        ` INTO ${ident(this.database)}.${ident(rp)}.${ident(measurement)} FROM ${ident(METRIC_MEASUREMENT)}` +
        ` WHERE "quality" != 'bad' AND time >= ${fromMs}ms AND time < ${toMs}ms GROUP BY time(${every}), * fill(none)`,
    );
  }

  private post(q: string): ReturnType<typeof influxPost> {
    return influxPost(this.endpoint, this.database, q);
  }
}
