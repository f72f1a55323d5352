/**
 * A demand-response programme and a site's enrolment in it (issue 7). OpenADR 3 has a program
 * object but none for enrolment: there, targets say who takes part. Our registry keeps one
 * enrolment per (program, site), with the limits the site agreed to; the controller never
 * dispatches past them (src/events/README.md says which limit refuses and which clips).
 */

/**
 * What the programme pays, as M&V settles it (the same shape as src/mv's `Rate`): per kWh
 * delivered over the window, or per kW of mean delivered load.
 */
export type ProgramRate =
  | { readonly kind: 'energy'; readonly pricePerKwh: number; readonly penaltyPerKwh?: number }
  | { readonly kind: 'capacity'; readonly pricePerKw: number; readonly penaltyPerKw?: number };

/** OpenADR 3 `program`, the fields we use (programName is OpenADR's short unique name). */
export interface Program {
  readonly id: string;
  readonly name: string;
  readonly longName?: string;
  readonly programType?: string;
  readonly rate?: ProgramRate;
  readonly createdAtMs: number;
  readonly modifiedAtMs: number;
}

/** An EV charger's needs the programme must respect: the car leaves with its energy. */
export interface EvDepartureNeed {
  /** Local departure "HH:MM" in the site's zone. */
  readonly departs: string;
  readonly energyNeededKwh: number;
}

/**
 * The limits a site agreed to. A numeric limit that is absent is no limit (said so in the
 * enrolment, never inferred from a missing value).
 */
export interface EnrolmentLimits {
  /** An event longer than this is held only this long at the site, s. */
  readonly maxEventDurationS?: number;
  /** Events per local calendar day (site zone), counted by the day each starts. */
  readonly maxEventsPerDay?: number;
  /** Events per local ISO week (Monday to Sunday, site zone). */
  readonly maxEventsPerWeek?: number;
  /** Least time between the event's creation and its start at the site, s. */
  readonly minNoticeS?: number;
  /** Largest shed against the baseline the site ever gives, kW (> 0). */
  readonly maxShedKw?: number;
  /** Per battery asset id: SoC the event never takes it below, percent 0..100. */
  readonly socFloorPct?: Readonly<Record<string, number>>;
  /** Per HVAC asset id: comfort band half-width the event may use, °C (<= the asset's own). */
  readonly comfortBandC?: Readonly<Record<string, number>>;
  /** Per EV charger asset id: departure and energy the car must still get. */
  readonly evDepartures?: Readonly<Record<string, EvDepartureNeed>>;
}

export interface Enrolment {
  readonly programId: string;
  readonly siteId: string;
  /** The site's IANA zone: days and weeks of the per-day/per-week limits are counted in it. */
  readonly timezone: string;
  /** The site's assets taking part. */
  readonly assetIds: readonly string[];
  readonly limits: EnrolmentLimits;
  readonly createdAtMs: number;
  readonly modifiedAtMs: number;
}
