import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OTHER_SITE, OWN_SITE, openAdrApi, type OpenAdrApi } from '../helpers/openadr-api.js';

/** GET /api/v1/sites is public, but a site client that presents its token sees only its own site. */
describe('GET /api/v1/sites visibility', () => {
  let api: OpenAdrApi;
  beforeAll(async () => {
    api = await openAdrApi(undefined, [
      { site: OWN_SITE, state: null },
      { site: OTHER_SITE, state: null },
    ]);
  });
  afterAll(async () => api?.close());

  const ids = async (who: Parameters<OpenAdrApi['call']>[0]) => {
    const res = await api.call(who, 'GET', '/api/v1/sites');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    return (res.json() as Array<{ id: string }>).map((s) => s.id).sort();
  };

  it('shows every site to anonymous readers, operators and viewers', async () => {
    const all = [OWN_SITE.id, OTHER_SITE.id].sort();
    expect(await ids(null)).toEqual(all);
    expect(await ids('operator')).toEqual(all);
    expect(await ids('viewer')).toEqual(all);
  });

  it('shows a site client its own site only', async () => {
    expect(await ids('own')).toEqual([OWN_SITE.id]);
    expect(await ids('other')).toEqual([OTHER_SITE.id]);
  });
});
