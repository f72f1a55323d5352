import type { FastifyPluginAsync } from 'fastify';
import { openAdrSerializerCompiler, openAdrValidatorCompiler } from '../openadr/index.js';
import type { ApiDeps } from '../deps.js';
import type { OpenAdrRouteDeps } from './openadr-common.js';
import { eventPerformanceRoutes } from './event-performance.js';
import { eventAllocationRoutes } from './event-allocation.js';
import { eventOptOutRoutes } from './event-opt-outs.js';
import { enrolmentRoutes } from './enrolments.js';
import { openAdrEventRoutes } from './openadr-events.js';
import { openAdrProgramRoutes } from './openadr-programs.js';
import { openAdrReportRoutes } from './openadr-reports.js';
import { openAdrSubscriptionRoutes } from './openadr-subscriptions.js';
import { openAdrResourceRoutes } from './openadr-resources.js';
import { openAdrVenRoutes } from './openadr-vens.js';

export type { OpenAdrRouteDeps } from './openadr-common.js';

/**
 * The OpenADR 3.0.1 resources (programs, events, vens, resources, reports, subscriptions), in one encapsulated plugin
 * whose bodies are validated exactly (no coercion, no defaults written in) and whose answers
 * are sent as stored: with Fastify's defaults a fuzzed `"priority": "Infinity"` was coerced,
 * stored, and then failed serialization, a 500 after a write. The app must have called
 * addOpenAdrSchemas first (for /docs). Every route needs a token: OpenADR reads need read_all.
 */
export function openAdrRoutes(deps: OpenAdrRouteDeps & Partial<Pick<ApiDeps, 'store' | 'sites' | 'onEventsChange'>>): FastifyPluginAsync {
  return async (api) => {
    api.setValidatorCompiler(openAdrValidatorCompiler);
    api.setSerializerCompiler(openAdrSerializerCompiler);
    await api.register(openAdrProgramRoutes(deps));
    await api.register(openAdrEventRoutes({ ...deps, ...(deps.onEventsChange === undefined ? {} : { onChange: deps.onEventsChange }) }));
    // M&V of an event from the store's meter series (issue 7); needs the series and the sites.
    if (deps.store !== undefined && deps.sites !== undefined) {
      await api.register(eventPerformanceRoutes({ registry: deps.registry, nowMs: deps.nowMs, store: deps.store, sites: deps.sites }));
    }
    await api.register(openAdrVenRoutes(deps));
    await api.register(openAdrResourceRoutes(deps));
    await api.register(openAdrReportRoutes(deps));
    await api.register(openAdrSubscriptionRoutes(deps));
    // Our extensions (issue 7): enrolments with limits, opt-outs, the dispatch record of each event.
    const onChange = deps.onEventsChange === undefined ? {} : { onChange: deps.onEventsChange };
    await api.register(enrolmentRoutes({ ...deps, ...onChange }));
    await api.register(eventOptOutRoutes({ ...deps, ...onChange }));
    await api.register(eventAllocationRoutes(deps));
  };
}
