/**
 * Scale-out figures (issue 8): the CI test's shape (test/integration/cluster-takeover.test.ts)
 * at N simulated devices (VPP_BENCH_CLUSTER_DEVICES, default 10,000 = 3,334 sites × 3): two
 * `vpp start` controllers sharing the fleet through PostgreSQL, devices from one `vpp sim` on a
 * real Mosquitto, `kill -9` of one controller. Measured: when the survivor owns every site,
 * when each of the dead one's batteries got a command, the highest metered import after the
 * kill, and the controllers' RSS and CPU before it. The CI size (510 devices) runs first in the
 * same run as the baseline. Targets are reported, never asserted.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import mqtt from 'mqtt';
import pg from 'pg';
import { findBinary } from '../test/helpers/binaries.js';
import { REPO_ROOT } from '../test/helpers/cli.js';
import { startDaemon } from '../test/helpers/daemon.js';
import { freePort } from '../test/helpers/influxd.js';
import { controllerConfigText, fleetSiteId, simConfigText, type Endpoint, type FleetSpec } from '../test/helpers/mqtt-fleet.js';
import { startPostgres } from '../test/helpers/postgres.js';
import type { BenchFigure } from './figure.js';

const VPP = fileURLToPath(new URL('../bin/vpp.js', import.meta.url));
const DEVICES = Number(process.env.VPP_BENCH_CLUSTER_DEVICES ?? '10000');
const BASELINE_DEVICES = 510; // the CI test's 170 sites × 3
const LIMIT_KW = 80;
const TARGET_KW = 70;
const LOAD_KW = 100; // above the limit: only the batteries keep a site under it
const TAKEOVER_GOAL_MS = 10_000;
const WANTED_FDS = 65_536;
const CPU_WINDOW_MS = 10_000;
/** No HTTP answer this long after PostgreSQL shows the split: the controllers cannot keep up. */
const STARVED_MS = 180_000;
const T0 = Date.now();

const progress = (msg: string): void => {
  process.stderr.write(`[scale-out +${((Date.now() - T0) / 1000).toFixed(0)} s] ${msg}\n`);
};

/** Node cannot raise RLIMIT_NOFILE, so children go through bash's ulimit; capped by the hard limit. */
function fdLimit(): number {
  const hard = execFileSync('bash', ['-c', 'ulimit -Hn'], { encoding: 'utf8' }).trim();
  const limit = hard === 'unlimited' ? WANTED_FDS : Math.min(WANTED_FDS, Number(hard));
  if (limit < WANTED_FDS) progress(`hard open-files limit is ${hard}: children run with ulimit -n ${limit}`);
  return limit;
}

interface Proc {
  readonly child: ChildProcess;
  readonly pid: number;
  /** The last 20,000 characters of stdout and stderr. */
  tail(): string;
  stdout(): string;
  readonly exited: Promise<number | null>;
}

function spawnWithFds(fds: number, bin: string, args: readonly string[], env: NodeJS.ProcessEnv = {}, keepStdout = false): Proc {
  const child = spawn('bash', ['-c', `ulimit -n ${fds} && exec "$0" "$@"`, bin, ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  if (child.pid === undefined) throw new Error(`could not spawn ${bin}`);
  let tail = '';
  let out = '';
  const add = (d: Buffer) => (tail = (tail + d.toString()).slice(-20_000));
  child.stdout?.on('data', (d: Buffer) => {
    add(d);
    if (keepStdout) out += d.toString();
  });
  child.stderr?.on('data', add);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, pid: child.pid, tail: () => tail, stdout: () => out, exited };
}

/** Mosquitto as test/helpers/mosquitto.ts starts it, plus no connection cap and the raised fd limit. */
async function startBroker(fds: number): Promise<{ url: string; port: number; pid: () => number | null; stop(): Promise<void> }> {
  const bin = findBinary('mosquitto');
  if (bin === null) throw new Error('mosquitto is not installed (apt-get install mosquitto)');
  const dir = await mkdtemp(join(tmpdir(), 'vpp-bench-mosquitto-'));
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  await writeFile(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_connections -1\nlog_dest stderr\nlog_type error\nlog_type warning\n`);
  const { stop } = await startDaemon({
    name: 'mosquitto',
    bin: 'bash',
    args: ['-c', `ulimit -n ${fds} && exec "$0" "$@"`, bin, '-c', conf],
    dir,
    ready: async () => {
      const { connect } = await import('node:net');
      return new Promise<boolean>((resolve) => {
        const s = connect({ host: '127.0.0.1', port });
        s.once('connect', () => {
          s.destroy();
          resolve(true);
        });
        s.once('error', () => resolve(false));
      });
    },
    readyWhat: `accepting a TCP connection on ${port}`,
  });
  const pid = (): number | null => {
    try {
      const found = execFileSync('bash', ['-c', `pgrep -f -- '-c ${conf}' | head -1`], { encoding: 'utf8' }).trim();
      return found === '' ? null : Number(found);
    } catch {
      return null;
    }
  };
  return { url: `mqtt://127.0.0.1:${port}`, port, pid, stop: () => stop() };
}

/** Only what the figures need from the broker, in O(sites) memory: a 10,000-device run lasts minutes. */
interface Watch {
  /** Latest metered import per site: [arrival ms, kW]. */
  readonly lastImport: Map<string, [number, number]>;
  /** Per site, the first battery command after `armedAt`. */
  readonly firstCommand: Map<string, number>;
  /** Per site, the highest import metered after `armedAt`. */
  readonly worstImport: Map<string, number>;
  arm(atMs: number): void;
  close(): Promise<void>;
}

async function watch(brokerUrl: string, sites: readonly string[]): Promise<Watch> {
  const client = mqtt.connect(brokerUrl, { reconnectPeriod: 500, clientId: `vpp-bench-watch-${process.pid}` });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('error', reject);
  });
  const lastImport = new Map<string, [number, number]>();
  const firstCommand = new Map<string, number>();
  const worstImport = new Map<string, number>();
  let armedAt = Infinity;
  client.on('message', (topic, payload) => {
    const now = Date.now();
    const parts = topic.split('/'); // vpp-sim/<site>/<site>/<site>-<asset>/<kind>
    const site = parts[2] ?? '';
    if (parts[4] === 'command') {
      if (now > armedAt && !firstCommand.has(site)) firstCommand.set(site, now);
      return;
    }
    try {
      const kw = (JSON.parse(payload.toString()) as { powerKw?: unknown }).powerKw;
      if (typeof kw !== 'number') return;
      lastImport.set(site, [now, kw]);
      if (now >= armedAt) worstImport.set(site, Math.max(worstImport.get(site) ?? -Infinity, kw));
    } catch {
      // not a reading
    }
  });
  // Meters only (a third of the telemetry): one topic per site, subscribed in batches.
  const topics = ['vpp-sim/+/+/+/command', ...sites.map((s) => `vpp-sim/${s}/${s}/${s}-grid/telemetry`)];
  for (let i = 0; i < topics.length; i += 500) await client.subscribeAsync(topics.slice(i, i + 500));
  return {
    lastImport,
    firstCommand,
    worstImport,
    arm: (atMs) => {
      armedAt = atMs;
      firstCommand.clear();
      worstImport.clear();
    },
    close: () => client.endAsync(),
  };
}

/** Thrown from a poll's check: ends the wait at once (a process died, a wait that cannot succeed). */
class Fatal extends Error {}

async function poll<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, everyMs: number, diag: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  let lastNote = Date.now();
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined) return v;
    } catch (err) {
      if (err instanceof Fatal) throw new Error(`${err.message}${diag()}`);
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError !== undefined ? `: ${String(lastError)}` : ''}${diag()}`);
    if (Date.now() - lastNote > 15_000) {
      lastNote = Date.now();
      progress(`still waiting for ${what}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

interface ClusterView {
  readonly owned: string[];
  readonly changes: Array<{ siteId: string; change: string; atMs: number }>;
}

async function clusterView(port: number): Promise<ClusterView> {
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/cluster`, { signal: AbortSignal.timeout(20_000) });
  if (!res.ok) throw new Error(`GET /api/v1/cluster on ${port}: ${res.status}`);
  return (await res.json()) as ClusterView;
}

/** utime + stime of a process, ms (Linux /proc; clock ticks are 100 Hz). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function rssMib(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? NaN : Number(m[1]) / 1024;
}

function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return NaN;
  }
}

async function ownersInPg(url: string): Promise<Map<string, number>> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    const res = await client.query<{ controller_id: string; n: string }>('SELECT controller_id, count(*) AS n FROM site_owners GROUP BY 1').catch(() => ({ rows: [] }));
    return new Map(res.rows.map((r) => [r.controller_id, Number(r.n)]));
  } finally {
    await client.end().catch(() => undefined);
  }
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

interface RunResult {
  readonly devices: number;
  readonly sites: number;
  readonly victimSites: number;
  readonly setupMs: { sim: number; split: number; controlled: number };
  readonly ownedAllMs: number;
  /** Per battery of the killed controller, kill → first command, ms, sorted. */
  readonly commandMs: number[];
  readonly worstImportKw: number;
  readonly sitesOverLimit: number;
  readonly rssMib: [number, number];
  /** % of one core over CPU_WINDOW_MS before the kill: ctl-a, ctl-b, vpp sim, mosquitto. */
  readonly cpuPct: [number, number, number, number];
}

async function runOnce(devices: number, fds: number): Promise<RunResult> {
  const sites = Math.ceil(devices / 3);
  const spec: FleetSpec = { sites, limitKw: LIMIT_KW, targetKw: TARGET_KW, loadKw: LOAD_KW };
  const siteIds = Array.from({ length: sites }, (_, i) => fleetSiteId(i));
  // The CI test's deadlines at 170 sites, growing with the fleet up to 4× (a run stays under ~25 min).
  const scale = Math.min(4, Math.max(1, sites / 170));
  progress(`${sites * 3} devices (${sites} sites): starting PostgreSQL and Mosquitto`);
  const [postgres, broker] = await Promise.all([startPostgres(), startBroker(fds)]);
  const dir = await mkdtemp(join(tmpdir(), 'vpp-bench-cluster-'));
  let sim: Proc | undefined;
  const controllers: Array<{ id: string; port: number; proc: Proc }> = [];
  let w: Watch | undefined;
  try {
    const t0 = Date.now();
    await writeFile(join(dir, 'sim.yaml'), simConfigText(spec, broker.port));
    const simProc = spawnWithFds(fds, process.execPath, [VPP, 'sim', join(dir, 'sim.yaml'), '--json', '--mqtt-url', broker.url, '--port-base', String(await freePort())], {}, true);
    sim = simProc;
    const endpoints = await poll(
      `vpp sim to report ${sites * 3} endpoints`,
      async () => {
        if (simProc.child.exitCode !== null) throw new Fatal(`vpp sim exited (${simProc.child.exitCode})`);
        const lines = simProc.stdout().split('\n').filter((l) => l.startsWith('{'));
        return lines.length >= sites * 3 ? lines.map((l) => JSON.parse(l) as Endpoint) : undefined;
      },
      180_000 * scale,
      500,
      () => `\nvpp sim output:\n${simProc.tail().slice(-3000)}`,
    );
    const simMs = Date.now() - t0;
    progress(`vpp sim serving ${endpoints.length} endpoints after ${simMs} ms; starting 2 controllers`);
    const head = `cluster: {postgresUrl: "${postgres.url}", claimIntervalS: 1, fleetMqttUrl: "${broker.url}"}`;
    await writeFile(join(dir, 'controller.yaml'), controllerConfigText(spec, endpoints, head));
    w = await watch(broker.url, siteIds);
    const t1 = Date.now();
    for (const id of ['ctl-a', 'ctl-b']) {
      const port = await freePort();
      const proc = spawnWithFds(fds, process.execPath, [VPP, 'start', '--config', join(dir, 'controller.yaml')], {
        VPP_HTTP_PORT: String(port),
        VPP_DATA_DIR: join(dir, id),
        VPP_CONTROLLER_ID: id,
        VPP_LOG_LEVEL: 'warn',
      });
      controllers.push({ id, port, proc });
    }
    const [a, b] = controllers as [(typeof controllers)[number], (typeof controllers)[number]];
    const diag = () => `\nctl-a:\n${a.proc.tail().slice(-2000)}\nctl-b:\n${b.proc.tail().slice(-2000)}\nvpp sim:\n${simProc.tail().slice(-1000)}`;
    const dead = async () => {
      for (const c of controllers) if (c.proc.child.exitCode !== null) throw new Fatal(`${c.id} exited (${c.proc.child.exitCode})`);
    };

    // Ownership as PostgreSQL records it, beside what the API answers: a controller whose event
    // loop is starved holds its sites in PostgreSQL but answers no HTTP request.
    let lastAnswerMs = Date.now();
    let splitInPgMs: number | null = null;
    await poll(
      'both controllers to own their share of the sites',
      async () => {
        await dead();
        const rows = await ownersInPg(postgres.url);
        if (splitInPgMs === null && [rows.get('ctl-a') ?? 0, rows.get('ctl-b') ?? 0].every((n) => n >= Math.floor(sites / 2))) {
          splitInPgMs = Date.now();
          progress(`PostgreSQL: split done (ctl-a ${rows.get('ctl-a')}, ctl-b ${rows.get('ctl-b')}) after ${Date.now() - t1} ms`);
        }
        if (splitInPgMs !== null && Date.now() - Math.max(lastAnswerMs, splitInPgMs) > STARVED_MS) {
          throw new Fatal(`the split is done in PostgreSQL (ctl-a ${rows.get('ctl-a')}, ctl-b ${rows.get('ctl-b')} sites) but GET /api/v1/cluster got no answer within 20 s from both controllers for ${STARVED_MS / 1000} s since; RSS ctl-a ${rssMib(a.proc.pid).toFixed(0)} MiB, ctl-b ${rssMib(b.proc.pid).toFixed(0)} MiB; open fds ctl-a ${openFds(a.proc.pid)}, ctl-b ${openFds(b.proc.pid)}`);
        }
        const [va, vb] = await Promise.all([clusterView(a.port), clusterView(b.port)]);
        lastAnswerMs = Date.now();
        const all = new Set([...va.owned, ...vb.owned]);
        return va.owned.length > 0 && vb.owned.length > 0 && all.size === sites && va.owned.length + vb.owned.length === sites ? true : undefined;
      },
      150_000 * scale,
      1000,
      diag,
    );
    const splitMs = Date.now() - t1;
    progress(`fleet split between ctl-a and ctl-b after ${splitMs} ms; waiting for every site under its limit`);
    await poll(
      'ctl-a to hear every site on the fleet bus',
      async () => {
        await dead();
        const res = await fetch(`http://127.0.0.1:${a.port}/api/v1/fleet`, { signal: AbortSignal.timeout(20_000) });
        if (!res.ok) return undefined;
        const fleet = (await res.json()) as { sites: Record<string, unknown>; goodSiteIds: string[] };
        return Object.keys(fleet.sites).length === sites && fleet.goodSiteIds.length === sites ? true : undefined;
      },
      60_000 * scale,
      1000,
      diag,
    );
    const watched = w;
    await poll(
      'every site under its import limit',
      async () => {
        await dead();
        const since = Date.now() - 3000;
        const fresh = [...watched.lastImport.values()].filter(([t]) => t >= since);
        return fresh.length === sites && fresh.every(([, kw]) => kw <= LIMIT_KW) ? true : undefined;
      },
      120_000 * scale,
      1000,
      diag,
    );
    const controlledMs = Date.now() - t1;

    progress(`every site controlled after ${controlledMs} ms; sampling RSS and CPU for ${CPU_WINDOW_MS / 1000} s`);
    const mosquittoPid = broker.pid();
    const pids = [a.proc.pid, b.proc.pid, simProc.pid, mosquittoPid];
    const cpu0 = pids.map((p) => (p === null ? NaN : cpuMs(p)));
    const w0 = Date.now();
    await new Promise((r) => setTimeout(r, CPU_WINDOW_MS));
    const cpuPct = pids.map((p, i) => (p === null ? NaN : ((cpuMs(p) - (cpu0[i] ?? NaN)) / (Date.now() - w0)) * 100)) as [number, number, number, number];
    const rss: [number, number] = [rssMib(a.proc.pid), rssMib(b.proc.pid)];

    const victim = (await clusterView(b.port)).owned;
    progress(`kill -9 ctl-b (owning ${victim.length} sites)`);
    const killedAt = Date.now();
    w.arm(killedAt);
    b.proc.child.kill('SIGKILL');
    await b.proc.exited;

    await poll(
      'the survivor to own every site',
      async () => {
        const v = await clusterView(a.port);
        return v.owned.length === sites ? true : undefined;
      },
      60_000 * scale,
      200,
      diag,
    );
    // ctl-a's own record of when it took the last site (the poll above only bounds it from above).
    const view = await clusterView(a.port);
    const ownedAllMs = Math.max(...view.changes.filter((c) => c.change === 'taken' && c.atMs >= killedAt).map((c) => c.atMs)) - killedAt;
    progress(`ctl-a owns every site, ${ownedAllMs} ms after the kill; waiting for a command to each of ${victim.length} batteries`);
    const firsts = await poll(
      'a command to every battery of the killed controller',
      async () => {
        const f = victim.map((s) => watched.firstCommand.get(s));
        return f.every((t) => t !== undefined) ? (f as number[]) : undefined;
      },
      60_000 * scale,
      200,
      () => `\n${victim.filter((s) => !watched.firstCommand.has(s)).length} of ${victim.length} batteries without a command${diag()}`,
    );
    // The meters a while longer: the takeover must not let a site pass its limit.
    await new Promise((r) => setTimeout(r, 5000));
    const worst = [...watched.worstImport.values()];
    progress(`done at ${sites * 3} devices`);
    return {
      devices: sites * 3,
      sites,
      victimSites: victim.length,
      setupMs: { sim: simMs, split: splitMs, controlled: controlledMs },
      ownedAllMs,
      commandMs: firsts.map((t) => t - killedAt).sort((x, y) => x - y),
      worstImportKw: Math.max(...worst),
      sitesOverLimit: worst.filter((kw) => kw > LIMIT_KW).length,
      rssMib: rss,
      cpuPct,
    };
  } finally {
    for (const c of controllers) c.proc.child.kill('SIGKILL');
    if (sim !== undefined && sim.child.exitCode === null) {
      sim.child.kill('SIGTERM');
      const timer = setTimeout(() => sim?.child.kill('SIGKILL'), 10_000);
      await sim.exited;
      clearTimeout(timer);
    }
    await w?.close();
    await Promise.all([postgres.stop(), broker.stop()]);
    await rm(dir, { recursive: true, force: true });
  }
}

function figures(r: RunResult, base: RunResult | null): BenchFigure[] {
  const n = `at ${r.devices.toLocaleString('en-US')} devices`;
  // "510 devices: Y" when there is a baseline run, then whatever else the figure is read against.
  const vs = (f: (x: RunResult) => string, ...more: string[]) => [...(base === null ? [] : [`${base.devices} devices: ${f(base)}`]), ...more].join('; ') || 'no baseline: this is the CI size';
  const ms = (v: number) => `${Math.round(v).toLocaleString('en-US')} ms`;
  const pct = (v: number) => `${v.toFixed(0)} %`;
  const p = (x: RunResult, q: number) => percentile(x.commandMs, q);
  const goal = `target <= ${TAKEOVER_GOAL_MS.toLocaleString('en-US')} ms`;
  return [
    { name: `takeover ${n}: survivor owns all ${r.sites} sites`, value: r.ownedAllMs, unit: 'ms', baseline: vs((x) => ms(x.ownedAllMs), goal) },
    { name: `takeover ${n}: ${r.victimSites} batteries commanded, p50`, value: p(r, 50), unit: 'ms', baseline: vs((x) => ms(p(x, 50)), 'kill -9 to first command') },
    { name: `takeover ${n}: batteries commanded, p99`, value: p(r, 99), unit: 'ms', baseline: vs((x) => ms(p(x, 99))) },
    { name: `takeover ${n}: batteries commanded, max`, value: r.commandMs.at(-1) ?? NaN, unit: 'ms', baseline: vs((x) => ms(x.commandMs.at(-1) ?? NaN), goal) },
    { name: `highest import after the kill ${n}`, value: r.worstImportKw, unit: 'kW', baseline: vs((x) => `${x.worstImportKw.toFixed(1)} kW`, `limit ${LIMIT_KW} kW`, `${r.sitesOverLimit} site(s) over it`) },
    { name: `ctl-a RSS before the kill ${n}`, value: r.rssMib[0], unit: 'MiB', baseline: vs((x) => `${x.rssMib[0].toFixed(0)} MiB`) },
    { name: `ctl-b RSS before the kill ${n}`, value: r.rssMib[1], unit: 'MiB', baseline: vs((x) => `${x.rssMib[1].toFixed(0)} MiB`) },
    { name: `ctl-a CPU before the kill ${n}`, value: r.cpuPct[0], unit: '% of a core', baseline: vs((x) => pct(x.cpuPct[0]), `${CPU_WINDOW_MS / 1000} s window`) },
    { name: `ctl-b CPU before the kill ${n}`, value: r.cpuPct[1], unit: '% of a core', baseline: vs((x) => pct(x.cpuPct[1])) },
    { name: `vpp sim CPU ${n}`, value: r.cpuPct[2], unit: '% of a core', baseline: vs((x) => pct(x.cpuPct[2]), `mosquitto ${pct(r.cpuPct[3])}`) },
    { name: `setup ${n}: until every site controlled`, value: r.setupMs.controlled, unit: 'ms', baseline: vs((x) => ms(x.setupMs.controlled), `vpp sim up ${ms(r.setupMs.sim)}`, `split ${ms(r.setupMs.split)}`) },
  ];
}

export async function benchClusterScale(): Promise<BenchFigure[]> {
  if (!Number.isInteger(DEVICES) || DEVICES < 3) throw new Error(`VPP_BENCH_CLUSTER_DEVICES must be an integer >= 3, got ${JSON.stringify(process.env.VPP_BENCH_CLUSTER_DEVICES)}`);
  const fds = fdLimit();
  const needed = Math.ceil(DEVICES / 3) * 3 + 200; // Mosquitto: a connection per site from vpp sim, one per device from the controllers
  if (needed > fds) progress(`warning: about ${needed} connections at the broker but only ${fds} fds`);
  const base = DEVICES > BASELINE_DEVICES ? await runOnce(BASELINE_DEVICES, fds) : null;
  let r: RunResult;
  try {
    r = await runOnce(DEVICES, fds);
  } catch (err) {
    if (base === null) throw err;
    // The baseline stays visible when the large run fails.
    const baseLines = figures(base, null).map((f) => `    ${f.name}: ${f.value.toFixed(0)} ${f.unit}`);
    throw new Error(`${DEVICES} devices: ${(err as Error).message}\n  the ${BASELINE_DEVICES}-device baseline of the same run:\n${baseLines.join('\n')}`);
  }
  return base === null ? figures(r, null) : figures(r, base);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const f of await benchClusterScale()) console.log(`${f.name}: ${f.value.toFixed(2)} ${f.unit}${f.baseline !== undefined ? ` (${f.baseline})` : ''}`);
}
