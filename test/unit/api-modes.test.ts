import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import type { ModeTable } from '../../src/runtime/index.js';
import { modeApp } from '../helpers/mode-app.js';

const NOW = Date.parse('2025-07-15T03:00:00Z');
let app: FastifyInstance;
let table: ModeTable;

beforeEach(async () => {
  ({ app, table } = await modeApp(() => NOW));
});
afterEach(async () => {
  await app.close();
});

const put = (url: string, payload: unknown, token = 'ops-7') =>
  app.inject({ method: 'PUT', url, payload: payload as object, headers: { authorization: `Bearer ${token}` } });

describe('mode routes', () => {
  it('GET shows the site mode, each asset\u2019s effective mode and no changes yet', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/v1/sites/plant-1/mode' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      siteId: 'plant-1',
      mode: 'auto',
      setpointKw: null,
      assets: [
        { id: 'grid', kind: 'meter', mode: 'auto', setpointKw: null, source: 'site' },
        { id: 'bess', kind: 'battery', mode: 'auto', setpointKw: null, source: 'site' },
      ],
      changes: [],
    });
  });

  it('PUT sets a site and an asset mode, recorded with who and why', async () => {
    const site = await put('/api/v1/sites/plant-1/mode', { mode: 'shadow', reason: 'commissioning' });
    expect(site.statusCode).toBe(200);
    expect(site.json()).toMatchObject({ mode: 'shadow', assets: [{ id: 'grid', mode: 'shadow' }, { id: 'bess', mode: 'shadow' }] });
    const asset = await put('/api/v1/sites/plant-1/assets/bess/mode', { mode: 'manual', reason: 'test discharge', setpointKw: -40 }, 'ops-9');
    expect(asset.statusCode).toBe(200);
    expect(asset.json().assets[1]).toEqual({ id: 'bess', kind: 'battery', mode: 'manual', setpointKw: -40, source: 'asset' });
    expect(asset.json().changes).toEqual([
      { siteId: 'plant-1', assetId: 'bess', mode: 'manual', setpointKw: -40, who: 'ops-9', reason: 'test discharge', time: '2025-07-15T03:00:00.000Z' },
      { siteId: 'plant-1', assetId: null, mode: 'shadow', setpointKw: null, who: 'ops-7', reason: 'commissioning', time: '2025-07-15T03:00:00.000Z' },
    ]);
    // The controller's table is what changed, not a copy.
    expect(table.effective('plant-1', 'bess')).toEqual({ mode: 'manual', manualKw: -40, source: 'asset' });
  });

  it.each([
    [{ mode: 'turbo', reason: 'x' }, 'body.mode'],
    [{ mode: 'off' }, 'body.reason'],
    [{ mode: 'off', reason: '   ' }, 'body.reason: must not be blank'],
    [{ mode: 'manual', reason: 'x' }, 'body.setpointKw: is required with mode manual'],
    [{ mode: 'auto', reason: 'x', setpointKw: 5 }, 'body.setpointKw: only with mode manual'],
    [{ mode: 'manual', reason: 'x', setpointKw: '5kW' }, 'body.setpointKw'],
  ])('PUT %o answers 400 problem+json naming %s', async (body, field) => {
    const res = await put('/api/v1/sites/plant-1/assets/bess/mode', body);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json().detail).toContain(field);
    expect((await table.view('plant-1'))?.changes).toEqual([]);
  });

  it('refuses manual on a meter with 400 naming the asset', async () => {
    const res = await put('/api/v1/sites/plant-1/assets/grid/mode', { mode: 'manual', reason: 'x', setpointKw: 5 });
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toBe("params.assetId: manual needs a battery, 'grid' is a meter");
  });

  it('answers 404 for an unknown site or asset', async () => {
    const site = await put('/api/v1/sites/nowhere/mode', { mode: 'off', reason: 'x' });
    expect([site.statusCode, site.json().detail]).toEqual([404, "params.siteId: no site 'nowhere'"]);
    const asset = await put('/api/v1/sites/plant-1/assets/ghost/mode', { mode: 'off', reason: 'x' });
    expect([asset.statusCode, asset.json().detail]).toEqual([404, "params.assetId: site 'plant-1' has no asset 'ghost'"]);
    const get = await app.inject({ method: 'GET', url: '/api/v1/sites/nowhere/mode' });
    expect(get.statusCode).toBe(404);
  });
});
