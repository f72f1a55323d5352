/**
 * CPU profile of one controller running an MQTT fleet, for finding where the per-site cost goes
 * (not part of `npm run bench`): Mosquitto, `vpp sim` with N sites (meter, load, battery) and
 * one `vpp start`, single-process or (MODE=cluster) owning every site of a PostgreSQL cluster,
 * both under `node --cpu-prof`. Prints the controller's CPU over the last 20 s of the run and
 * leaves the .cpuprofile files (open them in Chrome DevTools, or any cpuprofile reader) in OUT.
 *
 *   N=300 MODE=cluster RUN_S=50 OUT=/tmp/vpp-prof npx tsx bench/profile-fleet.ts
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../test/helpers/cli.js';
import { freePort } from '../test/helpers/influxd.js';
import { startMosquitto } from '../test/helpers/mosquitto.js';
import { controllerConfigText, simConfigText, type Endpoint } from '../test/helpers/mqtt-fleet.js';
import { startPostgres } from '../test/helpers/postgres.js';

const N = Number(process.env.N ?? 300);
// The CPU window is the last 20 s: under ~45 s it takes in start-up (module loading, connecting).
const RUN_S = Math.max(25, Number(process.env.RUN_S ?? 50));
const OUT = process.env.OUT ?? join(tmpdir(), 'vpp-prof');
const CLUSTER = process.env.MODE === 'cluster';
const VPP = join(REPO_ROOT, 'bin', 'vpp.js');

/** CPU ticks (user + system, 1/100 s) a process has used. */
function ticks(pid: number | undefined): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(f[11]) + Number(f[12]);
}

const broker = await startMosquitto();
const pg = CLUSTER ? await startPostgres() : null;
const dir = await mkdtemp(join(tmpdir(), 'vpp-prof-'));
const spec = { sites: N, limitKw: 80, targetKw: 70, loadKw: 100 };
await writeFile(join(dir, 'sim.yaml'), simConfigText(spec, broker.port));
const t0 = Date.now();
const sim = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${OUT}/sim`, VPP, 'sim', join(dir, 'sim.yaml'), '--json', '--mqtt-url', broker.url, '--port-base', String(await freePort())], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
let simOut = '';
sim.stdout.on('data', (d: Buffer) => (simOut += d.toString()));
let endpoints: Endpoint[] = [];
while (endpoints.length < N * 3) {
  if (sim.exitCode !== null) throw new Error(`vpp sim exited (${sim.exitCode})`);
  await new Promise((r) => setTimeout(r, 200));
  endpoints = simOut.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Endpoint);
}
process.stderr.write(`vpp sim serving ${endpoints.length} endpoints after ${Date.now() - t0} ms\n`);
const head = pg === null ? '# profiling run' : `cluster: {postgresUrl: "${pg.url}", claimIntervalS: 1, fleetMqttUrl: "${broker.url}"}`;
await writeFile(join(dir, 'ctl.yaml'), controllerConfigText(spec, endpoints, head));
const ctl = spawn(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${OUT}/ctl`, VPP, 'start', '--config', join(dir, 'ctl.yaml')], {
  cwd: REPO_ROOT,
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, VPP_CONTROLLER_ID: 'ctl-prof', VPP_HTTP_PORT: String(await freePort()), VPP_DATA_DIR: join(dir, 'data'), VPP_LOG_LEVEL: 'error' },
});
await new Promise((r) => setTimeout(r, (RUN_S - 20) * 1000));
const [c0, s0] = [ticks(ctl.pid), ticks(sim.pid)];
await new Promise((r) => setTimeout(r, 20_000));
console.log(`${N} sites${CLUSTER ? ' (cluster)' : ''}: controller ${(ticks(ctl.pid) - c0) / 20} % of a core, vpp sim ${(ticks(sim.pid) - s0) / 20} % over the last 20 s`);
// SIGTERM: both shut down gracefully, which is when node writes the profiles.
ctl.kill('SIGTERM');
await new Promise((r) => ctl.once('exit', r));
sim.kill('SIGINT');
await new Promise((r) => sim.once('exit', r));
await broker.stop();
await pg?.stop();
await rm(dir, { recursive: true, force: true });
console.log(`profiles in ${OUT}/ctl and ${OUT}/sim`);
