import { METRICS, type Metric } from '../../../src/domain/telemetry.js';
import { VppError } from '../../../src/domain/errors.js';
import type { SimCommandName, SimDevice } from '../device.js';

const METRIC_NAMES: ReadonlySet<string> = new Set<string>(METRICS);

/**
 * Telemetry JSON built by concatenation: at 10 000 devices a second the intermediate object
 * JSON.stringify would need per message is the only allocation we can avoid. Keys are the
 * device's canonical metrics in its order; a missing, NaN or infinite value is `null`, never 0.
 */
export function telemetryJson(isoTime: string, readings: Readonly<Partial<Record<Metric, number | null>>>): string {
  let json = `{"time":"${isoTime}"`;
  for (const key in readings) {
    if (!METRIC_NAMES.has(key)) continue;
    const value = readings[key as Metric];
    json += typeof value === 'number' && Number.isFinite(value) ? `,"${key}":${value}` : `,"${key}":null`;
  }
  return `${json}}`;
}

/** What a command message came to; `error` names the field and the value seen. */
export interface CommandOutcome {
  readonly id: string | null;
  readonly ok: boolean;
  readonly error?: string;
}

export function ackJson(outcome: CommandOutcome): string {
  return JSON.stringify(outcome.ok ? { id: outcome.id, ok: true } : { id: outcome.id, ok: false, error: outcome.error });
}

function describe(value: unknown): string {
  return value === undefined ? 'undefined' : JSON.stringify(value);
}

/**
 * Parses one command payload (`{"id": "c1", "powerKw": -50, "revertS": 30}`) and applies it to
 * the device. Never throws. Every field is type-checked before any is applied, so a malformed
 * message changes nothing; range checks belong to the device, and fields are applied in the
 * device's command order, so a later field out of range leaves the earlier ones applied (the
 * ack says which field failed).
 */
export function applyCommand(device: SimDevice, payload: Buffer | string): CommandOutcome {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof payload === 'string' ? payload : payload.toString('utf8'));
  } catch (error) {
    return { id: null, ok: false, error: `payload: not valid JSON (${error instanceof Error ? error.message : String(error)})` };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { id: null, ok: false, error: `payload: must be a JSON object, got ${describe(parsed)}` };
  }
  const fields = parsed as Record<string, unknown>;
  const rawId = fields.id;
  if (rawId !== undefined && typeof rawId !== 'string') {
    return { id: null, ok: false, error: `id: must be a string, got ${describe(rawId)}` };
  }
  const id = rawId ?? null;
  const accepts = device.commands.join(', ') || 'none';
  const values = new Map<SimCommandName, number>();
  for (const [key, value] of Object.entries(fields)) {
    if (key === 'id') continue;
    if (!(device.commands as readonly string[]).includes(key)) {
      return { id, ok: false, error: `${key}: not a command of ${device.kind} ${device.siteId}/${device.assetId} (accepts ${accepts})` };
    }
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return { id, ok: false, error: `${key}: must be a finite number, got ${describe(value)}` };
    }
    values.set(key as SimCommandName, value);
  }
  if (values.size === 0) return { id, ok: false, error: `payload: no command field (accepts ${accepts})` };
  for (const name of device.commands) {
    const value = values.get(name);
    if (value === undefined) continue;
    try {
      device.command(name, value);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const code = error instanceof VppError ? error.code : 'SIM_COMMAND_FAILED';
      return { id, ok: false, error: `${name}: ${message} (${code})` };
    }
  }
  return { id, ok: true };
}
