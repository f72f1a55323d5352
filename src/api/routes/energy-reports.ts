import Type from 'typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { GridCarbon } from '../../mv/index.js';
import type { Registry } from '../../store/index.js';
import { restrictSiteClient } from '../auth/index.js';
import type { ApiDeps } from '../deps.js';
import { problem, sendProblem } from '../problem.js';
import { computeEnergyReport } from './energy-report-data.js';
import { energyReportCsv } from './energy-report-format.js';

export interface EnergyReportDeps {
  readonly store: ApiDeps['store'];
  readonly sites: ApiDeps['sites'];
  readonly nowMs: () => number;
  readonly registry?: Pick<Registry, 'events'>;
  /** Each site's grid carbon factor (its config's `carbon:`); absent or undefined: co2Kg is null. */
  readonly siteCarbon?: (siteId: string) => GridCarbon | undefined;
}

/** The longest range one request may ask for: a month, DST day included (the report reads every sample of it, and better-sqlite3 reads block the server meanwhile). */
export const MAX_REPORT_DAYS = 32;
const DAY_MS = 86_400_000;

const Query = Type.Object(
  {
    from: Type.String({ format: 'date-time', description: 'ISO 8601 with offset, inclusive.' }),
    to: Type.String({ format: 'date-time', description: `ISO 8601 with offset, exclusive; at most ${MAX_REPORT_DAYS} days after from.` }),
    site: Type.Optional(Type.String({ minLength: 1, description: 'One site only; default every site (a site client: its own).' })),
    format: Type.Optional(Type.Enum(['json', 'csv'], { default: 'json' })),
  },
  { additionalProperties: false },
);

const DESCRIPTION = `Energy and carbon accounting from the store's recorded gridPowerKw, pvPowerKw and batteryPowerKw, per site and for the district (the sum of the sites), per local day, per local month and in total.
Each sample holds until the next one, at most the grid meter's stale limit (staleAfterS); a longer gap is not filled in and lowers coveragePct.
importKwh / exportKwh: grid > 0 / < 0; pvKwh: generation; selfConsumedPvKwh: generation − export within [0, generation] at each instant; loadKwh: grid − PV − battery; renewableSharePct: self-consumed PV ÷ loadKwh.
co2Kg: import × the site's grid factor in force (carbon: {gridKgPerKwh} or {csv}); export is not credited. peakImportKw: the largest clock-aligned 15-min mean import; uncontrolledPeakImportKw: the same with the batteries idle (grid − battery); peakReductionKw: their difference. District peaks are coincident.
Per DR event: the M&V baseline's peak against the metered peak over the event window. format=csv: one line per row (RFC 4180).`;

const siteOfQuery = (req: FastifyRequest): string | undefined => {
  const s = (req.query as { site?: unknown } | undefined)?.site;
  return typeof s === 'string' ? s : undefined;
};

/** GET /energy-reports: a public read like /sites; a site client sees only its own site (403 for another). */
export function energyReportRoutes(deps: EnergyReportDeps): FastifyPluginAsync {
  return async (api) => {
    api.get(
      '/energy-reports',
      { onRequest: restrictSiteClient(siteOfQuery), schema: { tags: ['sites'], summary: 'Energy and carbon report per site and for the district', description: DESCRIPTION, querystring: Query } },
      async (req, reply) => {
        const q = req.query as Type.Static<typeof Query>;
        const p = req.principal;
        if (p !== null && !p.scopes.includes('read_all')) return sendProblem(reply, problem(403, `client '${p.clientId}' lacks scope read_all`, 'forbidden'));
        const fromMs = Date.parse(q.from);
        const toMs = Date.parse(q.to);
        if (!(toMs > fromMs)) return sendProblem(reply, problem(400, `querystring.to: must be after from (${q.from}), got ${q.to}`, 'validation'));
        if (toMs - fromMs > MAX_REPORT_DAYS * DAY_MS) {
          return sendProblem(reply, problem(400, `querystring.to: the range may span at most ${MAX_REPORT_DAYS} days, got ${((toMs - fromMs) / DAY_MS).toFixed(1)} days`, 'validation'));
        }
        const own = p !== null && p.role === 'site' ? p.siteId : undefined;
        const wanted = q.site ?? own;
        const views = deps.sites().filter((v) => wanted === undefined || v.site.id === wanted);
        if (views.length === 0) return sendProblem(reply, problem(400, `querystring.site: no site '${wanted ?? ''}'`, 'validation'));
        const report = await computeEnergyReport({
          store: deps.store,
          sites: views.map((v) => {
            const carbon = deps.siteCarbon?.(v.site.id);
            return { site: v.site, ...(carbon !== undefined ? { carbon } : {}) };
          }),
          fromMs,
          toMs,
          nowMs: deps.nowMs(),
          ...(deps.registry !== undefined ? { events: deps.registry.events } : {}),
        });
        if (q.format === 'csv') return reply.type('text/csv; charset=utf-8').send(energyReportCsv(report));
        return report;
      },
    );
  };
}
