import Type, { type Static } from 'typebox';
import { CarbonSchema, ForecastSchema, LocationSchema, TariffSchema } from './planning.js';
import { NorthboundSchema } from './northbound.js';

/**
 * Schemas of the configuration file as people write it (config/default.yaml). Field names
 * carry their units. Asset entries are checked in two steps — `type` first, then the schema
 * of that type — so an error names the real field instead of "must match a schema in anyOf".
 */
const Id = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' });
const Kw = Type.Number({ exclusiveMinimum: 0 });
const Pct = Type.Number({ minimum: 0, maximum: 100 });
const Efficiency = Type.Number({ exclusiveMinimum: 0, maximum: 1 });
const Binding = Type.String({ minLength: 1 });
/** Mode at start (issue 6); `manual` needs an operator setpoint, so it is set through the API only. */
const StartMode = Type.Optional(Type.Enum(['auto', 'shadow', 'off']));

const AssetCommon = {
  id: Id,
  binding: Binding,
  /** A reading older than this is stale (default: 5 × the poll interval, at least 5 s). */
  staleAfterS: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
  pollIntervalS: Type.Optional(Type.Number({ minimum: 0.1, maximum: 3600 })),
  mode: StartMode,
};

export const ASSET_TYPES = ['meter', 'load', 'pv', 'battery', 'evCharger', 'hvac'] as const;
export const AssetHeadSchema = Type.Object({ type: Type.Enum(ASSET_TYPES) });

const LoadProfile = Type.Object(
  {
    bdew: Type.Optional(Type.Enum(['g25', 'h25', 'l25'])),
    annualKwh: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    constantKw: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export const MeterSchema = Type.Object(
  {
    type: Type.Literal('meter'),
    ...AssetCommon,
    /** The CT is mounted the other way round: the meter's sign is flipped (and import/export swapped) at the edge. */
    invert: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export const LoadSchema = Type.Object(
  {
    type: Type.Literal('load'),
    ...AssetCommon,
    /** How the simulator draws this load (demo only). */
    simulate: Type.Optional(Type.Object({ profile: LoadProfile }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

export const PvSchema = Type.Object(
  {
    type: Type.Literal('pv'),
    ...AssetCommon,
    kwp: Kw,
    simulate: Type.Optional(
      Type.Object({ weather: Type.Enum(['tmy3-723170']) }, { additionalProperties: false }),
    ),
  },
  { additionalProperties: false },
);

export const BatterySchema = Type.Object(
  {
    type: Type.Literal('battery'),
    ...AssetCommon,
    capacityKwh: Kw,
    maxChargeKw: Kw,
    maxDischargeKw: Kw,
    minSocPct: Type.Optional(Pct),
    maxSocPct: Type.Optional(Pct),
    chargeEfficiency: Type.Optional(Efficiency),
    dischargeEfficiency: Type.Optional(Efficiency),
    /** Device-side revert timer for setpoints (safe state when the controller goes quiet). */
    revertS: Type.Optional(Type.Number({ minimum: 2, maximum: 3600 })),
    /** Setpoints move away from zero at most this fast (equipment and grid ramp limits). */
    rampKwPerS: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    /** May charge from the grid (default true); false = from on-site PV only (SunSpec 124 ChaGriSet). */
    gridChargingAllowed: Type.Optional(Type.Boolean()),
    simulate: Type.Optional(Type.Object({ socPct: Pct }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

/** An EV charger: the session defaults apply when the car reports no departure and energy (both or neither). */
export const EvChargerSchema = Type.Object(
  {
    type: Type.Literal('evCharger'),
    ...AssetCommon,
    maxKw: Kw,
    /** Lowest charging power but a pause; default IEC 61851's 6 A × phases × voltageV. 0 = modulates to nothing. */
    minKw: Type.Optional(Type.Number({ minimum: 0 })),
    /** Default 3. */
    phases: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(3)])),
    /** Phase-to-neutral voltage, default 230. */
    voltageV: Type.Optional(Type.Number({ minimum: 100, maximum: 400 })),
    /** Default departure, local "HH:MM" in the site's zone. */
    departs: Type.Optional(Type.String({ pattern: '^([01]\\d|2[0-3]):[0-5]\\d$' })),
    /** Default energy a car wants per session. */
    energyNeededKwh: Type.Optional(Kw),
    /** Plan the car full this long before departure (default 900). */
    departureMarginS: Type.Optional(Type.Number({ minimum: 0, maximum: 14400 })),
    revertS: Type.Optional(Type.Number({ minimum: 2, maximum: 3600 })),
  },
  { additionalProperties: false },
);

/** An HVAC unit; thermal parameters default to the simulator's (domain hvacThermalDefaults). */
export const HvacSchema = Type.Object(
  {
    type: Type.Literal('hvac'),
    ...AssetCommon,
    ratedKw: Kw,
    setpointC: Type.Number({ minimum: -30, maximum: 60 }),
    /** The room must stay within setpointC ± comfortBandC. */
    comfortBandC: Type.Number({ exclusiveMinimum: 0, maximum: 20 }),
    /** Default cooling (named apart from `mode`, the operating mode). */
    thermalMode: Type.Optional(Type.Enum(['cooling', 'heating'])),
    hysteresisC: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10 })),
    cop: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10 })),
    thermalResistanceCPerKw: Type.Optional(Kw),
    thermalCapacityKwhPerC: Type.Optional(Kw),
    designOutdoorC: Type.Optional(Type.Number({ minimum: -50, maximum: 60 })),
    internalGainsKw: Type.Optional(Type.Number({ minimum: 0 })),
  },
  { additionalProperties: false },
);

export const SiteSchema = Type.Object(
  {
    id: Id,
    name: Type.Optional(Type.String({ minLength: 1 })),
    timezone: Type.String({ minLength: 1 }),
    gridImportLimitKw: Kw,
    gridExportLimitKw: Type.Optional(Kw),
    peakTargetKw: Type.Optional(Kw),
    rechargeBelowKw: Type.Optional(Type.Number({ minimum: 0 })),
    /** OpenADR SIMPLE levels 0..3 as kW shed against the baseline; [0] must be 0 (normal operation). */
    simpleShedKw: Type.Optional(Type.Array(Type.Number({ minimum: 0 }), { minItems: 4, maxItems: 4 })),
    mode: StartMode,
    /** The planner's inputs (issue 6, src/config/planning.ts); `tariff:` and `carbon:` as in a scenario file. */
    tariff: Type.Optional(TariffSchema),
    carbon: Type.Optional(CarbonSchema),
    location: Type.Optional(LocationSchema),
    forecast: Type.Optional(ForecastSchema),
    /** Checked per entry against the schema of its `type`. */
    assets: Type.Array(Type.Unknown(), { minItems: 1 }),
  },
  { additionalProperties: false },
);

export const ConfigSchema = Type.Object(
  {
    http: Type.Optional(
      Type.Object(
        { host: Type.Optional(Type.String({ minLength: 1 })), port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })) },
        { additionalProperties: false },
      ),
    ),
    store: Type.Optional(
      Type.Object(
        {
          kind: Type.Enum(['sqlite', 'influx']),
          dataDir: Type.Optional(Type.String({ minLength: 1 })),
          url: Type.Optional(Type.String({ pattern: '^https?://' })),
          database: Type.Optional(Id),
          /** Days each resolution is kept, 0 = forever (README: Records); >= 1/24 is checked at load. */
          retention: Type.Optional(
            Type.Object(
              {
                rawDays: Type.Optional(Type.Number({ minimum: 0 })),
                rollup1mDays: Type.Optional(Type.Number({ minimum: 0 })),
                rollup15mDays: Type.Optional(Type.Number({ minimum: 0 })),
              },
              { additionalProperties: false },
            ),
          ),
          /** The on-disk buffer while the store is down; default `<data dir>/spool`, 1 GiB. */
          spool: Type.Optional(
            Type.Object(
              { maxBytes: Type.Optional(Type.Integer({ minimum: 1 })), dir: Type.Optional(Type.String({ minLength: 1 })) },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
    control: Type.Optional(
      Type.Object({ cycleS: Type.Optional(Type.Number({ minimum: 0.1, maximum: 60 })) }, { additionalProperties: false }),
    ),
    simulation: Type.Optional(
      Type.Object(
        {
          /** The simulated clock's start, ISO 8601 with offset. */
          startAt: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?(Z|[+-]\\d{2}:\\d{2})$' }),
          speed: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10000 })),
        },
        { additionalProperties: false },
      ),
    ),
    /**
     * Scale-out (ARCHITECTURE.md): several controller processes share the sites, each site owned
     * by one at a time through PostgreSQL. Absent: this process controls every site.
     */
    cluster: Type.Optional(
      Type.Object(
        {
          /** postgres://user@host:port/db; VPP_POSTGRES_URL overrides. */
          postgresUrl: Type.Optional(Type.String({ pattern: '^postgres(ql)?://' })),
          /** Unique per process; VPP_CONTROLLER_ID overrides; default <hostname>-<pid>. */
          controllerId: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_.-]{1,48}$' })),
          /** How often ownership is checked and free sites claimed, s; default 1. */
          claimIntervalS: Type.Optional(Type.Number({ minimum: 0.1, maximum: 60 })),
          /** MQTT broker on which the controllers share their sites' summaries (the fleet view); absent: none. */
          fleetMqttUrl: Type.Optional(Type.String({ pattern: '^mqtts?://' })),
        },
        { additionalProperties: false },
      ),
    ),
    /** Act as an OpenADR 3 VEN toward an upstream utility VTN (src/config/northbound.ts). */
    northbound: Type.Optional(NorthboundSchema),
    sites: Type.Array(SiteSchema, { minItems: 1 }),
  },
  { additionalProperties: false },
);

export type ConfigFile = Static<typeof ConfigSchema>;
export type MeterEntry = Static<typeof MeterSchema>;
export type LoadEntry = Static<typeof LoadSchema>;
export type PvEntry = Static<typeof PvSchema>;
export type BatteryEntry = Static<typeof BatterySchema>;
export type EvChargerEntry = Static<typeof EvChargerSchema>;
export type HvacEntry = Static<typeof HvacSchema>;
