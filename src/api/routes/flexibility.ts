import Type from 'typebox';
import type { FastifyPluginAsync } from 'fastify';
import { flexHistoryRanges, flexibilityForecast, FLEX_MAX_HOLD_S, FLEX_MIN_COVERAGE, FLEX_SLOT_S, type FlexHistoryPoint } from '../../schedule/index.js';
import type { ApiDeps } from '../deps.js';
import { flexibilityNow, forecastBatteries } from '../flexibility-view.js';
import { problem, sendProblem } from '../problem.js';

const ProblemSchema = Type.Object({ type: Type.String(), title: Type.String(), status: Type.Integer(), detail: Type.String(), instance: Type.Optional(Type.String()) });
const Kw = (description: string) => Type.Union([Type.Number(), Type.Null()], { description });
const Quality = Type.Enum(['good', 'stale', 'bad']);

const FlexQuery = Type.Object({
  horizon: Type.Optional(Type.String({ maxLength: 32, description: 'ISO 8601 duration, PT15M to P2D (days, hours, minutes, seconds), e.g. PT24H: adds the day-ahead `slots`.' })),
});

const AssetFlex = Type.Object({
  assetId: Type.String(),
  kind: Type.Literal('battery'),
  available: Type.Boolean(),
  socPct: Kw('null while not available'),
  powerKw: Kw('load convention: > 0 charging'),
  decreaseKw: Kw('null while not available (unknown, not 0)'),
  increaseKw: Kw('null while not available'),
  decreaseHoldS: Kw('how long the whole decrease can be held, s'),
  increaseHoldS: Kw('how long the whole increase can be held, s'),
});

const Slot = Type.Object({
  start: Type.String({ format: 'date-time' }),
  end: Type.String({ format: 'date-time' }),
  baseKw: Kw('forecast mean grid power without the batteries, kW; null where the history does not tell'),
  decreaseKw: Kw('grid power reduction the batteries can hold through the whole slot, kW'),
  increaseKw: Kw('grid power increase the batteries can hold through the whole slot, kW'),
  socPctStart: Type.Optional(Type.Number({ description: 'capacity-weighted SoC of the known batteries at the slot start' })),
});

const Forecast = Type.Object({
  method: Type.Literal('persistence'),
  slotS: Type.Integer(),
  slotsKnown: Type.Integer(),
  slotsUnknown: Type.Integer(),
  historyFrom: Type.String({ format: 'date-time', description: 'start of the recorded history read (the slots a day or two back)' }),
  historyTo: Type.String({ format: 'date-time', description: 'end of the recorded history read, exclusive' }),
  detail: Type.String(),
});

const FlexResponse = Type.Object({
  siteId: Type.String(),
  time: Type.String({ format: 'date-time', description: 'time of the site state the figures come from' }),
  quality: Quality,
  decreaseKw: Kw('how far grid power can be lowered now, kW (>= 0); null before the first state'),
  increaseKw: Kw('how far grid power can be raised now, kW (>= 0)'),
  decreaseHoldS: Kw('how long the whole decrease can be held, s (capped at one day)'),
  increaseHoldS: Kw('how long the whole increase can be held, s'),
  batteries: Type.Object({ available: Type.Integer(), total: Type.Integer() }),
  assets: Type.Array(AssetFlex),
  horizon: Type.Optional(Type.String()),
  forecast: Type.Optional(Forecast),
  slots: Type.Optional(Type.Array(Slot)),
});

const DESCRIPTION = `Now: the envelope of the site's latest state (load convention; decrease = discharge and stop charging, increase = charge), with how long each can be held, and each battery's share. An unavailable battery (SoC or power not good) offers nothing to the site figures and shows null itself.

With \`?horizon=\` (ISO 8601 duration, PT15M..P2D): \`slots\` in site-local quarter hours, from the one in progress until the horizon past now.
- \`baseKw\`: persistence forecast of grid power without the batteries (recorded gridPowerKw − batteryPowerKw), the mean of the same quarter hour on the latest day wholly in the past (24 h earlier; 48 h for slots ending more than 24 h ahead). Only good samples count; one stands for at most ${FLEX_MAX_HOLD_S} s, and a slot needs ${FLEX_MIN_COVERAGE * 100} % coverage, else \`baseKw\` is null (never 0) and \`forecast\` says how many slots are unknown.
- \`decreaseKw\`/\`increaseKw\`: what the available batteries can hold through the whole slot from \`socPctStart\`, the SoC trajectory being the batteries idle from now (the base is without batteries): per battery min(max discharge kW, energy above the SoC floor × discharge efficiency / 0.25 h), and min(max charge kW, room below the SoC ceiling / (charge efficiency × 0.25 h)). Figures are for a call in that slot alone: calls in earlier slots spend the same energy. Where \`baseKw\` is known the grid limits cap them (base + increase <= gridImportLimitKw, base − decrease >= −gridExportLimitKw) and a battery without grid charging adds only the PV surplus. Null when the site has batteries but none with a known SoC.`;

const DURATION = /^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;
const MIN_HORIZON_S = 900;
const MAX_HORIZON_S = 2 * 86_400;

/** Seconds of an ISO 8601 duration of weeks, days, hours, minutes, seconds; null when not one. */
export function isoDurationS(text: string): number | null {
  const m = DURATION.exec(text);
  if (m === null || text === 'P' || text.endsWith('T')) return null;
  const [w, d, h, min, s] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x)));
  return ((((w ?? 0) * 7 + (d ?? 0)) * 24 + (h ?? 0)) * 60 + (min ?? 0)) * 60 + (s ?? 0);
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** GET /sites/:id/flexibility: now, and with ?horizon= a day-ahead forecast in quarter hours. */
export function flexibilityRoutes(deps: ApiDeps): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/sites/:id/flexibility',
      {
        schema: {
          tags: ['sites'],
          summary: 'Flexibility of a site now, and per quarter hour ahead with ?horizon=PT24H',
          description: DESCRIPTION,
          params: Type.Object({ id: Type.String({ minLength: 1 }) }),
          querystring: FlexQuery,
          response: { 200: FlexResponse, 400: ProblemSchema, 404: ProblemSchema },
        },
      },
      async (req, reply) => {
        const { id } = req.params as { id: string };
        const { horizon } = req.query as { horizon?: string };
        const view = deps.sites().find((s) => s.site.id === id);
        if (view === undefined) return sendProblem(reply, problem(404, `no site '${id}'`));
        const nowMs = deps.nowMs();
        const now = flexibilityNow(view.site, view.state, nowMs);
        if (horizon === undefined) return now;
        const horizonS = isoDurationS(horizon);
        if (horizonS === null || horizonS < MIN_HORIZON_S || horizonS > MAX_HORIZON_S) {
          return sendProblem(reply, problem(400, `querystring.horizon: must be an ISO 8601 duration from PT15M to P2D, got ${JSON.stringify(horizon)}`, 'validation'));
        }
        const { site } = view;
        const ranges = flexHistoryRanges(nowMs, site.timezone, horizonS);
        const hasBatteries = site.assets.some((a) => a.kind === 'battery');
        const history = async (metric: string): Promise<FlexHistoryPoint[]> => {
          const parts = await Promise.all(ranges.map((r) => deps.store.queryMetric({ siteId: id, metric, fromMs: r.fromMs, toMs: r.toMs })));
          return parts.flat().filter((p) => p.quality === 'good').map((p) => ({ atMs: p.atMs, kw: p.value }));
        };
        const [gridHistory, batteryHistory] = await Promise.all([history('gridPowerKw'), hasBatteries ? history('batteryPowerKw') : null]);
        const f = flexibilityForecast({
          nowMs,
          timezone: site.timezone,
          horizonS,
          gridHistory,
          batteryHistory,
          batteries: forecastBatteries(site, view.state),
          gridImportLimitKw: site.gridImportLimitKw,
          ...(site.gridExportLimitKw === undefined ? {} : { gridExportLimitKw: site.gridExportLimitKw }),
        });
        const detail =
          f.slotsUnknown === 0
            ? 'every slot has its history'
            : `too little history: ${f.slotsUnknown} of ${f.slots.length} slots have no recorded grid${hasBatteries ? ' and battery' : ''} power at the same time a day earlier; their baseKw is null`;
        return {
          ...now,
          horizon,
          forecast: { method: 'persistence' as const, slotS: FLEX_SLOT_S, slotsKnown: f.slotsKnown, slotsUnknown: f.slotsUnknown, historyFrom: iso(ranges[0]?.fromMs ?? nowMs), historyTo: iso(ranges[ranges.length - 1]?.toMs ?? nowMs), detail },
          slots: f.slots.map((s) => ({
            start: iso(s.startMs),
            end: iso(s.endMs),
            baseKw: s.baseKw,
            decreaseKw: s.decreaseKw,
            increaseKw: s.increaseKw,
            ...(s.socPctStart === undefined ? {} : { socPctStart: s.socPctStart }),
          })),
        };
      },
    );
  };
}
