import Type, { type TSchema } from 'typebox';
import { BatterySchema, LoadSchema, PvSchema } from './assets.js';
import { Id, IsoWithOffset, LocalTime, NonNegative, Positive, Price, Serve, UnitId } from './common.js';
import { EvChargerSchema, HvacSchema } from './flex-assets.js';
import { FAULT_SCHEMAS, FaultHeadSchema } from './faults.js';

/**
 * The scenario file, version 1 (../shared/CONTRACTS.md "Scenario file"). Validation runs in two
 * steps: this top level with asset and fault entries left open, then each entry against the
 * schema of its `type` / `kind`. ScenarioFileSchema joins them for editors and documentation.
 */
export const SCENARIO_VERSIONS = [1] as const;

export const ASSET_SCHEMAS = {
  load: LoadSchema,
  pv: PvSchema,
  battery: BatterySchema,
  hvac: HvacSchema,
  evCharger: EvChargerSchema,
} as const;
export type ScenarioAssetType = keyof typeof ASSET_SCHEMAS;
export const SCENARIO_ASSET_TYPES = Object.keys(ASSET_SCHEMAS) as ScenarioAssetType[];
export const AssetHeadSchema = Type.Object({ type: Type.Enum(SCENARIO_ASSET_TYPES) });

export const TariffPeriodSchema = Type.Object(
  { from: LocalTime, to: LocalTime, pricePerKwh: Price },
  { additionalProperties: false },
);

export const TariffSchema = Type.Object(
  {
    /** Time of use in the site's local time; periods cover 00:00–24:00 without overlap. */
    import: Type.Array(TariffPeriodSchema, { minItems: 1 }),
    exportPricePerKwh: Type.Optional(Price),
    /** On the peak 15-minute average import. */
    demandChargePerKw: Type.Optional(NonNegative),
    /** block: clock-aligned quarter hours; sliding: 15 min moved each minute. Default block. */
    demandWindow: Type.Optional(Type.Enum(['block', 'sliding'])),
  },
  { additionalProperties: false },
);

/** Exactly one of gridKgPerKwh or csv (`time,kgPerKwh`): checked in checks.ts. */
export const CarbonSchema = Type.Object(
  { gridKgPerKwh: Type.Optional(NonNegative), csv: Type.Optional(Type.String({ minLength: 1 })) },
  { additionalProperties: false },
);

export const MeterSchema = Type.Object(
  {
    /** Asset id of the grid meter (faults name it); default `<site id>-meter`. */
    id: Type.Optional(Id),
    serve: Type.Optional(Serve),
    unitId: Type.Optional(UnitId),
    /** The meter reports grid power this many seconds late (real meters lag). Default 0. */
    lagS: Type.Optional(Type.Number({ minimum: 0, maximum: 60 })),
  },
  { additionalProperties: false },
);

function siteSchema<T extends TSchema>(asset: T) {
  return Type.Object(
    {
      id: Id,
      /** IANA zone; default the fixed offset of `start`. */
      timezone: Type.Optional(Type.String({ minLength: 1 })),
      gridImportLimitKw: Positive,
      gridExportLimitKw: Type.Optional(Positive),
      peakTargetKw: Type.Optional(Positive),
      meter: Type.Optional(MeterSchema),
      assets: Type.Array(asset),
    },
    { additionalProperties: false },
  );
}
export const SiteSchema = siteSchema(Type.Unknown());

export const EventSchema = Type.Object(
  {
    id: Id,
    sites: Type.Array(Id, { minItems: 1 }),
    start: IsoWithOffset,
    durationMin: Positive,
    /** OpenADR 3 event types with a kW value. */
    type: Type.Enum(['IMPORT_CAPACITY_LIMIT', 'EXPORT_CAPACITY_LIMIT']),
    valueKw: NonNegative,
  },
  { additionalProperties: false },
);

function scenarioSchema<A extends TSchema, F extends TSchema>(asset: A, fault: F) {
  return Type.Object(
    {
      version: Type.Literal(1),
      name: Type.String({ minLength: 1 }),
      /** Seed of every random source (load noise, noise faults, noisy forecasts). Default 1. */
      seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 4294967295 })),
      start: IsoWithOffset,
      durationH: Positive,
      /** Physics and control step; must divide 60 s or be a multiple of 60 s dividing 900 s. */
      stepS: Positive,
      forecast: Type.String({ description: 'perfect, persistence or noisy:<pct>' }),
      tariff: Type.Optional(TariffSchema),
      carbon: Type.Optional(CarbonSchema),
      sites: Type.Array(siteSchema(asset), { minItems: 1 }),
      events: Type.Optional(Type.Array(EventSchema)),
      faults: Type.Optional(Type.Array(fault)),
    },
    { additionalProperties: false },
  );
}

/** The top level as validated first: asset and fault entries are checked one by one after. */
export const ScenarioTopSchema = scenarioSchema(Type.Unknown(), Type.Unknown());

/** The whole file as one JSON Schema (for editors and docs; the loader gives better errors). */
export const ScenarioFileSchema = scenarioSchema(
  Type.Union(Object.values(ASSET_SCHEMAS)),
  Type.Union(Object.values(FAULT_SCHEMAS)),
);
export { FaultHeadSchema };
