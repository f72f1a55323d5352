import type { Metric } from '../../src/domain/telemetry.js';
import type { MqttField, MqttProfile } from './profile.js';

/** The value at a dotted path (`data.ac.power`) of parsed JSON; undefined when any step is missing. */
export function getPath(root: unknown, path: string): unknown {
  return getKeys(root, path.split('.'));
}

/** getPath with the path already split: telemetry decoding splits each path once, not per message. */
function getKeys(root: unknown, keys: readonly string[]): unknown {
  let node: unknown = root;
  for (let i = 0; i < keys.length; i++) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[keys[i] as string];
  }
  return node;
}

/** Sets a dotted path on a plain object, creating the objects on the way. */
export function setPath(root: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = root;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (typeof next === 'object' && next !== null && !Array.isArray(next)) node = next as Record<string, unknown>;
    else node = node[key] = {};
  }
  node[keys[keys.length - 1] ?? ''] = value;
}

/** Device number → canonical: the profile's `scale` and `sign` applied once, here. */
export function toCanonical(field: MqttField, raw: number): number {
  return raw * (field.scale ?? 1) * (field.sign ?? 1);
}

/** Canonical → device number: the inverse of toCanonical. */
export function toDevice(field: MqttField, canonical: number): number {
  return (canonical * (field.sign ?? 1)) / (field.scale ?? 1);
}

/** One telemetry message, decoded: a value (or null) per mapped metric, and what was wrong with it. */
export interface DecodedTelemetry {
  readonly atMs: number;
  readonly values: Partial<Record<Metric, number | null>>;
  /** Fields that held something other than a number or null: each names the field and the value seen. */
  readonly problems: readonly string[];
  /** Device time minus arrival, ms, when it was beyond the profile's maxSkewS and the message was stamped on arrival. */
  readonly clockSkewMs?: number;
}

/** Device clocks further off than this are not trusted by default (profile `time.maxSkewS`). */
export const DEFAULT_MAX_CLOCK_SKEW_S = 300;

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : String(value);
}

/** Decodes one telemetry payload received at `receivedAtMs`. */
export type TelemetryDecoder = (payload: Buffer, receivedAtMs: number) => DecodedTelemetry;

/**
 * The decoder of a profile's telemetry, its paths split and fields looked up once, so that a
 * message costs a JSON.parse and one walk per field. A missing field or JSON null is a value
 * the device cannot give now (null, never 0); a string, boolean or object where a number
 * belongs is malformed (null and a problem). A payload that is not a JSON object, or whose
 * time field is unreadable, gives every metric null: without a trustworthy time nothing in it
 * can be used.
 */
export function telemetryDecoder(p: MqttProfile, metrics: readonly Metric[]): TelemetryDecoder {
  const timePath = p.telemetry.time?.path;
  const timeKeys = timePath?.split('.');
  const maxSkewMs = (p.telemetry.time?.maxSkewS ?? DEFAULT_MAX_CLOCK_SKEW_S) * 1000;
  const fields = metrics.flatMap((metric) => {
    const field = p.telemetry.fields[metric];
    return field === undefined ? [] : [{ metric, path: field.path, keys: field.path.split('.'), scale: (field.scale ?? 1) * (field.sign ?? 1) }];
  });
  const none = (atMs: number, problem: string): DecodedTelemetry => ({ atMs, values: {}, problems: [problem] });
  return (payload, receivedAtMs) => {
    let doc: unknown;
    try {
      doc = JSON.parse(payload.toString('utf8'));
    } catch (e) {
      return none(receivedAtMs, `payload: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return none(receivedAtMs, `payload: must be a JSON object, got ${describe(JSON.stringify(doc))}`);
    let atMs = receivedAtMs;
    let clockSkewMs: number | undefined;
    if (timeKeys !== undefined) {
      const raw = getKeys(doc, timeKeys);
      const t = typeof raw === 'string' ? Date.parse(raw) : typeof raw === 'number' ? raw : Number.NaN;
      if (!Number.isFinite(t)) return none(receivedAtMs, `${timePath ?? ''}: must be an ISO 8601 time or epoch ms, got ${describe(raw)}`);
      // A device whose clock is off (never set, or a simulator on its own calendar) would put its
      // readings at the wrong place in the store: its readings are stamped on arrival instead.
      if (Math.abs(t - receivedAtMs) > maxSkewMs) clockSkewMs = t - receivedAtMs;
      else atMs = t;
    }
    const values: Partial<Record<Metric, number | null>> = {};
    let problems: string[] | null = null;
    for (const f of fields) {
      const raw = getKeys(doc, f.keys);
      if (typeof raw === 'number' && Number.isFinite(raw)) values[f.metric] = raw * f.scale;
      else {
        values[f.metric] = null;
        if (raw !== null && raw !== undefined) (problems ??= []).push(`${f.path}: must be a number or null, got ${describe(raw)}`);
      }
    }
    return { atMs, values, problems: problems ?? NO_PROBLEMS, ...(clockSkewMs !== undefined ? { clockSkewMs } : {}) };
  };
}

const NO_PROBLEMS: readonly string[] = Object.freeze([]);

/** Decodes one telemetry payload (telemetryDecoder, made for this call). */
export function decodeTelemetry(p: MqttProfile, metrics: readonly Metric[], payload: Buffer, receivedAtMs: number): DecodedTelemetry {
  return telemetryDecoder(p, metrics)(payload, receivedAtMs);
}
