import Fastify, { type FastifyInstance } from 'fastify';
import { modeRoutes } from '../../src/api/index.js';
import { installProblemHandlers } from '../../src/api/problem.js';
import type { Site } from '../../src/domain/index.js';
import { createModeTable, memoryModeLog, type ModeTable } from '../../src/runtime/index.js';
import { TEST_ASSET_BASE, testBattery } from './assets.js';

export const MODE_SITE: Site = {
  id: 'plant-1',
  name: 'Plant 1',
  timezone: 'Asia/Shanghai',
  gridImportLimitKw: 800,
  peakTargetKw: 600,
  assets: [{ ...TEST_ASSET_BASE, id: 'grid', kind: 'meter' }, testBattery('bess')],
};

/**
 * The mode routes as the lead wires them (under /api/v1, problem+json errors), over a real
 * controller-side mode table. `who` is the bearer token's value here, standing in for the
 * auth guard's client id; no token answers 401.
 */
export async function modeApp(nowMs: () => number): Promise<{ app: FastifyInstance; table: ModeTable }> {
  const table = (await createModeTable([MODE_SITE], memoryModeLog()));
  const app = Fastify({ logger: false, ajv: { customOptions: { allErrors: true } } });
  installProblemHandlers(app);
  await app.register(
    async (api) => {
      api.addHook('onRequest', async (req, reply) => {
        if (req.method !== 'GET' && !/^Bearer \S+$/.test(req.headers.authorization ?? '')) {
          await reply.code(401).type('application/problem+json').send({ type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'a bearer token is required' });
        }
      });
      await api.register(modeRoutes({ modes: table, principal: (req) => (req.headers.authorization ?? '').replace(/^Bearer /, ''), nowMs }));
    },
    { prefix: '/api/v1' },
  );
  return { app, table };
}
