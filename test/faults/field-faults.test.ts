import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, runVpp, spawnVpp } from '../helpers/cli.js';
import { freePort } from '../helpers/influxd.js';
import { mosquittoAvailable, startMosquitto, type MosquittoHandle } from '../helpers/mosquitto.js';
import { controllerConfigText, fleetSiteId, startFleetSim, watchFleet, type FleetSpec, type FleetWatch } from '../helpers/mqtt-fleet.js';

/*
 * The fault suite (issue 8, `npm run test:faults`): real processes, real broker. A controller
 * process (`vpp start`) runs SITES sites whose devices a separate `vpp sim` serves over
 * Mosquitto; each site's constant load is above its import limit, so only the controller keeps
 * it under. Faults, one after another, each with what must hold:
 *   1. broker restart      — the controller reads every site again within RECOVER_MS of the
 *                            broker's return, and no site is above its limit once readings flow
 *   2. malformed payloads  — the controller keeps running and keeps the site under its limit;
 *                            no garbage value shows up as the site's grid power
 *   3. field freeze        — (every device silent: `vpp sim` stopped with SIGSTOP) readings turn
 *                            stale, never a remembered number presented as good; all sites under
 *                            their limit again within RECOVER_MS of SIGCONT
 *   4. kill -9 mid-event   — the batteries keep their last setpoints while the controller is
 *                            dead (revert timers 90 s), so no site passes the event's cap by more
 *                            than 1 %; restarted, it reads the event from its registry and every
 *                            site is under the cap again within RECOVER_MS; the series recorded
 *                            before the kill are still in the store
 * (influxd outages: test/integration/store-spool*.test.ts; device comm loss of one asset in
 * closed loop: test/unit/scenario-faults.test.ts; both are part of `npm run test:faults`.)
 */

// Revert timers outlast a controller restart (a process start loads the whole program: ~5 s
// alone, 30 s on a loaded 2-core CI machine): ARCHITECTURE.md's rule for takeovers, here for restarts.
const SPEC: FleetSpec = { sites: 4, limitKw: 80, targetKw: 70, loadKw: 100, revertS: 90 };
const RECOVER_MS = 15_000;
const EVENT_CAP_KW = 60;
const ready = mosquittoAvailable();

interface SiteJson {
  readonly id: string;
  readonly state: { readonly gridPowerKw?: { readonly value: number | null; readonly quality: string } } | null;
}

describe.skipIf(!ready)(`fault suite: ${SPEC.sites} sites over Mosquitto, a controller process`, () => {
  let broker: MosquittoHandle;
  let dir: string;
  let sim: ReturnType<typeof spawnVpp> | undefined;
  let ctl: ReturnType<typeof spawnVpp> | undefined;
  let watch: FleetWatch | undefined;
  let port = 0;
  let configFile = '';
  const dataDir = () => join(dir, 'data');
  const siteIds = Array.from({ length: SPEC.sites }, (_, i) => fleetSiteId(i));
  const startCtl = () =>
    spawnVpp(['start', '--config', configFile], { VPP_HTTP_PORT: String(port), VPP_DATA_DIR: dataDir(), VPP_LOG_LEVEL: 'warn' });
  const diag = () => `\ncontroller output:\n${ctl?.output().slice(-3000) ?? ''}`;
  const sitesNow = async (): Promise<SiteJson[]> => {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/sites`, { signal: AbortSignal.timeout(10_000) });
    return (await res.json()) as SiteJson[];
  };
  /** Every site metered under `kw` in the last 3 s (readings on the broker). */
  const allUnder = (kw: number) => async () => {
    const last = watch?.lastImport(Date.now() - 3000) ?? new Map<string, number>();
    return last.size === SPEC.sites && [...last.values()].every((v) => v <= kw) ? true : undefined;
  };
  const worstSince = (fromMs: number, toMs = Infinity): number =>
    Math.max(-Infinity, ...(watch?.meter ?? []).filter(([t]) => t >= fromMs && t <= toMs).map(([, , kw]) => kw));

  beforeAll(async () => {
    broker = await startMosquitto();
    dir = await mkdtemp(join(tmpdir(), 'vpp-faults-'));
    const started = await startFleetSim(SPEC, dir, broker);
    sim = started.sim;
    port = await freePort();
    configFile = join(dir, 'controller.yaml');
    await writeFile(configFile, controllerConfigText(SPEC, started.endpoints, `store: {kind: sqlite, dataDir: ${JSON.stringify(dataDir())}}`));
    watch = await watchFleet(broker.url);
    ctl = startCtl();
    await eventually('every site under its limit', allUnder(SPEC.limitKw), 120_000, 1000).catch((err: unknown) => {
      throw new Error(`${String(err)}${diag()}`);
    });
  }, 360_000);

  afterAll(async () => {
    ctl?.child.kill('SIGKILL');
    sim?.child.kill('SIGCONT');
    sim?.child.kill('SIGTERM');
    await sim?.exited;
    await watch?.close();
    await broker?.stop();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('1. broker restart: readings back within 15 s, no limit broken once they flow', async () => {
    await broker.stop();
    await new Promise((r) => setTimeout(r, 3000));
    broker = await startMosquitto(broker.port);
    const backAt = Date.now();
    // The batteries held their setpoints through the outage (revert timers); the controller's
    // adapters reconnect and read again, and it keeps every site under its limit.
    await eventually(
      'every site read good again by the controller',
      async () => ((await sitesNow()).every((s) => s.state?.gridPowerKw?.quality === 'good' && (s.state.gridPowerKw.value ?? Infinity) <= SPEC.limitKw) ? true : undefined),
      RECOVER_MS,
      500,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}${diag()}`);
    });
    await eventually('every site metered under its limit', allUnder(SPEC.limitKw), RECOVER_MS, 500);
    expect(worstSince(backAt)).toBeLessThanOrEqual(SPEC.limitKw);
  }, 60_000);

  it('2. malformed payloads on a meter topic: dropped, the site stays controlled', async () => {
    const site = siteIds[0] ?? '';
    const topic = `vpp-sim/${site}/${site}/${site}-grid/telemetry`;
    const garbage = ['not json', '{"powerKw": "abc"}', '{"powerKw": 1e999}', '{"time": "yesterday", "powerKw": 5}', '[1,2,3]', '{"powerKw": null}', ''];
    const pub = mqtt.connect(broker.url);
    await new Promise<void>((resolve) => pub.once('connect', () => resolve()));
    const from = Date.now();
    for (let i = 0; i < 10; i++) for (const g of garbage) await pub.publishAsync(topic, g);
    await pub.endAsync();
    // The controller is alive and answers; the site is still under its limit afterwards.
    const health = await fetch(`http://127.0.0.1:${port}/api/v1/health`, { signal: AbortSignal.timeout(10_000) });
    expect(health.status).toBe(200);
    await eventually('every site under its limit after the garbage', allUnder(SPEC.limitKw), RECOVER_MS, 500);
    // An unreadable reading makes the value bad, never 0 or a remembered number; the next good one restores it.
    await eventually('the site read good again', async () => ((await sitesNow()).find((s) => s.id === site)?.state?.gridPowerKw?.quality === 'good' ? true : undefined), RECOVER_MS, 250);
    expect(worstSince(from + 5000)).toBeLessThanOrEqual(SPEC.limitKw);
    // A reading whose time cannot be read has no trustworthy value: 5 kW is never recorded.
    await new Promise((r) => setTimeout(r, 2500)); // the store's queue flushes every second
    const series = await fetch(
      `http://127.0.0.1:${port}/api/v1/sites/${site}/series?metric=gridPowerKw&from=${new Date(from - 1000).toISOString()}&to=${new Date().toISOString()}`,
    );
    const points = ((await series.json()) as { points: Array<{ value: number }> }).points;
    expect(points.length).toBeGreaterThan(0);
    expect(points.filter((p) => p.value === 5)).toEqual([]);
  }, 60_000);

  it('3. field freeze (every device silent): readings go stale, control returns within 15 s', async () => {
    sim?.child.kill('SIGSTOP');
    const stale = await eventually(
      'the sites shown stale or bad',
      async () => {
        const sites = await sitesNow();
        return sites.every((s) => s.state?.gridPowerKw?.quality !== 'good') ? sites : undefined;
      },
      30_000,
      500,
    ).catch((err: unknown) => {
      sim?.child.kill('SIGCONT');
      throw err;
    });
    expect(stale).toHaveLength(SPEC.sites);
    sim?.child.kill('SIGCONT');
    const resumedAt = Date.now();
    await eventually('every site good and under its limit again', async () => {
      const sites = await sitesNow();
      return sites.every((s) => s.state?.gridPowerKw?.quality === 'good') && (await allUnder(SPEC.limitKw)()) === true ? true : undefined;
    }, RECOVER_MS, 500).catch((err: unknown) => {
      throw new Error(`${String(err)}${diag()}`);
    });
    expect(Date.now() - resumedAt).toBeLessThanOrEqual(RECOVER_MS);
  }, 90_000);

  it('4. kill -9 of the controller mid-event: caps held while it is dead, restored after restart', async () => {
    const client = await runVpp(['clients', 'add', '--role', 'operator', '--json'], { VPP_DATA_DIR: dataDir() });
    expect(client.code, client.stderr).toBe(0);
    const { clientId, clientSecret } = JSON.parse(client.stdout) as { clientId: string; clientSecret: string };
    const token = async () => {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret }),
      });
      return ((await res.json()) as { access_token: string }).access_token;
    };
    const auth = { authorization: `Bearer ${await token()}`, 'content-type': 'application/json' };
    const program = await fetch(`http://127.0.0.1:${port}/api/v1/programs`, { method: 'POST', headers: auth, body: JSON.stringify({ programName: 'faults' }) });
    expect(program.status).toBe(201);
    const programID = ((await program.json()) as { id: string }).id;
    const event = await fetch(`http://127.0.0.1:${port}/api/v1/events`, {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({
        programID,
        eventName: 'cap during a crash',
        targets: [{ type: 'VEN_NAME', values: siteIds }],
        payloadDescriptors: [{ payloadType: 'IMPORT_CAPACITY_LIMIT', units: 'KW' }],
        intervalPeriod: { start: new Date(Date.now() + 1000).toISOString(), duration: 'PT10M' },
        intervals: [{ id: 0, payloads: [{ type: 'IMPORT_CAPACITY_LIMIT', values: [EVENT_CAP_KW] }] }],
      }),
    });
    expect(event.status).toBe(201);
    await eventually('every site under the event cap', allUnder(EVENT_CAP_KW), 30_000, 500).catch((err: unknown) => {
      throw new Error(`${String(err)}${diag()}`);
    });

    // What the store holds of the last minute, read just before the crash (the queue flushes every second).
    const site = siteIds[0] ?? '';
    const window = `from=${new Date(Date.now() - 60_000).toISOString()}&to=${new Date(Date.now() - 3000).toISOString()}`;
    const stored = async () => {
      const res = await fetch(`http://127.0.0.1:${port}/api/v1/sites/${site}/series?metric=gridPowerKw&${window}`, { signal: AbortSignal.timeout(10_000) });
      return ((await res.json()) as { points: unknown[] }).points;
    };
    const before = await stored();
    expect(before.length).toBeGreaterThan(0);
    const killedAt = Date.now();
    ctl?.child.kill('SIGKILL');
    await ctl?.exited;
    await new Promise((r) => setTimeout(r, 5000));
    const restartAt = Date.now();
    ctl = startCtl();
    const restored = await eventually(
      'the restarted controller writing to every battery',
      async () => (siteIds.every((s) => (watch?.commands.get(s) ?? []).some((t) => t > restartAt)) ? Date.now() : undefined),
      60_000,
      250,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}${diag()}`);
    });
    await eventually('every site under the event cap again', allUnder(EVENT_CAP_KW * 1.01), RECOVER_MS, 500);
    // While it was dead the batteries held their setpoints: the event's cap held on the meters.
    const deadWorst = worstSince(killedAt, restored);
    console.log(`[faults] kill -9 mid-event: dead ${restartAt - killedAt} ms, restarted and writing after ${restored - restartAt} ms; highest import meanwhile ${deadWorst.toFixed(1)} kW (cap ${EVENT_CAP_KW})`);
    expect(deadWorst).toBeLessThanOrEqual(EVENT_CAP_KW * 1.01);
    // Nothing the store had acknowledged before the kill is lost.
    expect(await stored()).toEqual(before);
  }, 150_000);
});
