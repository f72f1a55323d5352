/**
 * Issue 7: an IMPORT_CAPACITY_LIMIT event POSTed through the API until every battery of the
 * fleet holds its new setpoint, seen on the simulator side. The fleet is SITES sites × PER_SITE
 * SunSpec batteries (plus a meter and a constant load each), one Modbus TCP server per site on
 * loopback, run by the scenario runner as `vpp sim` does; the controller (startController) reaches
 * them over Modbus like real devices. Each battery model's command() is wrapped to note when a
 * write lands (the simulator is not changed). Baseline, same run and devices: the same setpoint
 * written to every battery straight through one adapter each (no API, no DR events, no control
 * loop), after the controller has stopped.
 *
 * Everything runs in this one process (simulators, controller, API client): the figures include
 * the simulators' share of the CPU, which a field deployment would not carry.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAdapter } from '../adapters/index.js';
import { startScenario } from '../simulators/index.js';
import { parseConfig, type VppConfig } from '../src/config/index.js';
import type { DeviceAdapter } from '../src/domain/index.js';
import { silentLogger, startController, type RunningController } from '../src/runtime/index.js';
import { scenarioFromConfig } from '../src/runtime/sim-config.js';
import { openRegistry } from '../src/store/index.js';
import { CYCLE_MS, LIMIT_KW, Landing, PER_SITE, REPEATS, SHED_PER_BATTERY_KW, SITES, WAIT_MS, configText, hookBatteries, onServedDevices } from './api-events-fleet-world.js';

export interface FleetTimes {
  readonly assets: number;
  /** POST → last battery's new command, ms, per repeat that landed everywhere. */
  readonly eventMs: number[];
  /** POST → its 201, ms. */
  readonly postMs: number[];
  /** POST → first battery's new command, ms. */
  readonly firstMs: number[];
  /** Direct writes → last battery's new command, ms. */
  readonly directMs: number[];
  readonly notes: string[];
}

/** Runs the fleet once: REPEATS events through the API, then REPEATS rounds of direct writes. */
export async function measureFleet(): Promise<FleetTimes> {
  const dir = mkdtempSync(join(tmpdir(), 'vpp-bench-api-'));
  const notes: string[] = [];
  const cfg = parseConfig(configText(), 'bench-api-events.yaml', { VPP_HTTP_PORT: '0', VPP_DATA_DIR: join(dir, 'data') });
  const run = await startScenario({ scenario: scenarioFromConfig(cfg), speed: 1, portBase: 0 });
  const total = SITES * PER_SITE;
  const landing = new Landing(total);
  hookBatteries(run, landing);
  let vpp: RunningController | null = null;
  try {
    const live = onServedDevices(cfg, run);
    vpp = await startController(live, { log: silentLogger(), version: 'bench' });
    const { eventMs, postMs, firstMs } = await throughApi(vpp, join(dir, 'data'), landing, notes);
    await vpp.stop();
    vpp = null;
    const directMs = await direct(live, landing, notes);
    return { assets: total, eventMs, postMs, firstMs, directMs, notes };
  } finally {
    await vpp?.stop();
    await run.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function throughApi(vpp: RunningController, dataDir: string, landing: Landing, notes: string[]): Promise<{ eventMs: number[]; postMs: number[]; firstMs: number[] }> {
  const registry = openRegistry({ dataDir });
  const client = await registry.clients.add({ role: 'operator' });
  registry.close();
  const tokenRes = await fetch(`${vpp.url}/api/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ grant_type: 'client_credentials', client_id: client.clientId, client_secret: client.clientSecret }),
  });
  const token = ((await tokenRes.json()) as { access_token: string }).access_token;
  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> => {
    const res = await fetch(`${vpp.url}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, json: await res.json() };
  };
  // Every site metered and every battery idle before the first event.
  await until(() => vpp.sites().every((v) => v.state?.gridPowerKw.quality === 'good'), 'every site metered', 180_000);
  const program = await api('POST', '/programs', { programName: 'bench-limit' });
  if (program.status !== 201) throw new Error(`bench: POST /programs answered ${program.status}: ${JSON.stringify(program.json)}`);
  const programID = (program.json as { id: string }).id;
  const sites = vpp.sites().map((v) => v.site.id);
  const out = { eventMs: [] as number[], postMs: [] as number[], firstMs: [] as number[] };
  for (let i = 0; i < REPEATS; i++) {
    // The last cancel landed just after a control cycle: spread the POSTs over the cycle's phase.
    await sleep(((i + 0.5) / REPEATS) * CYCLE_MS);
    landing.arm(0);
    const t0 = performance.now();
    const created = await api('POST', '/events', {
      programID,
      eventName: `bench ${i}`,
      targets: [{ type: 'VEN_NAME', values: sites }],
      payloadDescriptors: [{ payloadType: 'IMPORT_CAPACITY_LIMIT', units: 'KW' }],
      intervalPeriod: { start: new Date(Date.now() - 1000).toISOString(), duration: 'PT1H' },
      intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [LIMIT_KW] }] }],
    });
    const postMs = performance.now() - t0;
    if (created.status !== 201) throw new Error(`bench: POST /events answered ${created.status}: ${JSON.stringify(created.json)}`);
    const got = await landing.all();
    if (got.lastMs === null) notes.push(`event ${i}: ${got.landed} of ${landing.total} batteries within ${WAIT_MS} ms`);
    else {
      out.eventMs.push(got.lastMs - t0);
      out.postMs.push(postMs);
      out.firstMs.push(got.firstMs - t0);
    }
    // Cancelled: every battery back to idle (0 kW) before the next event.
    landing.arm(-SHED_PER_BATTERY_KW);
    const deleted = await api('DELETE', `/events/${(created.json as { id: string }).id}`);
    if (deleted.status !== 200) throw new Error(`bench: DELETE /events answered ${deleted.status}`);
    const back = await landing.all();
    if (back.lastMs === null) notes.push(`cancel ${i}: ${back.landed} batteries back to idle within ${WAIT_MS} ms`);
  }
  return out;
}

async function direct(cfg: VppConfig, landing: Landing, notes: string[]): Promise<number[]> {
  const adapters: DeviceAdapter[] = cfg.sites.flatMap((cs) =>
    cs.site.assets
      .filter((a) => a.kind === 'battery')
      .map((a) => createAdapter({ siteId: cs.site.id, assetId: a.id, kind: a.kind, binding: a.binding, pollIntervalS: a.pollIntervalS, revertS: cs.revertS[a.id] ?? 60 })),
  );
  try {
    await Promise.all(adapters.map((a) => a.connect()));
    const writeAll = async (kw: number) => {
      const results = await Promise.all(adapters.map((a) => a.write({ siteId: a.target.siteId, assetId: a.target.assetId, powerKw: kw, reason: 'bench', atMs: Date.now() })));
      const failed = results.filter((r) => !r.ok);
      // A read-back that times out under load still wrote the command: the landing counts, this is noted.
      if (failed.length > 0) notes.push(`direct write of ${kw} kW: ${failed.length} not verified (${failed[0]?.detail ?? ''})`);
    };
    await writeAll(0);
    const out: number[] = [];
    for (let i = 0; i < REPEATS; i++) {
      landing.arm(0);
      const t0 = performance.now();
      const writes = writeAll(-SHED_PER_BATTERY_KW);
      const got = await landing.all();
      await writes;
      if (got.lastMs === null) notes.push(`direct ${i}: ${got.landed} batteries within ${WAIT_MS} ms`);
      else out.push(got.lastMs - t0);
      await writeAll(0);
    }
    return out;
  } finally {
    await Promise.all(adapters.map((a) => a.close()));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(ok: () => boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`bench: ${what} not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
