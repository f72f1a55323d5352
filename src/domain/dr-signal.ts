/**
 * The OpenADR 3 event payload types this controller accepts, one value each, as an event
 * interval carries them (`valuesMap: [{type, values: [v]}]`). The meanings quote OpenADR 3's
 * Definitions (payloadType enumeration; the 3.0.1 OpenAPI document names the types only by
 * example, see /work/shared/reference/openadr3/README.md). Units here are fixed (kW, per kWh,
 * g/kWh): whoever reads an event converts from its payloadDescriptor `units` once, at the edge.
 * A scenario event `{type: IMPORT_CAPACITY_LIMIT, valueKw: 450}` is already a DrSignal.
 *
 * Powers follow the load convention: consumption (import) > 0, export < 0.
 */
export const DR_SIGNAL_TYPES = [
  'IMPORT_CAPACITY_LIMIT',
  'EXPORT_CAPACITY_LIMIT',
  'DISPATCH_SETPOINT',
  'DISPATCH_SETPOINT_RELATIVE',
  'SIMPLE',
  'PRICE',
  'GHG',
] as const;
export type DrSignalType = (typeof DR_SIGNAL_TYPES)[number];

interface SignalBase {
  /** The event the signal came from, for setpoint reasons and reports. */
  readonly eventId?: string;
}

/** OpenADR: "The maximum import level for the site." valueKw >= 0. */
export interface ImportCapacityLimitSignal extends SignalBase {
  readonly type: 'IMPORT_CAPACITY_LIMIT';
  readonly valueKw: number;
}

/** OpenADR: "The maximum export level for the site." valueKw >= 0 (an export of that many kW). */
export interface ExportCapacityLimitSignal extends SignalBase {
  readonly type: 'EXPORT_CAPACITY_LIMIT';
  readonly valueKw: number;
}

/**
 * OpenADR: "The absolute amount of consumption by a resource. [...] This is used to dispatch
 * resources." The resource here is the site: its grid power is to be held at valueKw (< 0 asks
 * for export).
 */
export interface DispatchSetpointSignal extends SignalBase {
  readonly type: 'DISPATCH_SETPOINT';
  readonly valueKw: number;
}

/**
 * OpenADR: "The relative change of consumption by a resource. [...] This is used to dispatch a
 * resource's load." Signed like any change of consumption: -50 asks for 50 kW less than the
 * baseline (a shed), +50 for 50 kW more.
 */
export interface DispatchSetpointRelativeSignal extends SignalBase {
  readonly type: 'DISPATCH_SETPOINT_RELATIVE';
  readonly valueKw: number;
}

/**
 * OpenADR: "An indication of the level of a basic demand response signal. Payload value is an
 * integer of 0, 1, 2, or 3. Note: An example mapping is normal operations, moderate load shed,
 * high load shed, and emergency load shed." The kW per level is the site's (Site.simpleShedKw).
 */
export interface SimpleSignal extends SignalBase {
  readonly type: 'SIMPLE';
  readonly level: 0 | 1 | 2 | 3;
}

/**
 * OpenADR: "The price of energy. Payload value is a float. Units and currency defined in
 * associated eventPayloadDescriptor." Here per kWh (may be negative: paid to consume).
 */
export interface PriceSignal extends SignalBase {
  readonly type: 'PRICE';
  readonly pricePerKwh: number;
  /** ISO 4217, from the payload descriptor's `currency`, when it gives one. */
  readonly currency?: string;
}

/** OpenADR: "An estimate of marginal GreenHouse Gas emissions, in g/kWh." gPerKwh >= 0. */
export interface GhgSignal extends SignalBase {
  readonly type: 'GHG';
  readonly gPerKwh: number;
}

export type DrSignal =
  | ImportCapacityLimitSignal
  | ExportCapacityLimitSignal
  | DispatchSetpointSignal
  | DispatchSetpointRelativeSignal
  | SimpleSignal
  | PriceSignal
  | GhgSignal;
