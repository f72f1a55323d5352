import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { DrEvent } from '../../domain/index.js';
import { eventStatus, fromOpenAdrEvent } from '../../events/index.js';
import type { OpenAdrBody } from '../../store/index.js';
import { openAdrSchemaIds } from '../openadr/index.js';
import { problem, sendProblem } from '../problem.js';
import { eventReferenceProblem, startedEventChangeProblem } from './openadr-event-rules.js';
import { queuedWrite } from './registry-writes.js';
import {
  badField,
  filterOf,
  idParams,
  isRefused,
  listQuerySchema,
  newId,
  notFound,
  refusal,
  responses,
  sendRefusal,
  siteClientOf,
  stamp,
  visibleToVen,
  type ListQuery,
  type OpenAdrRouteDeps,
  type Refused,
} from './openadr-common.js';

type ById = { Params: { eventID: string } };
type ListEvents = { Querystring: ListQuery & { programID?: string } };

/**
 * OpenADR 3.0.1 /events. Operators write (write_events); read_all reads, a site client only
 * events addressed to its ven (404 for the others). Besides the schema, a body must name an
 * existing program and known vens, and map onto a DrEvent the controller can act on
 * (fromOpenAdrEvent), else 400 naming the field. A started event may only be shortened (PUT,
 * see startedEventChangeProblem) or cancelled (DELETE): a DELETE of a running event keeps it,
 * cancelled from now (registry.events.get(id).cancelledMs), and hides it from the API as a
 * deleted one, which is what an OpenADR VEN takes for a cancellation; other events are removed.
 */
export function openAdrEventRoutes(deps: OpenAdrRouteDeps & { readonly onChange?: () => void }): FastifyPluginAsync {
  const { registry, nowMs } = deps;
  // The runtime re-reads its events at once rather than at its next refresh.
  const changed = (): void => deps.onChange?.();

  /** The event as the controller will see it, or a 400/409 already sent. */
  async function checked(body: OpenAdrBody, reply: FastifyReply): Promise<DrEvent | Refused> {
    const ref = await eventReferenceProblem(registry, body);
    if (ref !== null) return refusal(badField(reply, ref.slice(0, ref.indexOf(':')), ref.slice(ref.indexOf(':') + 2)));
    try {
      return fromOpenAdrEvent(body);
    } catch (err) {
      return refusal(sendRefusal(reply, err));
    }
  }

  return async (api) => {
    const tags = ['events'];
    const body = { $ref: openAdrSchemaIds.event };
    const params = idParams('eventID');
    const programID = { type: 'string', maxLength: 128, description: 'only events of this program' };

    api.get<ListEvents>(
      '/events',
      { config: { scope: 'read_all' }, schema: { tags, summary: 'List events', querystring: listQuerySchema({ programID }), response: responses('event', 200, true) } },
      async (req) => {
        const site = siteClientOf(req);
        const q = req.query;
        const events = await registry.events.list({ ...filterOf(q), ...(q.programID === undefined ? {} : { columns: { program_id: q.programID } }), ...(site === undefined ? {} : { visibleToVen: site }) });
        return events.map((r) => r.body);
      },
    );

    api.post(
      '/events',
      { config: { scope: 'write_events' }, schema: { tags, summary: 'Create an event', body, response: responses('event', 201) } },
      async (req, reply) => queuedWrite(registry, async () => {
        const now = nowMs();
        const event = stamp(req.body, 'EVENT', newId(), now, now);
        const ev = await checked(event, reply);
        if (isRefused(ev)) return ev.refused;
        try {
          const created = await registry.events.create(event, now);
          changed();
          return await reply.code(201).send(created.body);
        } catch (err) {
          return sendRefusal(reply, err);
        }
      }),
    );

    api.get<ById>(
      '/events/:eventID',
      { config: { scope: 'read_all' }, schema: { tags, summary: 'Read an event', params, response: responses('event', 200) } },
      async (req, reply) => {
        const r = await registry.events.get(req.params.eventID);
        const site = siteClientOf(req);
        if (r === null || r.cancelledMs !== null || (site !== undefined && !visibleToVen(r.body, site))) return notFound(reply, 'event', req.params.eventID);
        return r.body;
      },
    );

    api.put<ById>(
      '/events/:eventID',
      { config: { scope: 'write_events' }, schema: { tags, summary: 'Replace an event (once started: shorten only)', params, body, response: responses('event', 200) } },
      async (req, reply) => queuedWrite(registry, async () => {
        const id = req.params.eventID;
        const old = await registry.events.get(id);
        if (old === null || old.cancelledMs !== null) return notFound(reply, 'event', id);
        const now = nowMs();
        const event = stamp(req.body, 'EVENT', id, old.createdMs, now);
        const next = await checked(event, reply);
        if (isRefused(next)) return next.refused;
        const before = fromOpenAdrEvent(old.body);
        const status = eventStatus(before, now);
        if (status === 'completed') return sendProblem(reply, problem(409, `event ${JSON.stringify(id)} has completed; it cannot change`));
        if (status === 'active') {
          const why = startedEventChangeProblem(before, next);
          if (why !== null) return sendProblem(reply, problem(409, `event ${JSON.stringify(id)} has started: ${why}`));
        }
        try {
          const updated = await registry.events.update(id, event, now);
          changed();
          return updated?.body ?? notFound(reply, 'event', id);
        } catch (err) {
          return sendRefusal(reply, err);
        }
      }),
    );

    api.delete<ById>(
      '/events/:eventID',
      { config: { scope: 'write_events' }, schema: { tags, summary: 'Delete an event; one that is running is cancelled', params, response: responses('event', 200) } },
      async (req, reply) => queuedWrite(registry, async () => {
        const id = req.params.eventID;
        const old = await registry.events.get(id);
        if (old === null || old.cancelledMs !== null) return notFound(reply, 'event', id);
        const now = nowMs();
        const done = eventStatus(fromOpenAdrEvent(old.body), now) === 'active' ? await registry.events.cancel(id, now) : (await registry.events.delete(id)) !== null;
        // Gone meanwhile (another process sharing the registry): nothing was cancelled here.
        if (!done) return notFound(reply, 'event', id);
        changed();
        return old.body;
      }),
    );
  };
}
