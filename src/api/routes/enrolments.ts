import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { Enrolment } from '../../domain/index.js';
import { formatDateTime, parseEnrolment } from '../../events/index.js';
import type { EnrolmentRecord, OpenAdrBody } from '../../store/index.js';
import { requireSiteAccess, restrictSiteClient } from '../auth/index.js';
import { badField, idParams, notFound, sendRefusal, siteClientOf, type OpenAdrRouteDeps } from './openadr-common.js';
import { venSiteOf } from './openadr-vens.js';
import { queuedWrite } from './registry-writes.js';

type OfVen = { Params: { venID: string } };
type ById = { Params: { venID: string; programID: string } };

const HHMM = '^([01][0-9]|2[0-3]):[0-5][0-9]$';
const perAsset = (value: Record<string, unknown>): Record<string, unknown> => ({
  type: 'object',
  propertyNames: { minLength: 1, maxLength: 128 },
  maxProperties: 1000,
  additionalProperties: value,
});

/** The limits src/events parseEnrolment accepts (events/README.md "Enrolment limits"); absent = no limit. */
export const EnrolmentLimitsSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    maxEventDurationS: { type: 'number', exclusiveMinimum: 0, description: 'an event is held at most this long at the site, s (longer: clipped)' },
    maxEventsPerDay: { type: 'integer', minimum: 0, description: 'events per local day (site zone); one more is refused' },
    maxEventsPerWeek: { type: 'integer', minimum: 0, description: 'events per local ISO week; one more is refused' },
    minNoticeS: { type: 'number', minimum: 0, description: 'least time from the event’s creation to its start at the site, s (shorter: refused)' },
    maxShedKw: { type: 'number', exclusiveMinimum: 0, description: 'largest shed below the site’s baseline, kW' },
    socFloorPct: { ...perAsset({ type: 'number', minimum: 0, maximum: 100 }), description: 'per battery asset id: SoC an event never takes it below, %' },
    comfortBandC: { ...perAsset({ type: 'number', minimum: 0 }), description: 'per HVAC asset id: comfort band half-width an event may use, °C' },
    evDepartures: {
      ...perAsset({
        type: 'object',
        additionalProperties: false,
        required: ['departs', 'energyNeededKwh'],
        properties: { departs: { type: 'string', pattern: HHMM }, energyNeededKwh: { type: 'number', minimum: 0 } },
      }),
      description: 'per EV charger asset id: local departure "HH:MM" and the energy the car still needs, kWh',
    },
  },
} as const;

export const EnrolmentBodySchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    assetIds: { type: 'array', maxItems: 1000, items: { type: 'string', minLength: 1, maxLength: 128 }, description: 'the assets taking part (resourceName of the ven’s resources); default all of them' },
    timezone: { type: 'string', minLength: 1, maxLength: 64, description: 'IANA zone days and weeks are counted in; default the ven’s TIMEZONE attribute' },
    limits: EnrolmentLimitsSchema,
  },
} as const;

const DESCRIPTION = `Our extension (OpenADR 3.0.1 has no enrolment object; there targets say who takes part).
A site (ven) enrols in a program with the limits it agreed to; the controller never dispatches an event past them:
minNoticeS, maxEventsPerDay and maxEventsPerWeek refuse the event at the site, maxEventDurationS and maxShedKw clip it,
socFloorPct, comfortBandC and evDepartures tighten the site's own guards while the program's events are in force.
Operators manage any ven's enrolments, a site client its own ven's only (write_vens); read_all reads.`;

export interface EnrolmentView {
  readonly objectType: 'ENROLMENT';
  readonly programID: string;
  readonly venID: string;
  readonly siteId: string;
  readonly timezone: string;
  readonly assetIds: readonly string[];
  readonly limits: Enrolment['limits'];
  readonly createdDateTime: string;
  readonly modificationDateTime: string;
}

export function enrolmentView(r: EnrolmentRecord): EnrolmentView {
  const e = r.body as unknown as Enrolment;
  return {
    objectType: 'ENROLMENT',
    programID: r.programId,
    venID: r.venId,
    siteId: e.siteId,
    timezone: e.timezone,
    assetIds: e.assetIds,
    limits: e.limits,
    createdDateTime: formatDateTime(r.createdMs),
    modificationDateTime: formatDateTime(r.modifiedMs),
  };
}

/** The ven's TIMEZONE attribute (seedVens writes the configured site's zone there). */
function venTimezone(ven: OpenAdrBody): string | undefined {
  const attrs = Array.isArray(ven['attributes']) ? (ven['attributes'] as unknown[]) : [];
  for (const a of attrs) {
    const { type, values } = (a ?? {}) as { type?: unknown; values?: unknown };
    if (type === 'TIMEZONE' && Array.isArray(values) && typeof values[0] === 'string') return values[0];
  }
  return undefined;
}

/**
 * /vens/{venID}/enrolments[/{programID}] and /programs/{programID}/enrolments. A PUT body is
 * schema-checked (exact, no coercion), then the server fills programId, siteId (venName),
 * timezone and assetIds where absent, checks every asset is a resource of the ven, and runs
 * parseEnrolment: any refusal is a 400 naming the field, and nothing is stored.
 */
export function enrolmentRoutes(deps: OpenAdrRouteDeps & { readonly onChange?: () => void }): FastifyPluginAsync {
  const { registry, nowMs } = deps;
  const siteOf = venSiteOf(deps);
  return async (api) => {
    const tags = ['enrolments'];
    const read = { scope: 'read_all' as const };
    const write = { scope: 'write_vens' as const };

    api.get<OfVen>(
      '/vens/:venID/enrolments',
      { config: read, onRequest: restrictSiteClient(siteOf), schema: { tags, summary: "List a ven's enrolments", description: DESCRIPTION, params: idParams('venID') } },
      async (req, reply) => {
        if ((await registry.vens.get(req.params.venID)) === null) return notFound(reply, 'ven', req.params.venID);
        return (await registry.enrolments.list({ venId: req.params.venID })).map(enrolmentView);
      },
    );

    api.get<{ Params: { programID: string } }>(
      '/programs/:programID/enrolments',
      { config: read, schema: { tags, summary: "List a program's enrolments (a site client: its own only)", params: idParams('programID') } },
      async (req, reply) => {
        if ((await registry.programs.get(req.params.programID)) === null) return notFound(reply, 'program', req.params.programID);
        const own = siteClientOf(req);
        return (await registry.enrolments.list({ programId: req.params.programID })).map(enrolmentView).filter((e) => own === undefined || e.siteId === own);
      },
    );

    api.get<ById>(
      '/vens/:venID/enrolments/:programID',
      { config: read, onRequest: restrictSiteClient(siteOf), schema: { tags, summary: 'Read an enrolment', params: idParams('venID', 'programID') } },
      async (req, reply) => {
        const r = await registry.enrolments.get(req.params.programID, req.params.venID);
        return r === null ? notFound(reply, 'enrolment', `${req.params.venID}/${req.params.programID}`) : enrolmentView(r);
      },
    );

    api.put<ById>(
      '/vens/:venID/enrolments/:programID',
      { config: write, onRequest: requireSiteAccess(siteOf), schema: { tags, summary: 'Enrol a ven in a program, with limits (create or replace)', description: DESCRIPTION, params: idParams('venID', 'programID'), body: EnrolmentBodySchema } },
      async (req, reply) => queuedWrite(registry, async () => {
        const { venID, programID } = req.params;
        const [ven, program, venResources, old] = await Promise.all([
          registry.vens.get(venID),
          registry.programs.get(programID),
          registry.resources.list({ columns: { ven_id: venID } }),
          registry.enrolments.get(programID, venID),
        ]);
        if (ven === null) return notFound(reply, 'ven', venID);
        if (program === null) return notFound(reply, 'program', programID);
        const body = req.body as { assetIds?: string[]; timezone?: string; limits?: unknown };
        const siteId = String(ven.body['venName']);
        const resources = venResources.map((r) => String(r.body['resourceName']));
        const assetIds = body.assetIds ?? resources;
        const unknownAt = assetIds.findIndex((id) => !resources.includes(id));
        if (unknownAt >= 0) return badField(reply, `assetIds[${unknownAt}]`, `${JSON.stringify(assetIds[unknownAt])} is not a resource of ven ${JSON.stringify(venID)}`);
        const timezone = body.timezone ?? venTimezone(ven.body);
        if (timezone === undefined) return badField(reply, 'timezone', 'is required: the ven has no TIMEZONE attribute');
        const now = nowMs();
        let enrolment: Enrolment;
        try {
          enrolment = parseEnrolment({ programId: programID, siteId, timezone, assetIds, limits: body.limits ?? {}, createdAtMs: old?.createdMs ?? now, modifiedAtMs: now });
        } catch (err) {
          return sendRefusal(reply, err);
        }
        try {
          const { record, created } = await registry.enrolments.put(programID, venID, enrolment as unknown as OpenAdrBody, now);
          deps.onChange?.();
          return await reply.code(created ? 201 : 200).send(enrolmentView(record));
        } catch (err) {
          return sendRefusal(reply, err);
        }
      }),
    );

    api.delete<ById>(
      '/vens/:venID/enrolments/:programID',
      { config: write, onRequest: requireSiteAccess(siteOf), schema: { tags, summary: 'Withdraw an enrolment', params: idParams('venID', 'programID') } },
      async (req, reply: FastifyReply) => queuedWrite(registry, async () => {
        const r = await registry.enrolments.delete(req.params.programID, req.params.venID);
        if (r === null) return notFound(reply, 'enrolment', `${req.params.venID}/${req.params.programID}`);
        deps.onChange?.();
        return enrolmentView(r);
      }),
    );
  };
}
