import type { SitePlanning } from '../../config/index.js';
import type { DrEvent, Site } from '../../domain/index.js';
import { eventStatus, eventWindow, fromOpenAdrEvent, targetsSite } from '../../events/index.js';
import {
  districtEnergyReport,
  eventPeakReduction,
  integrateEnergy,
  localDays,
  siteEnergyReport,
  type EnergyRow,
  type EventPeakReduction,
  type GridCarbon,
  type SiteDay,
  type SiteEnergyInput,
} from '../../mv/index.js';
import type { Registry, TimeSeriesStore } from '../../store/index.js';
import { sitePerformance } from '../../mv/index.js';

/**
 * The energy and carbon report (issue 8): reads each site's recorded grid, PV and battery power
 * from the store day by day (a month of 1-s samples never sits in memory at once), integrates
 * it with src/mv, and adds each DR event's peak reduction from the event's M&V baseline.
 * `vpp report` and GET /api/v1/energy-reports both call this.
 */
export interface ReportSite {
  readonly site: Site;
  readonly carbon?: GridCarbon;
}

export interface EnergyReportInput {
  readonly store: Pick<TimeSeriesStore, 'queryMetric'>;
  readonly sites: readonly ReportSite[];
  readonly fromMs: number;
  readonly toMs: number;
  readonly nowMs: number;
  /** DR events for the per-event peak reduction; absent: no event rows. */
  readonly events?: Pick<Registry, 'events'>['events'];
  /** Progress (one line per site and day) for a CLI's stderr. */
  readonly progress?: (line: string) => void;
}

export interface EnergyRowJson extends Omit<EnergyRow, 'fromMs' | 'toMs'> {
  readonly from: string;
  readonly to: string;
}

export interface EventRowJson extends EventPeakReduction {
  readonly eventId: string;
  readonly from: string;
  readonly to: string;
  readonly baselineMethod: string;
  /** Why the baseline is missing (then the peaks are null). */
  readonly baselineProblem?: string;
}

export interface SiteReportJson {
  readonly siteId: string;
  readonly timezone: string;
  readonly carbon: { readonly kind: 'constant'; readonly kgPerKwh: number } | { readonly kind: 'series'; readonly points: number } | null;
  /** How long a sample holds at most: the grid meter's stale limit. */
  readonly maxHoldS: number;
  readonly days: readonly EnergyRowJson[];
  readonly months: readonly EnergyRowJson[];
  readonly total: EnergyRowJson;
  readonly events: readonly EventRowJson[];
}

export interface EnergyReportJson {
  readonly version: 1;
  readonly from: string;
  readonly to: string;
  readonly generatedAt: string;
  readonly sites: readonly SiteReportJson[];
  readonly district: { readonly sites: readonly string[]; readonly days: readonly EnergyRowJson[]; readonly months: readonly EnergyRowJson[]; readonly total: EnergyRowJson };
}

const iso = (ms: number): string => new Date(ms).toISOString();

function rowJson(r: EnergyRow): EnergyRowJson {
  const { fromMs, toMs, ...rest } = r;
  return { ...rest, from: iso(fromMs), to: iso(toMs) };
}

/** The site's grid factor from its config: `carbon: {gridKgPerKwh}` or `carbon: {csv}`. */
export function gridCarbonOf(planning: SitePlanning | undefined): GridCarbon | undefined {
  if (planning?.carbonSeries !== undefined) return { kind: 'series', points: planning.carbonSeries.points };
  if (planning?.carbon !== undefined) return { kind: 'constant', kgPerKwh: planning.carbon.gridKgPerKwh };
  return undefined;
}

/** The grid meter's stale limit: a sample holds no longer than the meter's data stays fresh. */
export function maxHoldS(site: Site): number {
  return site.assets.find((a) => a.kind === 'meter')?.staleAfterS ?? 5;
}

async function siteDays(input: EnergyReportInput, rs: ReportSite): Promise<SiteDay[]> {
  const { site } = rs;
  const holdS = maxHoldS(site);
  const hasPv = site.assets.some((a) => a.kind === 'pv');
  const hasBattery = site.assets.some((a) => a.kind === 'battery');
  const out: SiteDay[] = [];
  for (const day of localDays(input.fromMs, input.toMs, site.timezone)) {
    // From one hold before the day: the sample in force at its start.
    const q = (metric: string) => input.store.queryMetric({ siteId: site.id, metric, fromMs: day.fromMs - holdS * 1000, toMs: day.toMs });
    const [gridKw, pvKw, batteryKw] = await Promise.all([q('gridPowerKw'), hasPv ? q('pvPowerKw') : undefined, hasBattery ? q('batteryPowerKw') : undefined]);
    const window = integrateEnergy({
      fromMs: day.fromMs,
      toMs: day.toMs,
      maxHoldS: holdS,
      gridKw,
      ...(pvKw !== undefined ? { pvKw } : {}),
      ...(batteryKw !== undefined ? { batteryKw } : {}),
      ...(rs.carbon !== undefined ? { carbon: rs.carbon } : {}),
    });
    input.progress?.(`${site.id} ${day.date}: ${gridKw.length} grid samples, coverage ${((100 * window.sums.gridCoveredS) / window.sums.spanS).toFixed(1)} %`);
    out.push({ date: day.date, fromMs: day.fromMs, toMs: day.toMs, window });
  }
  return out;
}

async function storedEvents(events: EnergyReportInput['events']): Promise<DrEvent[]> {
  if (events === undefined) return [];
  const listed = await events.list({ includeHidden: true });
  // The list leaves out cancellation; each event's own record has it.
  const records = await Promise.all(listed.map((r) => events.get(r.id)));
  const out: DrEvent[] = [];
  for (const [i, r] of listed.entries()) {
    const record = records[i];
    if (record === null || record === undefined) continue; // deleted since it was listed
    try {
      const ev = fromOpenAdrEvent(r.body);
      const cancelledMs = record.cancelledMs;
      out.push(cancelledMs !== null ? { ...ev, cancelledAtMs: cancelledMs } : ev);
    } catch {
      // A stored event that does not map onto a DR event has no window to measure; the runtime logs it.
    }
  }
  return out;
}

/** Per event that targets the site and overlaps the range: baseline peak vs metered peak (src/mv). */
async function siteEvents(input: EnergyReportInput, site: Site, all: readonly DrEvent[]): Promise<EventRowJson[]> {
  const out: EventRowJson[] = [];
  for (const ev of all) {
    const w = eventWindow(ev, site.id);
    if (!targetsSite(ev, site.id, []).named || w.endMs <= input.fromMs || w.startMs >= input.toMs) continue;
    if (eventStatus(ev, input.nowMs, site.id) === 'pending') continue;
    const perf = await sitePerformance(input.store, site, ev, all, input.nowMs, undefined);
    const peak = eventPeakReduction(perf.intervals.map((i) => i.baselineKw), perf.intervals.map((i) => i.actualKw));
    out.push({
      eventId: ev.id,
      from: perf.window.start,
      to: perf.window.end,
      baselineMethod: perf.baseline.method,
      ...(perf.baseline.reason !== undefined ? { baselineProblem: perf.baseline.reason } : {}),
      ...peak,
    });
  }
  return out;
}

export async function computeEnergyReport(input: EnergyReportInput): Promise<EnergyReportJson> {
  if (input.sites.length === 0) throw new Error('energy report: no site to report on');
  const events = await storedEvents(input.events);
  const inputs: SiteEnergyInput[] = [];
  const sites: SiteReportJson[] = [];
  for (const rs of input.sites) {
    const days = await siteDays(input, rs);
    const siteInput = { siteId: rs.site.id, days, hasCarbon: rs.carbon !== undefined };
    inputs.push(siteInput);
    const r = siteEnergyReport(siteInput);
    const c = rs.carbon;
    sites.push({
      siteId: rs.site.id,
      timezone: rs.site.timezone,
      carbon: c === undefined ? null : c.kind === 'constant' ? { kind: 'constant', kgPerKwh: c.kgPerKwh } : { kind: 'series', points: c.points.length },
      maxHoldS: maxHoldS(rs.site),
      days: r.days.map(rowJson),
      months: r.months.map(rowJson),
      total: rowJson(r.total),
      events: await siteEvents(input, rs.site, events),
    });
  }
  const d = districtEnergyReport(inputs);
  return {
    version: 1,
    from: iso(input.fromMs),
    to: iso(input.toMs),
    generatedAt: iso(input.nowMs),
    sites,
    district: { sites: sites.map((s) => s.siteId), days: d.days.map(rowJson), months: d.months.map(rowJson), total: rowJson(d.total) },
  };
}
