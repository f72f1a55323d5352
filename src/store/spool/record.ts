import { crc32 } from 'node:zlib';
import { QUALITIES } from '../../domain/index.js';
import type { Quality } from '../../domain/index.js';
import type { EventPerformanceRecord, MetricPoint, SetpointRecord } from '../types.js';
import { batchSize, type WriteBatch } from '../pending.js';

/*
 * One spooled batch on disk: a 16-byte header, then the payload.
 *   u32 magic 'VPS1' | u32 payload bytes | u32 points in the batch | u32 CRC-32 of the payload
 * (little endian). The payload is JSON of compact rows. The length lets a reader walk the
 * headers without parsing; the CRC tells a batch torn by a crash (or a flipped bit) from a
 * whole one, so a bad record is skipped with a warning instead of replayed as garbage.
 */
export const RECORD_MAGIC = 0x31535056; // 'VPS1' read as little-endian u32
export const HEADER_BYTES = 16;

type MetricRow = [string, string | null, string, number, number, Quality];
type SetpointRow = [string, string, number, number, string];
type EventRow = [string, string, number, number, number, number, number, number];
interface Payload {
  readonly m: MetricRow[];
  readonly s: SetpointRow[];
  readonly e?: EventRow[];
}

export interface RecordHeader {
  readonly payloadBytes: number;
  readonly points: number;
  readonly crc: number;
}

export function encodeRecord(batch: WriteBatch): Buffer {
  const payload: Payload = {
    m: batch.metrics.map((p) => [p.siteId, p.assetId ?? null, p.metric, p.atMs, p.value, p.quality]),
    s: batch.setpoints.map((r) => [r.siteId, r.assetId, r.atMs, r.powerKw, r.reason]),
    ...(batch.events !== undefined && batch.events.length > 0
      ? { e: batch.events.map((r): EventRow => [r.eventId, r.siteId, r.startMs, r.endMs, r.baselineKw, r.deliveredKw, r.deliveredKwh, r.compliancePct]) }
      : {}),
  };
  const body = Buffer.from(JSON.stringify(payload), 'utf8');
  const out = Buffer.allocUnsafe(HEADER_BYTES + body.length);
  out.writeUInt32LE(RECORD_MAGIC, 0);
  out.writeUInt32LE(body.length, 4);
  out.writeUInt32LE(batchSize(batch), 8);
  out.writeUInt32LE(crc32(body), 12);
  body.copy(out, HEADER_BYTES);
  return out;
}

/** The header at `offset` of `buf`, or why it is not one. */
export function readHeader(buf: Buffer, offset = 0): RecordHeader | string {
  if (buf.length - offset < HEADER_BYTES) return `header cut short (${buf.length - offset} of ${HEADER_BYTES} bytes)`;
  const magic = buf.readUInt32LE(offset);
  if (magic !== RECORD_MAGIC) return `bad magic 0x${magic.toString(16)}`;
  return { payloadBytes: buf.readUInt32LE(offset + 4), points: buf.readUInt32LE(offset + 8), crc: buf.readUInt32LE(offset + 12) };
}

/** The batch in `body` if its CRC and shape check out; otherwise why not. */
export function decodePayload(header: RecordHeader, body: Buffer): WriteBatch | string {
  if (body.length !== header.payloadBytes) return `payload cut short (${body.length} of ${header.payloadBytes} bytes)`;
  if (crc32(body) !== header.crc) return 'checksum mismatch';
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString('utf8'));
  } catch (err) {
    return `payload is not JSON: ${(err as Error).message}`;
  }
  const { m, s, e = [] } = (raw ?? {}) as { m?: unknown; s?: unknown; e?: unknown };
  if (!Array.isArray(m) || !Array.isArray(s) || !Array.isArray(e)) return 'payload lacks m/s arrays';
  const metrics: MetricPoint[] = [];
  for (const row of m as unknown[]) {
    if (!isMetricRow(row)) return `bad metric row ${JSON.stringify(row)}`;
    const [siteId, assetId, metric, atMs, value, quality] = row;
    metrics.push(assetId === null ? { siteId, metric, atMs, value, quality } : { siteId, assetId, metric, atMs, value, quality });
  }
  const setpoints: SetpointRecord[] = [];
  for (const row of s as unknown[]) {
    if (!isSetpointRow(row)) return `bad setpoint row ${JSON.stringify(row)}`;
    const [siteId, assetId, atMs, powerKw, reason] = row;
    setpoints.push({ siteId, assetId, atMs, powerKw, reason });
  }
  const events: EventPerformanceRecord[] = [];
  for (const row of e as unknown[]) {
    if (!isEventRow(row)) return `bad event row ${JSON.stringify(row)}`;
    const [eventId, siteId, startMs, endMs, baselineKw, deliveredKw, deliveredKwh, compliancePct] = row;
    events.push({ eventId, siteId, startMs, endMs, baselineKw, deliveredKw, deliveredKwh, compliancePct });
  }
  const batch = events.length > 0 ? { metrics, setpoints, events } : { metrics, setpoints };
  if (batchSize(batch) !== header.points) return `holds ${batchSize(batch)} points, header says ${header.points}`;
  return batch;
}

function isMetricRow(row: unknown): row is MetricRow {
  return (
    Array.isArray(row) &&
    row.length === 6 &&
    typeof row[0] === 'string' &&
    (row[1] === null || typeof row[1] === 'string') &&
    typeof row[2] === 'string' &&
    Number.isSafeInteger(row[3]) &&
    typeof row[4] === 'number' &&
    (QUALITIES as readonly unknown[]).includes(row[5])
  );
}

function isSetpointRow(row: unknown): row is SetpointRow {
  return (
    Array.isArray(row) &&
    row.length === 5 &&
    typeof row[0] === 'string' &&
    typeof row[1] === 'string' &&
    Number.isSafeInteger(row[2]) &&
    typeof row[3] === 'number' &&
    typeof row[4] === 'string'
  );
}

function isEventRow(row: unknown): row is EventRow {
  return (
    Array.isArray(row) &&
    row.length === 8 &&
    typeof row[0] === 'string' &&
    typeof row[1] === 'string' &&
    row.slice(2).every((x) => typeof x === 'number')
  );
}
