import type { EventPerformanceRecord } from '../types.js';
import type { WriteBatch } from '../write-queue.js';
import { encodeAsset } from './encoding.js';

/*
 * InfluxDB 1.x line protocol, written here rather than by the `influx` package: its string
 * escaper rewrites the first `\'` of a field value to `\\'`, which changed setpoint reasons.
 * Ids carry no backslashes (validate.ts), so tag values only need ',', '=' and ' ' escaped.
 */

export const METRIC_MEASUREMENT = 'metric';
export const SETPOINT_MEASUREMENT = 'setpoint';
export const EVENT_MEASUREMENT = 'event_performance';

const TAG_SPECIALS = /[,= ]/g;
const STRING_SPECIALS = /["\\]/g;

function tagValue(value: string): string {
  return value.replace(TAG_SPECIALS, (c) => `\\${c}`);
}

function stringField(value: string): string {
  return `"${value.replace(STRING_SPECIALS, (c) => `\\${c}`)}"`;
}

/**
 * A float field. A JS number prints without an `i` suffix, which InfluxDB reads as a float,
 * in plain or exponent form (1e-7); both parse.
 */
function floatField(value: number): string {
  return String(value);
}

const QUALITY_FIELD: Readonly<Record<string, string>> = { good: 'quality="good"', stale: 'quality="stale"', bad: 'quality="bad"' };

/**
 * The batch as a line-protocol body with millisecond timestamps. The escaped measurement and
 * tag set of each series is built once per batch (a batch is mostly the same few series over
 * time): escaping every tag of every point was most of the encoding time.
 */
export function toLineProtocol(batch: WriteBatch): string {
  const lines: string[] = new Array<string>(batch.metrics.length);
  const seriesKeys = new Map<string, Map<string, Map<string, string>>>();
  let i = 0;
  for (const p of batch.metrics) {
    const asset = encodeAsset(p.assetId);
    let bySite = seriesKeys.get(p.siteId);
    if (bySite === undefined) seriesKeys.set(p.siteId, (bySite = new Map()));
    let byAsset = bySite.get(asset);
    if (byAsset === undefined) bySite.set(asset, (byAsset = new Map()));
    let key = byAsset.get(p.metric);
    if (key === undefined) {
      key = `${METRIC_MEASUREMENT},site=${tagValue(p.siteId)},asset=${tagValue(asset)},metric=${tagValue(p.metric)} `;
      byAsset.set(p.metric, key);
    }
    lines[i++] = `${key}${QUALITY_FIELD[p.quality] ?? `quality=${stringField(p.quality)}`},value=${floatField(p.value)} ${p.atMs}`;
  }
  for (const r of batch.setpoints) {
    lines.push(
      `${SETPOINT_MEASUREMENT},site=${tagValue(r.siteId)},asset=${tagValue(encodeAsset(r.assetId))}` +
        ` power_kw=${floatField(r.powerKw)},reason=${stringField(r.reason)} ${r.atMs}`,
    );
  }
  return lines.join('\n');
}

/**
 * Event performance records, one line each at the event's start (tags site, event), so a
 * record written again for the same event replaces the first.
 */
export function toEventLines(events: readonly EventPerformanceRecord[]): string {
  return events
    .map(
      (e) =>
        `${EVENT_MEASUREMENT},site=${tagValue(e.siteId)},event=${tagValue(e.eventId)}` +
        ` end_ms=${e.endMs}i,baseline_kw=${floatField(e.baselineKw)},delivered_kw=${floatField(e.deliveredKw)},` +
        `delivered_kwh=${floatField(e.deliveredKwh)},compliance_pct=${floatField(e.compliancePct)} ${e.startMs}`,
    )
    .join('\n');
}
