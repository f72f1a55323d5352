import Type from 'typebox';
import { BDEW_PROFILE_NAMES, WEATHER_NAMES } from '../../models/index.js';

/**
 * Building blocks of the scenario schema. Field names carry their units; the checks that need
 * more than one field (tariff coverage, references, files) live in ../checks*.ts.
 */
export const Id = Type.String({
  pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$',
  description: 'an id of letters, digits, _ . - (up to 64, starting with a letter or digit)',
});
export const ISO_WITH_OFFSET_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})$';
export const IsoWithOffset = Type.String({
  pattern: ISO_WITH_OFFSET_PATTERN,
  description: 'ISO 8601 with an offset, e.g. 2025-07-15T14:00:00+08:00',
});
/** A daily time in the site's zone; `24:00` only as the end of a tariff period. */
export const LocalTime = Type.String({
  pattern: '^([01]\\d|2[0-3]):[0-5]\\d$|^24:00$',
  description: 'a local time HH:MM, e.g. "08:30" (quote it in YAML)',
});
export const Positive = Type.Number({ exclusiveMinimum: 0 });
export const NonNegative = Type.Number({ minimum: 0 });
export const Pct = Type.Number({ minimum: 0, maximum: 100 });
export const Efficiency = Type.Number({ exclusiveMinimum: 0, maximum: 1 });
export const Price = Type.Number();

export const SERVE_PROTOCOLS = ['modbus', 'opcua', 'mqtt'] as const;
export const Serve = Type.Enum(SERVE_PROTOCOLS);
export const UnitId = Type.Integer({ minimum: 1, maximum: 247 });

/** Fields every simulated device may carry: how it is served and how fast it follows commands. */
export const DeviceCommon = {
  id: Id,
  /** Protocol the simulator serves this device over; default modbus. */
  serve: Type.Optional(Serve),
  /** Modbus unit id on the site's server; default: assigned in file order. */
  unitId: Type.Optional(UnitId),
  /** Seconds before a new command starts to take effect (real inverters: 0.2–2 s). */
  responseDelayS: Type.Optional(Type.Number({ minimum: 0, maximum: 600 })),
  /** Largest change of power per second once a command takes effect; absent = a step. */
  rampKwPerS: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
};

export const Weather = Type.Enum(WEATHER_NAMES);
export const BdewProfile = Type.Enum(BDEW_PROFILE_NAMES);
