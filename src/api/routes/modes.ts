import Type, { type Static } from 'typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { OPERATING_MODES, VppError, type ModeChange, type SiteModes } from '../../domain/index.js';
import { problem, sendProblem } from '../problem.js';

/** What the mode routes need of the running controller (its mode table), passed in. */
export interface ModeControl {
  /** undefined: no such site. */
  view(siteId: string, changes?: number): Promise<SiteModes | undefined>;
  /** Validates and records; throws VppError MODE_UNKNOWN_SITE / MODE_UNKNOWN_ASSET / MODE_INVALID. */
  setMode(change: ModeChange): Promise<ModeChange>;
}

export interface ModeRouteDeps {
  readonly modes: ModeControl;
  /** Who is asking: the authenticated client id (wired to the auth token by the app). */
  readonly principal: (request: FastifyRequest) => string;
  readonly nowMs: () => number;
}

const ProblemSchema = Type.Object({ type: Type.String(), title: Type.String(), status: Type.Integer(), detail: Type.String(), instance: Type.Optional(Type.String()) });
const Mode = Type.Enum([...OPERATING_MODES], {
  description: 'auto: the controller writes; shadow: computes and records setpoints, writes nothing (commissioning); manual: the operator setpoint, cut by the safety guards; off: kill switch, assets released to their own control.',
});
const Kw = Type.Union([Type.Number(), Type.Null()]);

const ModeBody = Type.Object(
  {
    mode: Mode,
    reason: Type.String({ minLength: 1, maxLength: 500, description: 'Why; recorded with who set it.' }),
    setpointKw: Type.Optional(Type.Number({ description: 'manual only: kW, load convention (asset: its power; site: total battery power; < 0 discharge).' })),
  },
  { additionalProperties: false },
);
type ModeBodyT = Static<typeof ModeBody>;

const ChangeSchema = Type.Object({
  siteId: Type.String(),
  assetId: Type.Union([Type.String(), Type.Null()]),
  mode: Mode,
  setpointKw: Kw,
  who: Type.String(),
  reason: Type.String(),
  time: Type.String({ format: 'date-time' }),
});

const SiteModesSchema = Type.Object({
  siteId: Type.String(),
  mode: Mode,
  setpointKw: Kw,
  assets: Type.Array(
    Type.Object({
      id: Type.String(),
      kind: Type.String(),
      mode: Mode,
      setpointKw: Kw,
      source: Type.Enum(['asset', 'site'], { description: 'asset: its own mode; site: inherited from the site.' }),
    }),
  ),
  changes: Type.Array(ChangeSchema, { description: 'The latest mode changes of the site, newest first.' }),
});

const SiteParams = Type.Object({ siteId: Type.String({ minLength: 1 }) });
const AssetParams = Type.Object({ siteId: Type.String({ minLength: 1 }), assetId: Type.String({ minLength: 1 }) });

function changeView(c: ModeChange): Static<typeof ChangeSchema> {
  return { siteId: c.siteId, assetId: c.assetId, mode: c.mode, setpointKw: c.manualKw, who: c.who, reason: c.why, time: new Date(c.atMs).toISOString() };
}

function modesView(m: SiteModes): Static<typeof SiteModesSchema> {
  return {
    siteId: m.siteId,
    mode: m.mode,
    setpointKw: m.manualKw,
    assets: m.assets.map((a) => ({ id: a.assetId, kind: a.kind, mode: a.mode, setpointKw: a.manualKw, source: a.source })),
    changes: m.changes.map(changeView),
  };
}

/** The table's field names are the domain's; the body's are the API's. */
const BODY_FIELD: Readonly<Record<string, string>> = { why: 'body.reason', manualKw: 'body.setpointKw', mode: 'body.mode', assetId: 'params.assetId', siteId: 'params.siteId' };

function refused(reply: FastifyReply, err: unknown): FastifyReply {
  if (!(err instanceof VppError)) throw err;
  const [field = '', ...rest] = err.message.split(': ');
  const detail = BODY_FIELD[field] !== undefined ? `${BODY_FIELD[field]}: ${rest.join(': ')}` : err.message;
  if (err.code === 'MODE_UNKNOWN_SITE' || err.code === 'MODE_UNKNOWN_ASSET') return sendProblem(reply, problem(404, detail));
  if (err.code === 'MODE_INVALID') return sendProblem(reply, problem(400, detail, 'validation'));
  throw err;
}

/**
 * Operating modes (issue 6): GET a site's modes, PUT a site's or an asset's. Every change is
 * recorded with who (the authenticated client) and why. Register behind the auth guard.
 */
export function modeRoutes(deps: ModeRouteDeps): FastifyPluginAsync {
  return async (app) => {
    const put = async (req: FastifyRequest, reply: FastifyReply, siteId: string, assetId: string | null) => {
      const body = req.body as ModeBodyT;
      if (body.reason.trim() === '') return sendProblem(reply, problem(400, 'body.reason: must not be blank', 'validation'));
      if (body.mode === 'manual' && body.setpointKw === undefined) return sendProblem(reply, problem(400, 'body.setpointKw: is required with mode manual', 'validation'));
      if (body.mode !== 'manual' && body.setpointKw !== undefined) {
        return sendProblem(reply, problem(400, `body.setpointKw: only with mode manual, got ${body.setpointKw} with mode ${body.mode}`, 'validation'));
      }
      try {
        await deps.modes.setMode({ siteId, assetId, mode: body.mode, manualKw: body.setpointKw ?? null, who: deps.principal(req), why: body.reason, atMs: deps.nowMs() });
      } catch (err) {
        return refused(reply, err);
      }
      const view = await deps.modes.view(siteId);
      return view === undefined ? sendProblem(reply, problem(404, `no site '${siteId}'`)) : modesView(view);
    };

    app.get(
      '/sites/:siteId/mode',
      { schema: { tags: ['sites'], summary: 'Operating mode of a site, each asset\u2019s effective mode, and the last changes', params: SiteParams, response: { 200: SiteModesSchema, 404: ProblemSchema } } },
      async (req, reply) => {
        const { siteId } = req.params as Static<typeof SiteParams>;
        const view = await deps.modes.view(siteId);
        return view === undefined ? sendProblem(reply, problem(404, `no site '${siteId}'`)) : modesView(view);
      },
    );

    app.put(
      '/sites/:siteId/mode',
      // write_vens: an operator, or a site client for its own site (the auth plugin checks :siteId).
      { config: { scope: 'write_vens' }, schema: { tags: ['sites'], summary: 'Set the operating mode of a whole site (clears its assets\u2019 own modes)', params: SiteParams, body: ModeBody, response: { 200: SiteModesSchema, 400: ProblemSchema, 404: ProblemSchema } } },
      async (req, reply) => put(req, reply, (req.params as Static<typeof SiteParams>).siteId, null),
    );

    app.put(
      '/sites/:siteId/assets/:assetId/mode',
      { config: { scope: 'write_vens' }, schema: { tags: ['sites'], summary: 'Set the operating mode of one asset', params: AssetParams, body: ModeBody, response: { 200: SiteModesSchema, 400: ProblemSchema, 404: ProblemSchema } } },
      async (req, reply) => {
        const { siteId, assetId } = req.params as Static<typeof AssetParams>;
        return put(req, reply, siteId, assetId);
      },
    );
  };
}
