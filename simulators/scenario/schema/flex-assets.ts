import Type from 'typebox';
import { DeviceCommon, IsoWithOffset, LocalTime, Positive, Weather } from './common.js';

/** HVAC and EV charger entries: the flexible loads. */

export const HvacSchema = Type.Object(
  {
    type: Type.Literal('hvac'),
    ...DeviceCommon,
    /** Electric power of the compressor at full load. */
    ratedKw: Positive,
    setpointC: Type.Number({ minimum: -30, maximum: 60 }),
    /** Comfort band: setpointC ± comfortBandC is acceptable. */
    comfortBandC: Type.Number({ exclusiveMinimum: 0, maximum: 20 }),
    /** Default cooling. */
    mode: Type.Optional(Type.Enum(['cooling', 'heating'])),
    /** 1R1C thermal model; defaults are derived from ratedKw by the model. */
    thermalResistanceCPerKw: Type.Optional(Positive),
    thermalCapacityKwhPerC: Type.Optional(Positive),
    cop: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10 })),
    hysteresisC: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 10 })),
    /** Indoor temperature at the start; default setpointC. */
    initialTempC: Type.Optional(Type.Number({ minimum: -30, maximum: 60 })),
    /** Outdoor temperature source; default the only station shipped, tmy3-723170. */
    weather: Type.Optional(Weather),
  },
  { additionalProperties: false },
);

export const EvSessionSchema = Type.Object(
  {
    arrives: IsoWithOffset,
    departs: IsoWithOffset,
    energyNeededKwh: Positive,
  },
  { additionalProperties: false },
);

/**
 * Either a daily session (`arrives`, `departs` local times in the site's zone and
 * `energyNeededKwh`; `departs` before `arrives` means the next day) or explicit `sessions`.
 */
export const EvChargerSchema = Type.Object(
  {
    type: Type.Literal('evCharger'),
    ...DeviceCommon,
    maxKw: Positive,
    arrives: Type.Optional(LocalTime),
    departs: Type.Optional(LocalTime),
    energyNeededKwh: Type.Optional(Positive),
    sessions: Type.Optional(Type.Array(EvSessionSchema, { minItems: 1 })),
    /** Default 3. */
    phases: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(3)], { description: '1 or 3' })),
    /** Phase voltage; default 230. */
    voltageV: Type.Optional(Type.Number({ minimum: 100, maximum: 400 })),
    /** Smallest current the car accepts (IEC 61851: 6 A). */
    minA: Type.Optional(Type.Number({ minimum: 0, maximum: 80 })),
  },
  { additionalProperties: false },
);
