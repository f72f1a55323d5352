import Type from 'typebox';
import { Id, IsoWithOffset, Positive } from './common.js';

/**
 * Fault entries, one schema per `kind`. `durationS` absent means: until the end of the
 * scenario, except for deviceReboot, where it is the downtime and absent means an instant.
 */
const FaultCommon = {
  at: IsoWithOffset,
  /** Asset id (unique in the scenario; a site's meter is `<site id>-meter` unless named). */
  asset: Type.Optional(Id),
  durationS: Type.Optional(Positive),
};

const AssetFault = { ...FaultCommon, asset: Id };

/** The device does not answer at all. */
export const CommLossSchema = Type.Object({ kind: Type.Literal('commLoss'), ...AssetFault }, { additionalProperties: false });

/** Readings stay frozen at their values when the fault starts; commands still act. */
export const StuckValueSchema = Type.Object({ kind: Type.Literal('stuckValue'), ...AssetFault }, { additionalProperties: false });

/** Readings get ± pct percent of seeded random noise. */
export const NoiseFaultSchema = Type.Object(
  { kind: Type.Literal('noise'), ...AssetFault, pct: Type.Number({ exclusiveMinimum: 0, maximum: 100 }) },
  { additionalProperties: false },
);

/** Every answer comes delayMs late. */
export const SlowResponseSchema = Type.Object(
  { kind: Type.Literal('slowResponse'), ...AssetFault, delayMs: Type.Number({ exclusiveMinimum: 0, maximum: 600000 }) },
  { additionalProperties: false },
);

/** Registers reset, setpoints lost, at `at`; silent for durationS when given. */
export const DeviceRebootSchema = Type.Object({ kind: Type.Literal('deviceReboot'), ...AssetFault }, { additionalProperties: false });

/** The MQTT connection of one asset (`asset`) or of a whole site (`site`) drops for durationS. */
export const BrokerDisconnectSchema = Type.Object(
  { kind: Type.Literal('brokerDisconnect'), ...FaultCommon, site: Type.Optional(Id) },
  { additionalProperties: false },
);

export const FAULT_SCHEMAS = {
  commLoss: CommLossSchema,
  stuckValue: StuckValueSchema,
  noise: NoiseFaultSchema,
  slowResponse: SlowResponseSchema,
  deviceReboot: DeviceRebootSchema,
  brokerDisconnect: BrokerDisconnectSchema,
} as const;
export type FaultKind = keyof typeof FAULT_SCHEMAS;
export const FAULT_KINDS = Object.keys(FAULT_SCHEMAS) as FaultKind[];
export const FaultHeadSchema = Type.Object({ kind: Type.Enum(FAULT_KINDS) });
