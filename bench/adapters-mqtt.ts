/**
 * MQTT adapter against a bare mqtt.js subscriber (issue 4). A publisher pushes one battery's
 * telemetry (the vpp-sim-mqtt-battery profile: 5 metrics and a time per message) as fast as
 * the broker takes it, at QoS 0 or 1; the adapter and the bare client take turns (never both
 * subscribed at once) on the same topics at the same subscription QoS (1, as the adapter asks),
 * so the message's QoS is the publisher's.
 *
 * Counted: telemetry messages ingested. Through the adapter: `powerKw` readings on telemetry$
 * (one per message; a `bad` one is counted and reported). Bare: 'message' events, payload
 * untouched; and a second floor, "bare + JSON.parse", that parses each payload as any consumer
 * of JSON telemetry must: the adapter's overhead over that one is what mapping, validating and
 * emitting cost, the fairer figure for the ≤ 20 % goal (both are printed).
 * Beside the rate, this process's CPU µs per message, the steadier figure: the rate depends on
 * how much CPU the process got (on a shared machine, the scheduler's share; with the publisher
 * or the broker as the limit, the rates tie) while the CPU per message says what ingesting costs.
 *
 * The broker is a real Mosquitto on a free port, the publisher `mosquitto_pub -l` fed by
 * `yes`: both in their own processes, so this process spends its CPU on ingesting only. When
 * either is missing, aedes runs in process with an mqtt.js publisher (the figure says so).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import mqtt, { type MqttClient } from 'mqtt';
import { createMqttAdapter } from '../adapters/mqtt/index.js';
import { startInProcessBroker } from '../simulators/servers/index.js';
import { findBinary } from '../test/helpers/binaries.js';
import { startMosquitto } from '../test/helpers/mosquitto.js';
import { badNote, costOverheadPct, delay, inRounds, measureWindow, rateOf, rateOverheadPct, spread, versus, type Window } from './adapters-common.js';
import type { BenchFigure } from './figure.js';

const PREFIX = 'bench';
const SITE = 'bench-site';
const ASSET = 'bess';
const PROFILE = 'vpp-sim-mqtt-battery';
const TOPIC = `${PREFIX}/${SITE}/${ASSET}/telemetry`;
/** What our MQTT simulator publishes for a battery (simulators/servers/mqtt/README.md), one line. */
const PAYLOAD = JSON.stringify({ time: '2026-01-01T00:00:00.000Z', powerKw: -12.3, socPct: 61.5, availableChargeKw: 40, availableDischargeKw: 50, setpointKw: -12.3 });
/** The adapter's topics besides telemetry (ack, status, gateway status and lists), so the bare client pays for the same subscriptions. */
const OTHER_TOPICS = [`${PREFIX}/${SITE}/${ASSET}/ack`, `${PREFIX}/${SITE}/${ASSET}/status`, `${PREFIX}/_gateways/+/status`, `${PREFIX}/_gateways/+/devices`];

type Qos = 0 | 1;

interface Broker {
  readonly url: string;
  readonly port: number;
  readonly external: boolean;
  stop(): Promise<void>;
}

async function startBroker(): Promise<Broker> {
  if (findBinary('mosquitto') !== null && findBinary('mosquitto_pub') !== null && findBinary('yes') !== null) {
    const m = await startMosquitto();
    return { url: m.url, port: m.port, external: true, stop: () => m.stop() };
  }
  const b = await startInProcessBroker();
  return { url: b.url, port: b.port, external: false, stop: () => b.close() };
}

/** Pushes PAYLOAD to TOPIC until stopped: `yes | mosquitto_pub -l`, or mqtt.js in process. */
async function startPublisher(broker: Broker, qos: Qos): Promise<() => Promise<void>> {
  if (broker.external) {
    const yes = spawn('yes', [PAYLOAD], { stdio: ['ignore', 'pipe', 'ignore'] });
    const pub = spawn('mosquitto_pub', ['-h', '127.0.0.1', '-p', String(broker.port), '-q', String(qos), '-t', TOPIC, '-l'], { stdio: [yes.stdout, 'ignore', 'ignore'] });
    const gone = (c: ChildProcess): Promise<void> => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((resolve) => c.once('exit', () => resolve())));
    return async () => {
      pub.kill('SIGTERM');
      yes.kill('SIGTERM');
      await Promise.all([gone(pub), gone(yes)]);
    };
  }
  const client = await mqtt.connectAsync(broker.url, { clean: true, protocolVersion: 4 });
  let stop = false;
  // QoS 1: 20 in flight, as mosquitto_pub keeps; QoS 0: batches, yielding between them.
  const lanes = Array.from({ length: qos === 1 ? 20 : 1 }, async () => {
    while (!stop) {
      if (qos === 1) await client.publishAsync(TOPIC, PAYLOAD, { qos: 1 });
      else {
        for (let i = 0; i < 100; i++) client.publish(TOPIC, PAYLOAD, { qos: 0 });
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  });
  return async () => {
    stop = true;
    await Promise.all(lanes);
    await client.endAsync();
  };
}

async function bareWindow(broker: Broker, parse: boolean): Promise<Window> {
  const client: MqttClient = await mqtt.connectAsync(broker.url, { clean: true, protocolVersion: 4 });
  try {
    let n = 0;
    let sink: unknown = null;
    client.on('message', parse ? (_t: string, payload: Buffer) => ((sink = JSON.parse(payload.toString('utf8'))), n++) : () => n++);
    await client.subscribeAsync([TOPIC, ...OTHER_TOPICS], { qos: 1 });
    const w = await measureWindow(() => n);
    if (parse && n > 0 && sink === null) throw new Error('bench: bare + JSON.parse parsed nothing');
    return w;
  } finally {
    await client.endAsync(true);
  }
}

async function adapterWindow(broker: Broker): Promise<Window & { readonly bad: number; readonly lastError: string | null }> {
  const adapter = createMqttAdapter(
    // pollIntervalS only sets the silence limit (3 × 60 s here): it never fires during the bench.
    { siteId: SITE, assetId: ASSET, kind: 'battery', binding: `${broker.url}/${PREFIX}?profile=${PROFILE}`, pollIntervalS: 60, revertS: 60 },
    { log: { warn: () => undefined } },
  );
  let messages = 0;
  let bad = 0;
  adapter.telemetry$.subscribe((t) => {
    if (t.quality !== 'good') bad++;
    else if (t.metric === 'powerKw') messages++;
  });
  try {
    await adapter.connect();
    const w = await measureWindow(() => messages);
    return { ...w, bad, lastError: adapter.health().lastError };
  } finally {
    await adapter.close();
  }
}

async function benchQos(broker: Broker, qos: Qos): Promise<BenchFigure[]> {
  const stopPublisher = await startPublisher(broker, qos);
  let rounds: Array<{ bare: Window; parsed: Window; adapter: Awaited<ReturnType<typeof adapterWindow>> }>;
  try {
    await delay(200); // the publisher connected and pushing
    rounds = await inRounds(async (i) => {
      // Alternate which side goes first, so that neither always inherits the other's backlog.
      if (i % 2 === 0) return { bare: await bareWindow(broker, false), parsed: await bareWindow(broker, true), adapter: await adapterWindow(broker) };
      const adapter = await adapterWindow(broker);
      return { parsed: await bareWindow(broker, true), bare: await bareWindow(broker, false), adapter };
    });
  } finally {
    await stopPublisher();
  }
  const bare = rateOf(rounds.map((r) => r.bare));
  const parsed = rateOf(rounds.map((r) => r.parsed));
  const ad = rateOf(rounds.map((r) => r.adapter));
  const per = rounds.map((r) => rateOverheadPct(rateOf([r.adapter]).perS, rateOf([r.bare]).perS));
  const where = broker.external ? 'Mosquitto, mosquitto_pub -l' : 'aedes in process (mosquitto missing), mqtt.js publisher in process';
  // The CPU this process got (adapter / bare): read the rates against it.
  const busy = `this process at ${cpuShare(rounds.map((r) => r.adapter))} / ${cpuShare(rounds.map((r) => r.bare))} % of a core`;
  const bad = badNote(rounds.reduce((a, r) => a + r.adapter.bad, 0), rounds.map((r) => r.adapter.lastError).find((e) => e !== null) ?? 'no error recorded');
  return [
    {
      name: `MQTT QoS ${qos}: adapter telemetry msgs/s`,
      value: ad.perS,
      unit: 'msg/s',
      baseline: versus('bare mqtt.js subscriber', bare.perS, 'msg/s', rateOverheadPct(ad.perS, bare.perS), `${spread(per)}; ${busy}; ${where}${bad}`),
    },
    {
      name: `MQTT QoS ${qos}: CPU µs per message`,
      value: ad.cpuUsPerItem,
      unit: 'µs',
      baseline: versus('bare mqtt.js subscriber', bare.cpuUsPerItem, 'µs', costOverheadPct(ad.cpuUsPerItem, bare.cpuUsPerItem)),
    },
    {
      name: `MQTT QoS ${qos}: CPU µs per message vs bare + JSON.parse`,
      value: ad.cpuUsPerItem,
      unit: 'µs',
      baseline: versus(
        `bare mqtt.js subscriber + JSON.parse (${parsed.perS.toFixed(0)} msg/s)`,
        parsed.cpuUsPerItem,
        'µs',
        costOverheadPct(ad.cpuUsPerItem, parsed.cpuUsPerItem),
        spread(rounds.map((r) => costOverheadPct(rateOf([r.adapter]).cpuUsPerItem, rateOf([r.parsed]).cpuUsPerItem))),
      ),
    },
  ];
}

function cpuShare(ws: readonly Window[]): string {
  const cpuUs = ws.reduce((a, w) => a + w.cpuUs, 0);
  const s = ws.reduce((a, w) => a + w.seconds, 0);
  return (cpuUs / 1e4 / s).toFixed(0);
}

export async function benchMqttAdapter(): Promise<BenchFigure[]> {
  const broker = await startBroker();
  try {
    return [...(await benchQos(broker, 0)), ...(await benchQos(broker, 1))];
  } finally {
    await broker.stop();
  }
}
