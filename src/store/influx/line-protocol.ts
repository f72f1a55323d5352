import type { WriteBatch } from '../write-queue.js';
import { encodeAsset } from './encoding.js';

/*
 * InfluxDB 1.x line protocol, written here rather than by the `influx` package: its string
 * escaper rewrites the first `\'` of a field value to `\\'`, which changed setpoint reasons.
 * Ids carry no backslashes (validate.ts), so tag values only need ',', '=' and ' ' escaped.
 */

export const METRIC_MEASUREMENT = 'metric';
export const SETPOINT_MEASUREMENT = 'setpoint';

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

/** The batch as a line-protocol body with millisecond timestamps. */
export function toLineProtocol(batch: WriteBatch): string {
  const lines: string[] = [];
  for (const p of batch.metrics) {
    lines.push(
      `${METRIC_MEASUREMENT},site=${tagValue(p.siteId)},asset=${tagValue(encodeAsset(p.assetId))},metric=${tagValue(p.metric)}` +
        ` quality=${stringField(p.quality)},value=${floatField(p.value)} ${p.atMs}`,
    );
  }
  for (const r of batch.setpoints) {
    lines.push(
      `${SETPOINT_MEASUREMENT},site=${tagValue(r.siteId)},asset=${tagValue(encodeAsset(r.assetId))}` +
        ` power_kw=${floatField(r.powerKw)},reason=${stringField(r.reason)} ${r.atMs}`,
    );
  }
  return lines.join('\n');
}
