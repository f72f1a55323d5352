/**
 * The real app (buildApp) over a real registry in a temp dir, with the configured sites seeded
 * as vens and one client per role, for the OpenADR route tests. The clock is the test's.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildApp, type SiteView } from '../../src/api/index.js';
import type { Site } from '../../src/domain/index.js';
import { openRegistry, openStore, seedVens, type Registry, type TimeSeriesStore } from '../../src/store/index.js';
import { MODE_SITE } from './mode-app.js';

export const OWN_SITE = MODE_SITE;
export const OTHER_SITE: Site = { ...MODE_SITE, id: 'plant-2', name: 'Plant 2' };
export const WHO = ['operator', 'viewer', 'own', 'other'] as const;
export type Who = (typeof WHO)[number] | null;

export interface OpenAdrApi {
  readonly app: FastifyInstance;
  readonly registry: Registry;
  readonly clock: { nowMs: number };
  call(who: Who, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, body?: unknown): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function openAdrApi(startMs = Date.parse('2025-07-15T03:00:00Z'), sites: readonly SiteView[] = []): Promise<OpenAdrApi> {
  const dir = mkdtempSync(join(tmpdir(), 'vpp-openadr-api-'));
  const clock = { nowMs: startMs };
  const registry = openRegistry({ dataDir: dir, nowMs: () => clock.nowMs });
  const store: TimeSeriesStore = await openStore({ kind: 'sqlite', dataDir: dir });
  await seedVens(registry, [OWN_SITE, OTHER_SITE], startMs);
  const app = await buildApp({ version: 'test', sites: () => sites, store, adapters: () => [], nowMs: () => clock.nowMs, registry });
  const tokens: Record<string, string> = {};
  const roles = { operator: { role: 'operator' }, viewer: { role: 'viewer' }, own: { role: 'site', siteId: OWN_SITE.id }, other: { role: 'site', siteId: OTHER_SITE.id } } as const;
  const credentials = await Promise.all(Object.entries(roles).map(async ([name, input]) => [name, await registry.clients.add(input)] as const));
  let issuedAtMs = -Infinity;
  // Tokens live an hour on the test's clock: tests that move it past an event log in again.
  async function ensureTokens(): Promise<void> {
    if (Math.abs(clock.nowMs - issuedAtMs) < 30 * 60_000) return;
    issuedAtMs = clock.nowMs;
    for (const [name, c] of credentials) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/auth/token', payload: { grant_type: 'client_credentials', client_id: c.clientId, client_secret: c.clientSecret } });
      expect(res.statusCode, name).toBe(200);
      tokens[name] = (res.json() as { access_token: string }).access_token;
    }
  }
  await ensureTokens();
  return {
    app,
    registry,
    clock,
    call: async (who, method, url, body) => {
      await ensureTokens();
      return app.inject({
        method,
        url,
        headers: { ...(who === null ? {} : { authorization: `Bearer ${tokens[who] ?? ''}` }), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
    },
    close: async () => {
      await app.close();
      await registry.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Asserts an RFC 9457 problem+json answer with `status`, and returns its detail. */
export function expectProblem(res: LightMyRequestResponse, status: number): string {
  expect(res.statusCode, res.body).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  const p = res.json() as { type?: unknown; title?: unknown; status?: unknown; detail?: unknown };
  expect(typeof p.type).toBe('string');
  expect(typeof p.title).toBe('string');
  expect(p.status).toBe(status);
  expect(typeof p.detail).toBe('string');
  return p.detail as string;
}

export const PROGRAM = { programName: 'peak-2025', programLongName: 'Summer peak', targets: [{ type: 'GROUP', values: ['east'] }] };

export function eventBody(programID: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    programID,
    eventName: 'afternoon peak',
    priority: 1,
    targets: [{ type: 'VEN_NAME', values: [OWN_SITE.id] }],
    payloadDescriptors: [{ payloadType: 'IMPORT_CAPACITY_LIMIT', units: 'KW' }],
    intervalPeriod: { start: '2025-07-15T14:00:00+08:00', duration: 'PT1H', randomizeStart: 'PT0S' },
    intervals: [
      { id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [450] }] },
      { id: 1, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [400] }] },
    ],
    ...overrides,
  };
}

/** A USAGE report by `clientName` (a site id or ven id) on an event. */
export function reportBody(programID: string, eventID: string, clientName: string = OWN_SITE.id, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    programID,
    eventID,
    clientName,
    reportName: 'usage',
    payloadDescriptors: [{ payloadType: 'USAGE', units: 'KWH', readingType: 'DIRECT_READ' }],
    resources: [{ resourceName: 'AGGREGATED_REPORT', intervalPeriod: { start: '2025-07-15T14:00:00+08:00', duration: 'PT1H' }, intervals: [{ id: 0, payloads: [{ type: 'USAGE', values: [412.5] }] }] }],
    ...overrides,
  };
}

/** A subscription to event changes of a program, calling back `callbackUrl`. */
export function subscriptionBody(programID: string, callbackUrl = 'https://receiver.example/hook', overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    clientName: OWN_SITE.id,
    programID,
    objectOperations: [{ objects: ['EVENT'], operations: ['CREATE', 'UPDATE', 'DELETE'], callbackUrl, bearerToken: 'receiver-token' }],
    ...overrides,
  };
}
