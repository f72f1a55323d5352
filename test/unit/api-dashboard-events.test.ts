import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventBody, OTHER_SITE, OWN_SITE, openAdrApi, PROGRAM, type OpenAdrApi } from '../helpers/openadr-api.js';

/**
 * GET /api/v1/dashboard/events: the dashboard's public, read-only event summary, over the real
 * app and registry (openAdrApi), with the test's clock.
 */
interface Summary {
  id: string;
  name: string | null;
  programId: string;
  status: string;
  start: string;
  end: string | null;
  cancelledAt: string | null;
  siteIds: string[] | null;
  groups: string[];
  intervals: Array<{ start: string; end: string | null; signals: Array<{ type: string; value: number; unit: string }> }>;
}

const HOUR = 3_600_000;
// eventBody: 2025-07-15T14:00+08:00 (06:00Z), two one-hour intervals, 450 then 400 kW.
const START = Date.parse('2025-07-15T06:00:00Z');

let t: OpenAdrApi;
let programId = '';

beforeEach(async () => {
  t = await openAdrApi(START - 3 * HOUR);
  programId = ((await t.call('operator', 'POST', '/api/v1/programs', PROGRAM)).json() as { id: string }).id;
});
afterEach(async () => t.close());

async function create(overrides: Record<string, unknown> = {}): Promise<string> {
  const res = await t.call('operator', 'POST', '/api/v1/events', eventBody(programId, overrides));
  expect(res.statusCode, res.body).toBe(201);
  return (res.json() as { id: string }).id;
}

const summaries = async (who: Parameters<OpenAdrApi['call']>[0] = null): Promise<Summary[]> => {
  const res = await t.call(who, 'GET', '/api/v1/dashboard/events');
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as Summary[];
};

describe('GET /api/v1/dashboard/events', () => {
  it('answers without a token: window, targets, values, and the status at the API clock', async () => {
    const id = await create();
    const [pending] = await summaries();
    expect(pending).toEqual({
      id,
      name: 'afternoon peak',
      programId,
      status: 'pending',
      start: '2025-07-15T06:00:00.000Z',
      end: '2025-07-15T08:00:00.000Z',
      cancelledAt: null,
      siteIds: [OWN_SITE.id],
      groups: [],
      intervals: [
        { start: '2025-07-15T06:00:00.000Z', end: '2025-07-15T07:00:00.000Z', signals: [{ type: 'IMPORT_CAPACITY_LIMIT', value: 450, unit: 'kW' }] },
        { start: '2025-07-15T07:00:00.000Z', end: '2025-07-15T08:00:00.000Z', signals: [{ type: 'IMPORT_CAPACITY_LIMIT', value: 400, unit: 'kW' }] },
      ],
    });
    t.clock.nowMs = START + HOUR / 2;
    expect((await summaries())[0]?.status).toBe('active');
    t.clock.nowMs = START + 3 * HOUR;
    expect((await summaries())[0]?.status).toBe('completed');
    // Kept for a week after its end, then left out.
    t.clock.nowMs = START + 2 * HOUR + 7 * 24 * HOUR + 1;
    expect(await summaries()).toEqual([]);
  });

  it('carries nothing of the OpenADR body beyond the summary fields', async () => {
    await create();
    const [s] = await summaries();
    expect(Object.keys(s ?? {}).sort()).toEqual(['cancelledAt', 'end', 'groups', 'id', 'intervals', 'name', 'programId', 'siteIds', 'start', 'status']);
  });

  it('shows a site client only the events addressed to its site; everyone else sees all', async () => {
    const own = await create();
    const other = await create({ eventName: 'other site', targets: [{ type: 'VEN_NAME', values: [OTHER_SITE.id] }] });
    const all = await create({ eventName: 'everyone', targets: [] });
    const ids = async (who: Parameters<OpenAdrApi['call']>[0]) => (await summaries(who)).map((s) => s.id).sort();
    expect(await ids(null)).toEqual([own, other, all].sort());
    expect(await ids('viewer')).toEqual([own, other, all].sort());
    expect(await ids('own')).toEqual([own, all].sort());
    expect(await ids('other')).toEqual([other, all].sort());
    expect((await summaries()).find((s) => s.id === all)?.siteIds).toBeNull();
  });

  it('shows a running event cancelled by DELETE as cancelled, with the time', async () => {
    const id = await create();
    t.clock.nowMs = START + HOUR / 2;
    expect((await t.call('operator', 'DELETE', `/api/v1/events/${id}`)).statusCode).toBe(200);
    const [s] = await summaries();
    expect(s).toMatchObject({ id, status: 'cancelled', cancelledAt: new Date(START + HOUR / 2).toISOString() });
  });

  it('is read-only: no method but GET, and a bad token is refused', async () => {
    for (const method of ['POST', 'PUT', 'DELETE'] as const) {
      const res = await t.call('operator', method, '/api/v1/dashboard/events', {});
      expect(res.statusCode, method).toBe(404);
    }
    const res = await t.app.inject({ method: 'GET', url: '/api/v1/dashboard/events', headers: { authorization: 'Bearer nope' } });
    expect(res.statusCode).toBe(401);
  });
});
