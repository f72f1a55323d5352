import Type from 'typebox';
import { BdewProfile, DeviceCommon, Efficiency, IsoWithOffset, NonNegative, Pct, Positive, Weather } from './common.js';

/**
 * Load, PV and battery entries. Each asset entry is checked against the schema of its `type`
 * only, so an error names the real field rather than "must match one of 5 schemas".
 */

/** Exactly one of {bdew, annualKwh}, {constantKw} or {csv}: checked in checks-assets.ts. */
export const LoadProfileSchema = Type.Object(
  {
    bdew: Type.Optional(BdewProfile),
    annualKwh: Type.Optional(Positive),
    constantKw: Type.Optional(NonNegative),
    /** CSV `time,powerKw`, ISO times with offset, path relative to the scenario file. */
    csv: Type.Optional(Type.String({ minLength: 1 })),
  },
  { additionalProperties: false },
);

export const LoadStepSchema = Type.Object(
  {
    at: IsoWithOffset,
    /** Added to the profile from `at` (negative: a machine switched off). */
    deltaKw: Type.Number(),
    /** How long the step lasts; absent = to the end of the scenario. */
    durationS: Type.Optional(Positive),
  },
  { additionalProperties: false },
);

export const LoadSchema = Type.Object(
  {
    type: Type.Literal('load'),
    ...DeviceCommon,
    profile: LoadProfileSchema,
    /** Multiplicative noise, ± pct percent, seeded from the scenario seed and the asset id. */
    noise: Type.Optional(Type.Object({ pct: Type.Number({ minimum: 0, maximum: 100 }) }, { additionalProperties: false })),
    steps: Type.Optional(Type.Array(LoadStepSchema)),
  },
  { additionalProperties: false },
);

export const PvSchema = Type.Object(
  {
    type: Type.Literal('pv'),
    ...DeviceCommon,
    kwp: Positive,
    weather: Weather,
    /** Inverter AC rating (clipping, and the base of WMaxLimPct); default kwp. */
    acKw: Type.Optional(Positive),
  },
  { additionalProperties: false },
);

/** What the battery does when its revert timer runs out (SunSpec 704 revert values). */
export const FallbackSchema = Type.Union(
  [
    Type.Literal('idle'),
    Type.Object({ powerKw: Type.Number() }, { additionalProperties: false }),
    Type.Object({ limitPct: Pct }, { additionalProperties: false }),
  ],
  { description: 'idle, {powerKw: number} or {limitPct: 0..100}' },
);

export const BatterySchema = Type.Object(
  {
    type: Type.Literal('battery'),
    ...DeviceCommon,
    capacityKwh: Positive,
    maxChargeKw: Positive,
    maxDischargeKw: Positive,
    /** SoC at the start; default halfway between minSocPct and maxSocPct. */
    socPct: Type.Optional(Pct),
    minSocPct: Type.Optional(Pct),
    maxSocPct: Type.Optional(Pct),
    chargeEfficiency: Type.Optional(Efficiency),
    dischargeEfficiency: Type.Optional(Efficiency),
    /** Within taperPct of a SoC bound, power towards it falls linearly to 0 at the bound. */
    taperPct: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 50 })),
    fallback: Type.Optional(FallbackSchema),
  },
  { additionalProperties: false },
);
