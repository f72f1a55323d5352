import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, spawnVpp } from '../helpers/cli.js';
import { freePort } from '../helpers/influxd.js';
import { mosquittoAvailable, startMosquitto, type MosquittoHandle } from '../helpers/mosquitto.js';
import { controllerConfigText, stopFleetRun, startFleetSim, watchFleet, type FleetSpec, type FleetWatch } from '../helpers/mqtt-fleet.js';
import { postgresAvailable, startPostgres, type PostgresHandle } from '../helpers/postgres.js';

/*
 * Scale-out (issue 8, ARCHITECTURE.md "Scale beyond one machine"): two controller processes
 * share a fleet through PostgreSQL (an advisory lock per site, an epoch per change of owner);
 * the devices are simulated by a separate `vpp sim` publishing to a real Mosquitto on per-site
 * topics. `kill -9` of one controller: the other must own and control every site again within
 * 10 s, and since the devices' revert timers (30 s) outlast the takeover, no site's import
 * passes its limit meanwhile.
 */

const SITES = Number(process.env.VPP_CLUSTER_TEST_SITES ?? 170); // × 3 devices = 510 in CI
const LIMIT_KW = 80;
const TARGET_KW = 70;
const LOAD_KW = 100; // uncontrolled import 100 kW > limit: only the batteries keep the sites under it
const TAKEOVER_GOAL_MS = 10_000;

const ready = mosquittoAvailable() && (await postgresAvailable());

interface ClusterView {
  readonly controllerId: string;
  readonly owned: string[];
}

const SPEC: FleetSpec = { sites: SITES, limitKw: LIMIT_KW, targetKw: TARGET_KW, loadKw: LOAD_KW };

async function clusterView(port: number): Promise<ClusterView> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/cluster`, { signal: AbortSignal.timeout(20_000) });
  if (!res.ok) throw new Error(`GET /api/v1/cluster: ${res.status}`);
  return (await res.json()) as ClusterView;
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

describe.skipIf(!ready)(`scale-out: 2 controllers, PostgreSQL, Mosquitto, ${SITES * 3} simulated devices`, () => {
  let postgres: PostgresHandle;
  let broker: MosquittoHandle;
  let dir: string;
  let sim: ReturnType<typeof spawnVpp> | undefined;
  const controllers: Array<{ id: string; port: number; proc: ReturnType<typeof spawnVpp> }> = [];
  let watch: FleetWatch | undefined;

  beforeAll(async () => {
    [postgres, broker] = await Promise.all([startPostgres(), startMosquitto()]);
    dir = await mkdtemp(join(tmpdir(), 'vpp-cluster-'));
    const started = await startFleetSim(SPEC, dir, broker);
    sim = started.sim;
    const head = `cluster: {postgresUrl: "${postgres.url}", claimIntervalS: 1, fleetMqttUrl: "${broker.url}"}`;
    await writeFile(join(dir, 'controller.yaml'), controllerConfigText(SPEC, started.endpoints, head));
    watch = await watchFleet(broker.url);
    for (const id of ['ctl-a', 'ctl-b']) {
      const port = await freePort();
      const proc = spawnVpp(['start', '--config', join(dir, 'controller.yaml')], {
        VPP_HTTP_PORT: String(port),
        VPP_DATA_DIR: join(dir, id),
        VPP_CONTROLLER_ID: id,
        VPP_LOG_LEVEL: 'warn',
      });
      controllers.push({ id, port, proc });
    }
  }, 360_000);

  afterAll(() => stopFleetRun({ controllers, sim, watch, servers: [postgres, broker], dir }));

  it('shares the sites, and after kill -9 of one the other owns and controls them all within 10 s, no limit broken', async () => {
    const [a, b] = controllers as [(typeof controllers)[number], (typeof controllers)[number]];
    const diag = () => `\nctl-a:\n${a.proc.output().slice(-2000)}\nctl-b:\n${b.proc.output().slice(-2000)}`;
    // Both running and the fleet split between them (each takes its fair share).
    const split = await eventually(
      'both controllers to own their share of the sites',
      async () => {
        const [va, vb] = await Promise.all([clusterView(a.port), clusterView(b.port)]);
        const all = new Set([...va.owned, ...vb.owned]);
        return va.owned.length > 0 && vb.owned.length > 0 && all.size === SITES && va.owned.length + vb.owned.length === SITES ? { va, vb } : undefined;
      },
      150_000,
      500,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}${diag()}`);
    });
    expect(split.va.owned.filter((s) => split.vb.owned.includes(s))).toEqual([]); // never owned twice
    // Each controller sees the whole fleet from the site summaries both publish over MQTT.
    await eventually(
      'ctl-a to hear every site on the fleet bus',
      async () => {
        const res = await fetch(`http://127.0.0.1:${a.port}/api/v1/fleet`, { signal: AbortSignal.timeout(20_000) });
        if (!res.ok) return undefined;
        const fleet = (await res.json()) as { sites: Record<string, unknown>; goodSiteIds: string[] };
        return Object.keys(fleet.sites).length === SITES && fleet.goodSiteIds.length === SITES ? true : undefined;
      },
      60_000,
      1000,
    );

    // Every site controlled: its import under the limit, as metered on the broker, for 5 s in a
    // row. A site taken a moment ago may still be settling (its meter can report the battery's
    // new power before the battery does, and the next cycle corrects the setpoint): a kill in
    // that second froze a 0 kW setpoint at one site in 2 of 21 runs. The claim here is about a
    // fleet in steady state.
    let underSince: number | null = null;
    await eventually(
      'every site under its import limit for 5 s',
      async () => {
        const last = watch?.lastImport(Date.now() - 3000) ?? new Map<string, number>();
        const under = last.size === SITES && [...last.values()].every((kw) => kw <= LIMIT_KW);
        underSince = under ? (underSince ?? Date.now()) : null;
        return underSince !== null && Date.now() - underSince >= 5000 ? true : undefined;
      },
      120_000,
      1000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}${diag()}`);
    });

    const victim = split.vb.owned;
    const killedAt = Date.now();
    b.proc.child.kill('SIGKILL');
    await b.proc.exited;

    const owner = await eventually(
      'the survivor to own every site',
      async () => {
        const v = await clusterView(a.port);
        return v.owned.length === SITES ? Date.now() : undefined;
      },
      60_000,
      200,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}${diag()}`);
    });
    // Controlled again: the first command the survivor writes to each of the dead one's batteries.
    const controlled = await eventually(
      'a command to every battery of the killed controller',
      async () => {
        const firsts = victim.map((s) => (watch?.commands.get(s) ?? []).find((t) => t > killedAt));
        return firsts.every((t) => t !== undefined) ? (firsts as number[]) : undefined;
      },
      60_000,
      200,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}${diag()}`);
    });
    // Watch the meters a while longer: the takeover must not let any site pass its limit.
    await new Promise((r) => setTimeout(r, 5000));
    const takeoverMs = controlled.map((t) => t - killedAt).sort((x, y) => x - y);
    const worst = new Map<string, number>();
    for (const [t, site, kw] of watch?.meter ?? []) if (t >= killedAt) worst.set(site, Math.max(worst.get(site) ?? -Infinity, kw));
    const over = [...worst].filter(([, kw]) => kw > LIMIT_KW);
    console.log(
      `[cluster] ${SITES} sites, ${SITES * 3} devices; killed ctl-b owning ${victim.length}; all owned by ctl-a after ${owner - killedAt} ms; ` +
        `controlled again p50 ${percentile(takeoverMs, 50)} ms, max ${takeoverMs.at(-1)} ms; highest import after the kill ${Math.max(...worst.values()).toFixed(1)} kW (limit ${LIMIT_KW})`,
    );
    // A site over its limit: its meter and commands around the kill, to tell a frozen setpoint from a late takeover.
    for (const [site] of over) {
      const meter = (watch?.meter ?? []).filter(([t, s]) => s === site && t > killedAt - 10_000).map(([t, , kw]) => `${t - killedAt}:${kw}`);
      const commands = (watch?.commands.get(site) ?? []).filter((t) => t > killedAt - 10_000).map((t) => t - killedAt);
      console.log(`[cluster] ${site} (${victim.includes(site) ? 'the killed controller\'s' : 'the survivor\'s'}) meter ms:kW from the kill ${meter.join(' ')}; commands at ms ${commands.join(' ')}`);
    }
    expect(owner - killedAt).toBeLessThanOrEqual(TAKEOVER_GOAL_MS);
    expect(takeoverMs.at(-1)).toBeLessThanOrEqual(TAKEOVER_GOAL_MS);
    expect(over).toEqual([]);
  }, 300_000);
});
