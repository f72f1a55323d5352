/**
 * The wiring (src/runtime/controller.ts): a controller whose config has `northbound:` runs the
 * VEN client against a second instance of our server playing the utility VTN, and an upstream
 * event reaches the controller's own DR events (the registry through its API, and the runtime's
 * view: vpp_dr_events_active on /metrics). Real sockets on loopback, real clock.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/api/index.js';
import { parseConfig } from '../../src/config/index.js';
import { formatDateTime } from '../../src/events/index.js';
import { localId } from '../../src/runtime/northbound/index.js';
import { silentLogger, startController, type RunningController } from '../../src/runtime/index.js';
import { openRegistry, openStore, seedVens, type Registry, type TimeSeriesStore } from '../../src/store/index.js';
import { eventually } from '../helpers/cli.js';
import { OWN_SITE } from '../helpers/openadr-api.js';

const VEN_NAME = 'acme-vpp';
const dir = mkdtempSync(join(tmpdir(), 'vpp-nb-controller-'));
let upRegistry: Registry;
let upStore: TimeSeriesStore;
let vtn: FastifyInstance;
let vpp: RunningController;
const ids: { event?: string } = {};

async function token(url: string, clientId: string, clientSecret: string): Promise<string> {
  const res = await fetch(`${url}/auth/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

beforeAll(async () => {
  upRegistry = openRegistry({ dataDir: join(dir, 'utility') });
  upStore = await openStore({ kind: 'sqlite', dataDir: join(dir, 'utility') });
  await seedVens(upRegistry, [{ ...OWN_SITE, id: VEN_NAME }]);
  vtn = await buildApp({ version: 'utility', sites: () => [], store: upStore, adapters: () => [], nowMs: Date.now, registry: upRegistry });
  const vtnUrl = `${await vtn.listen({ host: '127.0.0.1', port: 0 })}/api/v1`;
  const operator = await upRegistry.clients.add({ role: 'operator' });
  const ven = await upRegistry.clients.add({ role: 'site', siteId: VEN_NAME });
  const bearer = await token(vtnUrl, operator.clientId, operator.clientSecret);
  const post = async (path: string, body: unknown): Promise<string> => {
    const res = await fetch(`${vtnUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await res.json()) as { id: string };
    expect(res.status, JSON.stringify(json)).toBe(201);
    return json.id;
  };
  const programID = await post('/programs', { programName: 'utility-peak' });
  // Running now, for an hour: the controller's DR events count it active once mirrored.
  const eventID = await post('/events', {
    programID,
    targets: [{ type: 'VEN_NAME', values: [VEN_NAME] }],
    intervalPeriod: { start: formatDateTime(Date.now() - 60_000), duration: 'PT1H' },
    intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [5000] }] }],
  });
  ids.event = eventID;

  const config = `
http: {host: 127.0.0.1, port: 0}
simulation: {startAt: 2025-07-15T10:45:00+08:00, speed: 1}
northbound: {vtnUrl: "${vtnUrl}", clientId: ${ven.clientId}, clientSecretEnv: NB_SECRET, venName: ${VEN_NAME}, pollS: 0.2}
sites:
  - id: plant-n
    timezone: Asia/Shanghai
    gridImportLimitKw: 9000
    assets:
      - {id: plant-n-grid, type: meter, binding: modbus://127.0.0.1:0/1}
      - {id: plant-n-load, type: load, binding: modbus://127.0.0.1:0/2, simulate: {profile: {constantKw: 100}}}
`;
  const cfg = parseConfig(config, 'northbound-controller.yaml', { VPP_HTTP_PORT: '0', VPP_DATA_DIR: join(dir, 'data'), NB_SECRET: ven.clientSecret });
  vpp = await startController(cfg, { log: silentLogger(), version: 'test' });
}, 60_000);

afterAll(async () => {
  await vpp?.stop();
  await vtn?.close();
  await upRegistry?.close();
  await upStore?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('controller with northbound: config', () => {
  it('mirrors the utility\'s running event into its registry and acts on it', async () => {
    const local = localId(ids.event ?? '');
    const registry = openRegistry({ dataDir: join(dir, 'data') });
    try {
      const client = await registry.clients.add({ role: 'viewer' });
      const bearer = await token(`${vpp.url}/api/v1`, client.clientId, client.clientSecret);
      const body = await eventually('the mirrored event in the controller\'s API', async () => {
        const res = await fetch(`${vpp.url}/api/v1/events/${local}`, { headers: { authorization: `Bearer ${bearer}` } });
        return res.status === 200 ? ((await res.json()) as Record<string, unknown>) : undefined;
      }, 30_000);
      expect(body['targets']).toEqual([{ type: 'VEN_NAME', values: ['plant-n'] }]);
      await eventually('the runtime counting it active', async () => {
        const text = await (await fetch(`${vpp.url}/metrics`)).text();
        return /^vpp_dr_events_active 1$/m.test(text) ? true : undefined;
      }, 30_000);
    } finally {
      await registry.close();
    }
  }, 90_000);
});
