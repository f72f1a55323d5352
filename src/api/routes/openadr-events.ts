import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { DrEvent } from '../../domain/index.js';
import { eventStatus, fromOpenAdrEvent } from '../../events/index.js';
import type { OpenAdrBody } from '../../store/index.js';
import { openAdrSchemaIds } from '../openadr/index.js';
import { problem, sendProblem } from '../problem.js';
import { eventReferenceProblem, startedEventChangeProblem } from './openadr-event-rules.js';
import {
  badField,
  filterOf,
  idParams,
  listQuerySchema,
  newId,
  notFound,
  responses,
  sendRefusal,
  siteClientOf,
  stamp,
  visibleToVen,
  type ListQuery,
  type OpenAdrRouteDeps,
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
  function checked(body: OpenAdrBody, reply: FastifyReply): DrEvent | FastifyReply {
    const ref = eventReferenceProblem(registry, body);
    if (ref !== null) return badField(reply, ref.slice(0, ref.indexOf(':')), ref.slice(ref.indexOf(':') + 2));
    try {
      return fromOpenAdrEvent(body);
    } catch (err) {
      return sendRefusal(reply, err);
    }
  }
  const isReply = (x: DrEvent | FastifyReply): x is FastifyReply => !('intervals' in x);

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
        return registry.events
          .list({ ...filterOf(q), ...(q.programID === undefined ? {} : { columns: { program_id: q.programID } }), ...(site === undefined ? {} : { visibleToVen: site }) })
          .map((r) => r.body);
      },
    );

    api.post(
      '/events',
      { config: { scope: 'write_events' }, schema: { tags, summary: 'Create an event', body, response: responses('event', 201) } },
      async (req, reply) => {
        const now = nowMs();
        const event = stamp(req.body, 'EVENT', newId(), now, now);
        const ev = checked(event, reply);
        if (isReply(ev)) return ev;
        try {
          const created = registry.events.create(event, now);
          changed();
          return await reply.code(201).send(created.body);
        } catch (err) {
          return sendRefusal(reply, err);
        }
      },
    );

    api.get<ById>(
      '/events/:eventID',
      { config: { scope: 'read_all' }, schema: { tags, summary: 'Read an event', params, response: responses('event', 200) } },
      async (req, reply) => {
        const r = registry.events.get(req.params.eventID);
        const site = siteClientOf(req);
        if (r === null || r.cancelledMs !== null || (site !== undefined && !visibleToVen(r.body, site))) return notFound(reply, 'event', req.params.eventID);
        return r.body;
      },
    );

    api.put<ById>(
      '/events/:eventID',
      { config: { scope: 'write_events' }, schema: { tags, summary: 'Replace an event (once started: shorten only)', params, body, response: responses('event', 200) } },
      async (req, reply) => {
        const id = req.params.eventID;
        const old = registry.events.get(id);
        if (old === null || old.cancelledMs !== null) return notFound(reply, 'event', id);
        const now = nowMs();
        const event = stamp(req.body, 'EVENT', id, old.createdMs, now);
        const next = checked(event, reply);
        if (isReply(next)) return next;
        const before = fromOpenAdrEvent(old.body);
        const status = eventStatus(before, now);
        if (status === 'completed') return sendProblem(reply, problem(409, `event ${JSON.stringify(id)} has completed; it cannot change`));
        if (status === 'active') {
          const why = startedEventChangeProblem(before, next);
          if (why !== null) return sendProblem(reply, problem(409, `event ${JSON.stringify(id)} has started: ${why}`));
        }
        try {
          const updated = registry.events.update(id, event, now);
          changed();
          return updated?.body ?? notFound(reply, 'event', id);
        } catch (err) {
          return sendRefusal(reply, err);
        }
      },
    );

    api.delete<ById>(
      '/events/:eventID',
      { config: { scope: 'write_events' }, schema: { tags, summary: 'Delete an event; one that is running is cancelled', params, response: responses('event', 200) } },
      async (req, reply) => {
        const id = req.params.eventID;
        const old = registry.events.get(id);
        if (old === null || old.cancelledMs !== null) return notFound(reply, 'event', id);
        const now = nowMs();
        if (eventStatus(fromOpenAdrEvent(old.body), now) === 'active') registry.events.cancel(id, now);
        else registry.events.delete(id);
        changed();
        return old.body;
      },
    );
  };
}
