import type { Metric } from '../../src/domain/telemetry.js';
import type { MqttField, MqttProfile } from './profile.js';

/** The value at a dotted path (`data.ac.power`) of parsed JSON; undefined when any step is missing. */
export function getPath(root: unknown, path: string): unknown {
  let node: unknown = root;
  for (const key of path.split('.')) {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[key];
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
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value) : String(value);
}

/**
 * Decodes a telemetry payload. A missing field or JSON null is a value the device cannot give
 * now (null, never 0); a string, boolean or object where a number belongs is malformed (null and
 * a problem). A payload that is not a JSON object, or whose time field is unreadable, gives
 * every metric null: without a trustworthy time nothing in it can be used.
 */
export function decodeTelemetry(p: MqttProfile, metrics: readonly Metric[], payload: Buffer, receivedAtMs: number): DecodedTelemetry {
  const none = (problem: string): DecodedTelemetry => ({ atMs: receivedAtMs, values: {}, problems: [problem] });
  let doc: unknown;
  try {
    doc = JSON.parse(payload.toString('utf8'));
  } catch (e) {
    return none(`payload: not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return none(`payload: must be a JSON object, got ${describe(JSON.stringify(doc))}`);
  let atMs = receivedAtMs;
  if (p.telemetry.time !== undefined) {
    const raw = getPath(doc, p.telemetry.time.path);
    const t = typeof raw === 'string' ? Date.parse(raw) : typeof raw === 'number' ? raw : Number.NaN;
    if (!Number.isFinite(t)) return none(`${p.telemetry.time.path}: must be an ISO 8601 time or epoch ms, got ${describe(raw)}`);
    atMs = t;
  }
  const values: Partial<Record<Metric, number | null>> = {};
  const problems: string[] = [];
  for (const metric of metrics) {
    const field = p.telemetry.fields[metric];
    if (field === undefined) continue;
    const raw = getPath(doc, field.path);
    if (typeof raw === 'number' && Number.isFinite(raw)) {
      values[metric] = toCanonical(field, raw);
    } else {
      values[metric] = null;
      if (raw !== null && raw !== undefined) problems.push(`${field.path}: must be a number or null, got ${describe(raw)}`);
    }
  }
  return { atMs, values, problems };
}
