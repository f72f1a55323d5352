import type { FastifyPluginAsync } from 'fastify';
import { openAdrSerializerCompiler, openAdrValidatorCompiler } from '../openadr/index.js';
import type { OpenAdrRouteDeps } from './openadr-common.js';
import { openAdrEventRoutes } from './openadr-events.js';
import { openAdrProgramRoutes } from './openadr-programs.js';
import { openAdrResourceRoutes } from './openadr-resources.js';
import { openAdrVenRoutes } from './openadr-vens.js';

export type { OpenAdrRouteDeps } from './openadr-common.js';

/**
 * The OpenADR 3.0.1 resources (programs, events, vens, resources), in one encapsulated plugin
 * whose bodies are validated exactly (no coercion, no defaults written in) and whose answers
 * are sent as stored: with Fastify's defaults a fuzzed `"priority": "Infinity"` was coerced,
 * stored, and then failed serialization, a 500 after a write. The app must have called
 * addOpenAdrSchemas first (for /docs). Every route needs a token: OpenADR reads need read_all.
 */
export function openAdrRoutes(deps: OpenAdrRouteDeps): FastifyPluginAsync {
  return async (api) => {
    api.setValidatorCompiler(openAdrValidatorCompiler);
    api.setSerializerCompiler(openAdrSerializerCompiler);
    await api.register(openAdrProgramRoutes(deps));
    await api.register(openAdrEventRoutes(deps));
    await api.register(openAdrVenRoutes(deps));
    await api.register(openAdrResourceRoutes(deps));
  };
}
