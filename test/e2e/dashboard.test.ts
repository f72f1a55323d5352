import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { parseConfig } from '../../src/config/index.js';
import { silentLogger, startController, type RunningController } from '../../src/runtime/index.js';
import { openRegistry } from '../../src/store/index.js';
import { collectErrors, launchChromium, requireChromium, type HeadlessBrowser } from '../helpers/browser.js';
import { eventually, REPO_ROOT } from '../helpers/cli.js';

/**
 * The dashboard in Debian's headless Chromium against the real demo: the shipped
 * config/default.yaml (simulated devices over Modbus, OPC UA and MQTT on free loopback ports,
 * a temp data dir) run by startController in this process. The page is read without a token.
 * An operator client (made in the registry, as `vpp clients add` does) posts a DR event
 * mid-test, so the live numbers must move over the stream and the event must show up.
 * The site page's screenshot goes to test-results/dashboard.png (CI's artifact folder), the
 * events, fleet and report pages beside it (dashboard-events.png, -fleet.png, -report.png).
 */
const chromiumPath = requireChromium();
const SITE = 'demo-plant';
const SCREENSHOT = join(REPO_ROOT, 'test-results', 'dashboard.png');

interface ReadingJson { value: number | null; quality: string; time: string }
interface SiteJson { id: string; gridImportLimitKw: number; state: Record<string, ReadingJson> }

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  await new Promise<void>((done) => server.close(() => done()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const dir = mkdtempSync(join(tmpdir(), 'vpp-dashboard-'));
const dataDir = join(dir, 'data');
let vpp: RunningController | undefined;
let chromium: HeadlessBrowser | undefined;
let page: Page;
let errors: string[] = [];
let token = '';
const siteRequests: string[] = [];

const api = async <T>(method: string, path: string, body?: unknown, auth = false): Promise<{ status: number; json: T }> => {
  const res = await fetch(`${vpp?.url ?? ''}${path}`, {
    method,
    headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(auth ? { authorization: `Bearer ${token}` } : {}) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as T };
};

/** What the page shows for a metric of the site: the raw value and time it carries, and the text. */
async function shown(scope: string, metric: string): Promise<{ value: number | null; time: string; text: string } | undefined> {
  const el = page.locator(`${scope} [data-metric="${metric}"] .value`).first();
  if ((await el.count()) === 0) return undefined;
  // One read in the page: the stream may redraw the cell between separate reads (CI saw the
  // text of one update beside the value of the next).
  const { raw, time, text } = await el.evaluate((e) => ({ raw: e.getAttribute('data-value'), time: e.getAttribute('data-time'), text: e.textContent }));
  return { value: raw === null || raw === '' ? null : Number(raw), time: time ?? '', text: text ?? '' };
}

beforeAll(async () => {
  if (chromiumPath === null) return;
  const shipped = resolve(REPO_ROOT, 'config/default.yaml');
  const text = readFileSync(shipped, 'utf8')
    .replaceAll('127.0.0.1:15020/', '127.0.0.1:0/')
    .replaceAll('127.0.0.1:11883/', '127.0.0.1:0/')
    .replaceAll('127.0.0.1:14840?', `127.0.0.1:${await freePort()}?`);
  const cfg = parseConfig(text, shipped, { VPP_HTTP_PORT: '0', VPP_DATA_DIR: dataDir });
  // The browser starts while the demo makes its OPC UA certificates: both take seconds.
  [vpp, chromium] = await Promise.all([startController(cfg, { log: silentLogger(), version: 'test' }), launchChromium(chromiumPath)]);
  const registry = openRegistry({ dataDir });
  const client = await registry.clients.add({ role: 'operator' });
  await registry.close();
  const res = await fetch(`${vpp.url}/api/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret }),
  });
  token = ((await res.json()) as { access_token: string }).access_token;
  page = await chromium.context.newPage();
  errors = collectErrors(page);
  page.on('request', (req) => {
    if (new URL(req.url()).pathname === '/api/v1/sites') siteRequests.push(req.url());
  });
}, 90_000);

afterAll(async () => {
  await chromium?.close();
  await vpp?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe.skipIf(chromiumPath === null)('the dashboard in headless Chromium', () => {
  it('shows the demo site\'s live numbers on the fleet page, as /api/v1/sites has them', async () => {
    await page.goto(`${vpp?.url ?? ''}/`);
    await page.locator(`tr[data-site="${SITE}"] [data-metric="gridPowerKw"] .value.good`).waitFor({ timeout: 20_000 });
    // The page is fed by the stream (throttled to 1/s) and the API answers the latest state:
    // the same numbers within a tolerance that a second of change stays inside.
    const tolerance: Record<string, number> = { gridPowerKw: 8, loadPowerKw: 8, pvPowerKw: 8, batteryPowerKw: 8, batterySocPct: 0.5 };
    await eventually(
      'the page and /api/v1/sites to agree on every site reading',
      async () => {
        const [site] = (await api<SiteJson[]>('GET', '/api/v1/sites')).json;
        for (const [metric, tol] of Object.entries(tolerance)) {
          const served = site?.state[metric];
          const onPage = await shown(`tr[data-site="${SITE}"]`, metric);
          if (served?.value == null || onPage?.value == null) return undefined;
          if (Math.abs(onPage.value - served.value) > tol || Math.abs(Date.parse(onPage.time) - Date.parse(served.time)) > 5000) return undefined;
          // The text a person reads is that number, in its unit.
          expect(onPage.text).toBe(`${onPage.value.toFixed(1)} ${metric === 'batterySocPct' ? '%' : 'kW'}`);
        }
        return true;
      },
      20_000,
    );
    await expect(page.locator(`tr[data-site="${SITE}"] [data-flex="decrease"]`).textContent()).resolves.toMatch(/^\d+\.\d kW$/);
    await expect(page.locator('#live-state').textContent()).resolves.toBe('live');
    expect(errors).toEqual([]);
  }, 30_000);

  it('updates over the stream, without polling, and the site chart grows live', async () => {
    const before = await shown(`tr[data-site="${SITE}"]`, 'gridPowerKw');
    const requestsBefore = siteRequests.length;
    await eventually('a newer grid reading on the page', async () => {
      const now = await shown(`tr[data-site="${SITE}"]`, 'gridPowerKw');
      return now !== undefined && Date.parse(now.time) > Date.parse(before?.time ?? '') ? now : undefined;
    }, 10_000);
    expect(siteRequests.length, 'the fleet page reads /api/v1/sites once, then only the stream').toBe(requestsBefore);

    await page.getByRole('link', { name: 'Demo commercial plant' }).click();
    const chart = page.locator('#site-chart');
    await chart.locator('canvas').waitFor({ timeout: 15_000 });
    // History from /series, then a point per stream update.
    const points = async (): Promise<number> => Number(await chart.getAttribute('data-points'));
    const first = await eventually('the chart to have points', async () => ((await points()) > 0 ? points() : undefined), 10_000);
    await eventually('the chart to gain live points', async () => ((await points()) >= first + 2 ? true : undefined), 15_000);
    expect(errors).toEqual([]);
  }, 40_000);

  it('shows a DR event as it starts: the grid comes down live, the window is listed, the events page has it', async () => {
    const start = await shown('#site-numbers', 'gridPowerKw');
    expect(start?.value).not.toBeNull();
    // Within what the demo's batteries can still shed (they hold ~250 kW of decrease).
    const limitKw = Math.round((start?.value ?? 0) - 60);
    const program = await api<{ id: string }>('POST', '/api/v1/programs', { programName: `dashboard-${Date.now()}` }, true);
    expect(program.status, JSON.stringify(program.json)).toBe(201);
    const startMs = Math.ceil((Date.now() + 2000) / 1000) * 1000;
    const created = await api<{ id: string }>('POST', '/api/v1/events', {
      programID: program.json.id,
      eventName: 'dashboard limit',
      targets: [{ type: 'VEN_NAME', values: [SITE] }],
      payloadDescriptors: [{ payloadType: 'IMPORT_CAPACITY_LIMIT', units: 'KW' }],
      intervalPeriod: { start: new Date(startMs).toISOString(), duration: 'PT30M' },
      intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [limitKw] }] }],
    }, true);
    expect(created.status, JSON.stringify(created.json)).toBe(201);

    // The public summary has it without a token; the OpenADR list still needs one; writes too.
    const summary = await api<Array<{ id: string; siteIds: string[] | null; intervals: Array<{ signals: Array<{ value: number }> }> }>>('GET', '/api/v1/dashboard/events');
    expect(summary.status).toBe(200);
    expect(summary.json.find((e) => e.id === created.json.id)).toMatchObject({ siteIds: [SITE], intervals: [{ signals: [{ value: limitKw }] }] });
    expect((await api('GET', '/api/v1/events')).status).toBe(401);
    expect((await api('POST', '/api/v1/events', {})).status).toBe(401);

    // The stream says active, the page lists it; the controller brings import under the limit and the page shows it.
    await page.locator('#site-events .badge.active').waitFor({ timeout: 15_000 });
    await expect(page.locator('#site-events').textContent()).resolves.toContain(`IMPORT_CAPACITY_LIMIT ${limitKw.toFixed(1)} kW`);
    const after = await eventually('the grid on the page at or under the event limit', async () => {
      const now = await shown('#site-numbers', 'gridPowerKw');
      return now?.value != null && now.value <= limitKw * 1.02 ? now : undefined;
    }, 25_000);
    expect(start?.value ?? 0).toBeGreaterThan((after.value ?? 0) + 30);
    // A few more live points under the shaded window, for the screenshot.
    await page.waitForTimeout(2000);
    mkdirSync(join(REPO_ROOT, 'test-results'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await page.getByRole('link', { name: 'Events', exact: true }).click();
    const row = page.locator(`tr[data-event="${created.json.id}"]`);
    await row.waitFor({ timeout: 10_000 });
    const text = (await row.textContent()) ?? '';
    expect(text).toContain('dashboard limit');
    expect(text).toContain('active');
    expect(text).toContain(SITE);
    expect(text).toContain(`IMPORT_CAPACITY_LIMIT ${limitKw.toFixed(1)} kW`);
    await page.screenshot({ path: SCREENSHOT.replace('.png', '-events.png'), fullPage: true });
    await page.getByRole('link', { name: 'Fleet' }).click();
    await page.locator(`tr[data-site="${SITE}"] .badge.active`).waitFor({ timeout: 10_000 });
    await page.screenshot({ path: SCREENSHOT.replace('.png', '-fleet.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 60_000);

  it('renders the energy report as /api/v1/energy-reports computes it', async () => {
    const answer = page.waitForResponse((res) => new URL(res.url()).pathname === '/api/v1/energy-reports', { timeout: 20_000 });
    await page.getByRole('link', { name: 'Energy & carbon' }).click();
    const res = await answer;
    expect(res.status()).toBe(200);
    const report = (await res.json()) as { district: { total: Record<string, number | null> } };
    const row = page.locator('table.report tr[data-row="District"]').first();
    await row.waitFor({ timeout: 10_000 });
    const importKwh = report.district.total['importKwh'] ?? NaN;
    // The demo imports all along: a positive figure, shown as the API has it.
    expect(importKwh).toBeGreaterThan(0);
    await expect(row.locator('[data-field="importKwh"]').textContent()).resolves.toBe(importKwh.toFixed(1));
    await expect(row.locator('[data-field="pvKwh"]').textContent()).resolves.toBe((report.district.total['pvKwh'] ?? NaN).toFixed(1));
    await page.screenshot({ path: SCREENSHOT.replace('.png', '-report.png'), fullPage: true });
    expect(errors).toEqual([]);
  }, 30_000);

  it('serves only its own files', async () => {
    for (const path of ['/static/../package.json', '/static/%2e%2e/package.json', '/static/index.html', '/static/nope.js']) {
      const res = await fetch(`${vpp?.url ?? ''}${path}`);
      expect(res.status, path).toBe(404);
      expect(res.headers.get('content-type'), path).toContain('application/problem+json');
    }
    const uplot = await fetch(`${vpp?.url ?? ''}/static/vendor/uPlot.iife.min.js`);
    expect(uplot.status).toBe(200);
    expect(uplot.headers.get('content-type')).toContain('text/javascript');
  });

  it('says so when the controller goes away, and keeps the last numbers', async () => {
    await page.getByRole('link', { name: 'Fleet' }).click();
    await page.locator(`tr[data-site="${SITE}"] [data-metric="gridPowerKw"] .value`).waitFor({ timeout: 10_000 });
    await expect(page.locator('#live-state').textContent()).resolves.toBe('live');
    await vpp?.stop();
    await page.locator('#live-state', { hasText: 'reconnecting' }).waitFor({ timeout: 10_000 });
    await expect(page.locator(`tr[data-site="${SITE}"] [data-metric="gridPowerKw"] .value`).count()).resolves.toBe(1);
    // Reconnect attempts against a closed port are network errors, not errors of the page's code.
    expect(errors.filter((e) => e.startsWith('pageerror'))).toEqual([]);
  }, 30_000);
});
