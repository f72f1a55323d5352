/**
 * OpenADR 3.0.1 objects as the spec shapes them (components.schemas of the 3.0.1 OpenAPI
 * document, copied in src/api/openadr/openadr3.yaml). Hand-written from that document; the
 * unit test test/unit/openadr-schemas.test.ts validates typed examples of each against it.
 * Field names are the spec's (`programID`, `venName`), not ours: these are wire shapes, mapped
 * to sites and assets at the API edge. Optional + `| null` mirrors the spec's `nullable: true`.
 * Times are ISO 8601 strings with offset and durations ISO 8601 durations (`PT15M`), as on the wire.
 */

/** `^[a-zA-Z0-9_-]*$`, 1..128 characters; assigned by the VTN (us). */
export type OpenAdrObjectId = string;
/** ISO 8601 date-time with offset, e.g. `2025-07-15T14:00:00+08:00`. */
export type OpenAdrDateTime = string;
/** ISO 8601 duration, e.g. `PT1H`, `-PT8H`; `PT0S` means instantaneous or unbounded. */
export type OpenAdrDuration = string;

export const OPENADR_OBJECT_TYPES = ['PROGRAM', 'EVENT', 'REPORT', 'SUBSCRIPTION', 'VEN', 'RESOURCE'] as const;
export type OpenAdrObjectType = (typeof OPENADR_OBJECT_TYPES)[number];

/** Filled in by the server on create (CONTRACTS.md "HTTP API": objectType, id, createdDateTime). */
interface ServerFilled<T extends OpenAdrObjectType> {
  readonly id?: OpenAdrObjectId;
  readonly createdDateTime?: OpenAdrDateTime;
  readonly modificationDateTime?: OpenAdrDateTime;
  readonly objectType?: T;
}

export interface OpenAdrPoint {
  readonly x: number;
  readonly y: number;
}

/** `{type: 'VEN_NAME', values: ['plant-1']}`: a target, attribute or payload. */
export interface OpenAdrValuesMap {
  readonly type: string;
  readonly values: readonly (number | string | boolean | OpenAdrPoint)[];
}

export interface OpenAdrIntervalPeriod {
  readonly start: OpenAdrDateTime;
  readonly duration?: OpenAdrDuration;
  readonly randomizeStart?: OpenAdrDuration;
}

export interface OpenAdrInterval {
  /** Client-chosen int32, not a sequence number. */
  readonly id: number;
  readonly intervalPeriod?: OpenAdrIntervalPeriod;
  readonly payloads: readonly OpenAdrValuesMap[];
}

export interface OpenAdrEventPayloadDescriptor {
  readonly objectType?: 'EVENT_PAYLOAD_DESCRIPTOR';
  readonly payloadType: string;
  readonly units?: string | null;
  readonly currency?: string | null;
}

export interface OpenAdrReportPayloadDescriptor {
  readonly objectType?: 'REPORT_PAYLOAD_DESCRIPTOR';
  readonly payloadType: string;
  readonly readingType?: string | null;
  readonly units?: string | null;
  readonly accuracy?: number | null;
  /** 0..100. */
  readonly confidence?: number | null;
}

export interface OpenAdrReportDescriptor {
  readonly payloadType: string;
  readonly readingType?: string | null;
  readonly units?: string | null;
  readonly targets?: readonly OpenAdrValuesMap[] | null;
  readonly aggregate?: boolean;
  readonly startInterval?: number;
  readonly numIntervals?: number;
  readonly historical?: boolean;
  readonly frequency?: number;
  readonly repeat?: number;
}

export interface OpenAdrProgram extends ServerFilled<'PROGRAM'> {
  readonly programName: string;
  readonly programLongName?: string | null;
  readonly retailerName?: string | null;
  readonly retailerLongName?: string | null;
  readonly programType?: string | null;
  readonly country?: string | null;
  readonly principalSubdivision?: string | null;
  readonly timeZoneOffset?: OpenAdrDuration;
  readonly intervalPeriod?: OpenAdrIntervalPeriod;
  readonly programDescriptions?: readonly { readonly URL: string }[] | null;
  readonly bindingEvents?: boolean | null;
  readonly localPrice?: boolean | null;
  readonly payloadDescriptors?: readonly (OpenAdrEventPayloadDescriptor | OpenAdrReportPayloadDescriptor)[] | null;
  readonly targets?: readonly OpenAdrValuesMap[] | null;
}

export interface OpenAdrEvent extends ServerFilled<'EVENT'> {
  readonly programID: OpenAdrObjectId;
  readonly eventName?: string | null;
  /** >= 0; lower is more important. */
  readonly priority?: number | null;
  readonly targets?: readonly OpenAdrValuesMap[] | null;
  readonly reportDescriptors?: readonly OpenAdrReportDescriptor[] | null;
  readonly payloadDescriptors?: readonly OpenAdrEventPayloadDescriptor[] | null;
  readonly intervalPeriod?: OpenAdrIntervalPeriod;
  readonly intervals: readonly OpenAdrInterval[];
}

/**
 * Report payload types this controller sends (issue 7). The 3.0.1 document names payload types
 * only by example (`USAGE`); these names are from OpenADR 3's payload type enumeration (3.1.0,
 * see the reference README), whose Definitions give their meanings and units.
 */
export const OPENADR_REPORT_PAYLOAD_TYPES = ['READING', 'USAGE', 'DEMAND', 'BASELINE', 'DELTA_USAGE'] as const;
export type OpenAdrReportPayloadType = (typeof OPENADR_REPORT_PAYLOAD_TYPES)[number];

export interface OpenAdrReportResource {
  /** `AGGREGATED_REPORT` for an aggregate of several resources. */
  readonly resourceName: string;
  readonly intervalPeriod?: OpenAdrIntervalPeriod;
  readonly intervals: readonly OpenAdrInterval[];
}

export interface OpenAdrReport extends ServerFilled<'REPORT'> {
  readonly programID: OpenAdrObjectId;
  readonly eventID: OpenAdrObjectId;
  readonly clientName: string;
  readonly reportName?: string | null;
  readonly payloadDescriptors?: readonly OpenAdrReportPayloadDescriptor[] | null;
  readonly resources: readonly OpenAdrReportResource[];
}

export type OpenAdrOperation = 'READ' | 'CREATE' | 'UPDATE' | 'DELETE';

export interface OpenAdrObjectOperation {
  readonly objects: readonly OpenAdrObjectType[];
  readonly operations: readonly OpenAdrOperation[];
  readonly callbackUrl: string;
  readonly bearerToken?: string | null;
}

export interface OpenAdrSubscription extends ServerFilled<'SUBSCRIPTION'> {
  readonly clientName: string;
  readonly programID: OpenAdrObjectId;
  readonly objectOperations: readonly OpenAdrObjectOperation[];
  readonly targets?: readonly OpenAdrValuesMap[] | null;
}

export interface OpenAdrResource extends ServerFilled<'RESOURCE'> {
  readonly resourceName: string;
  /** Filled in by the server from the path (`/vens/{venID}/resources`). */
  readonly venID?: OpenAdrObjectId;
  readonly attributes?: readonly OpenAdrValuesMap[] | null;
  readonly targets?: readonly OpenAdrValuesMap[] | null;
}

export interface OpenAdrVen extends ServerFilled<'VEN'> {
  readonly venName: string;
  readonly attributes?: readonly OpenAdrValuesMap[] | null;
  readonly targets?: readonly OpenAdrValuesMap[] | null;
  readonly resources?: readonly OpenAdrResource[] | null;
}

export type OpenAdrObject = OpenAdrProgram | OpenAdrEvent | OpenAdrReport | OpenAdrSubscription | OpenAdrVen | OpenAdrResource;

/** What a subscription's callbackUrl receives. `operation` is HTTP-style, as the spec has it. */
export interface OpenAdrNotification {
  readonly objectType: OpenAdrObjectType;
  readonly operation: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly object: OpenAdrObject;
  readonly targets?: readonly OpenAdrValuesMap[] | null;
}

/** Kind name (as in openAdrSchemaIds) -> type, for generic helpers. */
export interface OpenAdrObjects {
  readonly program: OpenAdrProgram;
  readonly event: OpenAdrEvent;
  readonly report: OpenAdrReport;
  readonly subscription: OpenAdrSubscription;
  readonly ven: OpenAdrVen;
  readonly resource: OpenAdrResource;
  readonly notification: OpenAdrNotification;
}

/** An object as our API returns it: the server-filled fields are always there. */
export type OpenAdrReturned<T extends OpenAdrObject> = T & Required<Pick<T, 'id' | 'createdDateTime' | 'objectType'>>;
