/**
 * Simulator figures (issue 5): 10,000 devices publishing over MQTT from one process (RSS and
 * CPU beside the same process before it started), and a simulated year of one site.
 */
import { pathToFileURL } from 'node:url';
import { BatteryModel, buildSites, deviceFor, loadScenarioFile, startInProcessBroker, startMqttSimulator } from '../simulators/index.js';
import { findBinary } from '../test/helpers/binaries.js';
import { startMosquitto } from '../test/helpers/mosquitto.js';
import type { BenchFigure } from './figure.js';

const DEVICES = 10_000;
const PER_CONNECTION = 100;
const MQTT_SECONDS = Number(process.env.VPP_BENCH_MQTT_S ?? '60');
const MIB = 1024 * 1024;

async function mqttFleet(): Promise<BenchFigure[]> {
  // Mosquitto in its own process, so the figures are the simulator's alone; aedes in process otherwise.
  const external = findBinary('mosquitto') !== null ? await startMosquitto() : null;
  const inProcess = external === null ? await startInProcessBroker() : null;
  const brokerUrl = external?.url ?? inProcess?.url ?? '';
  global.gc?.();
  const rssBeforeMib = process.memoryUsage().rss / MIB;
  const startMs = Date.now();
  const devices = Array.from({ length: DEVICES }, (_, i) =>
    deviceFor(`site-${Math.floor(i / PER_CONNECTION)}`, new BatteryModel({ id: `bess-${i}`, startMs, capacityKwh: 100, maxChargeKw: 50, maxDischargeKw: 50, socPct: 50, minSocPct: 10, maxSocPct: 95, chargeEfficiency: 0.95, dischargeEfficiency: 0.95 })),
  );
  const sim = await startMqttSimulator({ brokerUrl, devices, devicesPerConnection: PER_CONNECTION, publishIntervalS: 1 });
  try {
    await new Promise((r) => setTimeout(r, 3000)); // every connection up and publishing
    const sent0 = sim.stats().telemetrySent;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    let peakRss = 0;
    const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 500);
    await new Promise((r) => setTimeout(r, MQTT_SECONDS * 1000));
    clearInterval(sampler);
    const wallS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const sent = sim.stats().telemetrySent - sent0;
    const broker = external !== null ? 'Mosquitto' : 'aedes in process';
    return [
      { name: `MQTT ${DEVICES} devices / ${DEVICES / PER_CONNECTION} conns, ${MQTT_SECONDS} s (${broker}): msgs/s`, value: sent / wallS, unit: 'msg/s', baseline: `target ${DEVICES} msg/s` },
      { name: 'MQTT fleet: CPU of the simulator process', value: ((cpu.user + cpu.system) / 1e6 / wallS) * 100, unit: '% of a core', baseline: 'goal <= 100 %' },
      { name: 'MQTT fleet: peak RSS', value: peakRss / MIB, unit: 'MiB', baseline: `same process before the fleet: ${rssBeforeMib.toFixed(0)} MiB; goal <= 1024 MiB` },
    ];
  } finally {
    await sim.close();
    await inProcess?.close();
    await external?.stop();
  }
}

function simulatedYear(): BenchFigure[] {
  const scenario = loadScenarioFile(new URL('../simulators/scenario/examples/factory.yaml', import.meta.url).pathname);
  const [site] = buildSites(scenario);
  if (site === undefined) throw new Error('bench: the factory example has no site');
  const stepS = 60;
  const steps = (365 * 24 * 3600) / stepS;
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) site.physics.step(stepS);
  const wallS = (performance.now() - t0) / 1000;
  return [{ name: `simulated year of one site (factory example, ${stepS} s steps)`, value: wallS, unit: 's wall', baseline: `${site.models.size} assets, ${steps.toLocaleString('en-US')} steps` }];
}

export async function benchSimulators(): Promise<BenchFigure[]> {
  return [...simulatedYear(), ...(await mqttFleet())];
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const f of await benchSimulators()) console.log(`${f.name}: ${f.value.toFixed(2)} ${f.unit}${f.baseline !== undefined ? ` (${f.baseline})` : ''}`);
}
