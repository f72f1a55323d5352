import type { OpenAdrInterval, OpenAdrReport, OpenAdrReportPayloadDescriptor, OpenAdrValuesMap } from '../../domain/index.js';
import { formatDurationS } from '../../events/index.js';

/** What the report needs of one site's measured performance (the API's SitePerformanceView has it all). */
export interface MeasuredSite {
  readonly siteId: string;
  readonly window: { readonly start: string; readonly end: string };
  readonly intervalS: number;
  readonly intervals: readonly {
    readonly start: string;
    readonly actualKw: number | null;
    readonly baselineKw: number | null;
  }[];
}

export interface ReportInput {
  /** The UPSTREAM program and event ids: the VTN knows no others. */
  readonly programID: string;
  readonly eventID: string;
  /** Our VEN's name at the VTN. */
  readonly clientName: string;
  readonly reportName?: string;
  readonly sites: readonly MeasuredSite[];
}

/*
 * Payload types and units from OpenADR 3's Definitions (the 3.0.1 document names them by
 * example only, see src/domain/openadr.ts): USAGE is energy over the interval (kWh), DEMAND the
 * mean power over it (kW), BASELINE the power the site would have drawn (kW, estimated by our
 * M&V: CAISO 10-of-10 or meter-before/meter-after), DELTA_USAGE usage minus the baseline's
 * energy (kWh; negative = load shed). Load convention: power drawn from the grid is > 0.
 */
export const REPORT_PAYLOAD_DESCRIPTORS: readonly OpenAdrReportPayloadDescriptor[] = [
  { objectType: 'REPORT_PAYLOAD_DESCRIPTOR', payloadType: 'USAGE', readingType: 'DIRECT_READ', units: 'KWH' },
  { objectType: 'REPORT_PAYLOAD_DESCRIPTOR', payloadType: 'DEMAND', readingType: 'MEAN', units: 'KW' },
  { objectType: 'REPORT_PAYLOAD_DESCRIPTOR', payloadType: 'BASELINE', readingType: 'ESTIMATED', units: 'KW' },
  { objectType: 'REPORT_PAYLOAD_DESCRIPTOR', payloadType: 'DELTA_USAGE', readingType: 'ESTIMATED', units: 'KWH' },
];

/** Six decimals: meter means are not more precise, and the JSON stays readable. */
const round = (v: number): number => Math.round(v * 1e6) / 1e6;

/**
 * One interval's payloads. A value we do not have (no good meter data, no baseline) is left out,
 * never sent as 0: the VTN must not settle on an invented number.
 */
function payloads(actualKw: number | null, baselineKw: number | null, hours: number): OpenAdrValuesMap[] {
  const out: OpenAdrValuesMap[] = [];
  if (actualKw !== null) {
    out.push({ type: 'USAGE', values: [round(actualKw * hours)] }, { type: 'DEMAND', values: [round(actualKw)] });
  }
  if (baselineKw !== null) out.push({ type: 'BASELINE', values: [round(baselineKw)] });
  if (actualKw !== null && baselineKw !== null) out.push({ type: 'DELTA_USAGE', values: [round((actualKw - baselineKw) * hours)] });
  return out;
}

/**
 * The OpenADR 3.0.1 report of an event, one resource per site (resourceName = our site id, as
 * our sites are the VEN's resources at the VTN), one interval per M&V interval of the site's
 * window. Without the server-filled fields (the VTN fills id, createdDateTime, objectType).
 */
export function buildReport(input: ReportInput): OpenAdrReport {
  return {
    programID: input.programID,
    eventID: input.eventID,
    clientName: input.clientName,
    ...(input.reportName === undefined ? {} : { reportName: input.reportName }),
    payloadDescriptors: REPORT_PAYLOAD_DESCRIPTORS,
    resources: input.sites.map((s) => {
      const duration = formatDurationS(s.intervalS);
      const hours = s.intervalS / 3600;
      return {
        resourceName: s.siteId,
        intervalPeriod: { start: s.window.start, duration },
        intervals: s.intervals.map((it, k): OpenAdrInterval => ({
          id: k,
          intervalPeriod: { start: it.start, duration },
          payloads: payloads(it.actualKw, it.baselineKw, hours),
        })),
      };
    }),
  };
}
