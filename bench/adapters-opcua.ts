/**
 * OPC UA adapter against a bare node-opcua ClientSubscription (issue 4). Our OPC UA simulator
 * serves DEVICES batteries whose readings change on every read, so every sample the server
 * takes is a change. The adapters (profile vpp-sim-opcua-battery: powerKw and socPct; the
 * devices on one endpoint share one session and subscription, shared-session.ts) run at
 * pollIntervalS 0.1 (100 ms publishing and sampling: the server's floor); the bare client
 * monitors the same 2 × DEVICES nodes from one session and one subscription with the same
 * intervals and queue size 1, and, as a second baseline, from one session per device.
 *
 * The simulator's variables have MinimumSamplingInterval 100 ms, so the server samples each
 * item at most 10 times a second whoever asks: both sides then receive the same updates/s
 * when they keep up, and the adapter's overhead shows in the CPU per update instead (this
 * process's, the in-process server's sampling included, which is the same for both sides).
 * DEVICES stays below the simulator's limit of 20 sessions.
 *
 * Counted: through the adapter, `good` readings whose value differs from the last one of the
 * same asset and metric (its held-value re-emissions every interval are not updates); bare,
 * the monitored items' 'changed' events.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AttributeIds, MessageSecurityMode, OPCUACertificateManager, OPCUAClient, SecurityPolicy, TimestampsToReturn } from 'node-opcua';
import { createOpcuaAdapter } from '../adapters/opcua/index.js';
import type { DeviceAdapter } from '../src/domain/device-adapter.js';
import { SIM_NAMESPACE_URI, startOpcuaSimulator, type SimDevice } from '../simulators/servers/index.js';
import { badNote, costOverheadPct, inRounds, measureWindow, rateOf, rateOverheadPct, spread, versus, type Window } from './adapters-common.js';
import type { BenchFigure } from './figure.js';

const DEVICES = 16;
const SITE = 'bench';
const METRICS = ['powerKw', 'socPct'] as const;
const POLL_S = 0.1;

/** A battery whose readings move on every read: the server sees a change at each sample. */
function movingBattery(i: number): SimDevice {
  let n = 0;
  return {
    siteId: SITE,
    assetId: `bess-${i}`,
    kind: 'battery',
    commands: ['powerKw', 'revertS'],
    readings: () => {
      n++;
      return { powerKw: (n % 2000) / 10 - 100, socPct: (n % 1000) / 10 };
    },
    command: () => undefined,
  };
}

/** One bare client, session and subscription monitoring the given devices' nodes; counts 'changed' events. */
async function bareSession(endpointUrl: string, cm: OPCUACertificateManager, devices: readonly number[], onChange: () => void): Promise<OPCUAClient> {
  const client = OPCUAClient.create({
    // The adapter's name: both share one client certificate, whose URI carries the name.
    applicationName: 'vpp-controller',
    endpointMustExist: false,
    securityMode: MessageSecurityMode.None,
    securityPolicy: SecurityPolicy.None,
    clientCertificateManager: cm,
    connectionStrategy: { maxRetry: 0 },
  });
  try {
    await client.connect(endpointUrl);
    const session = await client.createSession();
    const ns = (await session.readNamespaceArray()).indexOf(SIM_NAMESPACE_URI);
    if (ns < 0) throw new Error(`bench: the OPC UA simulator has no namespace ${SIM_NAMESPACE_URI}`);
    const sub = await session.createSubscription2({
      requestedPublishingInterval: POLL_S * 1000,
      requestedMaxKeepAliveCount: 3,
      requestedLifetimeCount: 30,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 1,
    });
    for (const i of devices) {
      for (const m of METRICS) {
        const item = await sub.monitor({ nodeId: `ns=${ns};s=${SITE}/bess-${i}/${m}`, attributeId: AttributeIds.Value }, { samplingInterval: POLL_S * 1000, queueSize: 1, discardOldest: true }, TimestampsToReturn.Both);
        item.on('changed', onChange);
      }
    }
    return client;
  } catch (e) {
    await client.disconnect();
    throw e;
  }
}

/**
 * Bare node-opcua: one session for all devices (the least a client needs), or one per device
 * (the adapter's layout without the adapter), so that the session count and the adapter's own
 * work can be told apart.
 */
async function bareWindow(endpointUrl: string, pkiDir: string, perDevice: boolean): Promise<Window> {
  const cm = new OPCUACertificateManager({ rootFolder: pkiDir, automaticallyAcceptUnknownCertificate: true });
  const all = Array.from({ length: DEVICES }, (_, i) => i);
  const groups = perDevice ? all.map((i) => [i]) : [all];
  let n = 0;
  const clients = await Promise.allSettled(groups.map((g) => bareSession(endpointUrl, cm, g, () => n++)));
  try {
    const failed = clients.find((c) => c.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    return await measureWindow(() => n);
  } finally {
    await Promise.all(clients.map((c) => (c.status === 'fulfilled' ? c.value.disconnect() : undefined)));
    await cm.dispose();
  }
}

/** Bad readings mean the adapter judged the link dead (no publish response in time): reported, not fatal. */
async function adapterWindow(endpointUrl: string, pkiDir: string): Promise<Window & { readonly bad: number }> {
  const adapters: DeviceAdapter[] = Array.from({ length: DEVICES }, (_, i) =>
    createOpcuaAdapter({ siteId: SITE, assetId: `bess-${i}`, kind: 'battery', binding: `${endpointUrl}?profile=vpp-sim-opcua-battery`, pollIntervalS: POLL_S, revertS: 60 }, { pkiDir, trustUnknownServer: true }),
  );
  const last = new Map<string, number | null>();
  let updates = 0;
  let bad = 0;
  for (const a of adapters) {
    a.telemetry$.subscribe((t) => {
      if (t.quality !== 'good') return void bad++;
      const key = `${t.assetId}/${t.metric}`;
      if (last.get(key) !== t.value) updates++;
      last.set(key, t.value);
    });
  }
  try {
    await Promise.all(adapters.map((a) => a.connect()));
    const w = await measureWindow(() => updates);
    return { ...w, bad };
  } finally {
    await Promise.all(adapters.map((a) => a.close()));
  }
}

/**
 * Kept between runs, like the simulator's default PKI folder: making an RSA key and certificate
 * takes seconds on a loaded machine, and would count against the suite's minute.
 */
const CLIENT_PKI = join(tmpdir(), 'vpp-bench-opcua-client-pki');

export async function benchOpcuaAdapter(): Promise<BenchFigure[]> {
  const sim = await startOpcuaSimulator({ port: 0, devices: Array.from({ length: DEVICES }, (_, i) => movingBattery(i)) });
  try {
    // One connect first, so that a missing client certificate is made once, not by 16 adapters at a time.
    const first = createOpcuaAdapter({ siteId: SITE, assetId: 'bess-0', kind: 'battery', binding: `${sim.endpointUrl}?profile=vpp-sim-opcua-battery`, pollIntervalS: 1, revertS: 60 }, { pkiDir: CLIENT_PKI, trustUnknownServer: true });
    try {
      await first.connect();
    } finally {
      await first.close();
    }
    const rounds = await inRounds(async (i) => {
      const bare = (perDevice: boolean): Promise<Window> => bareWindow(sim.endpointUrl, CLIENT_PKI, perDevice);
      if (i % 2 === 0) return { bare: await bare(false), bare16: await bare(true), adapter: await adapterWindow(sim.endpointUrl, CLIENT_PKI) };
      const adapter = await adapterWindow(sim.endpointUrl, CLIENT_PKI);
      return { bare16: await bare(true), bare: await bare(false), adapter };
    });
    const bare = rateOf(rounds.map((r) => r.bare));
    const bare16 = rateOf(rounds.map((r) => r.bare16));
    const ad = rateOf(rounds.map((r) => r.adapter));
    const items = DEVICES * METRICS.length;
    const bad = rounds.reduce((a, r) => a + r.adapter.bad, 0);
    return [
      {
        name: `OPC UA ${items} items: adapter updates/s`,
        value: ad.perS,
        unit: 'updates/s',
        baseline: versus('bare ClientSubscription', bare.perS, 'updates/s', rateOverheadPct(ad.perS, bare.perS), `server-capped at ${items * 10}/s (MinimumSamplingInterval 100 ms); ${spread(rounds.map((r) => rateOverheadPct(rateOf([r.adapter]).perS, rateOf([r.bare]).perS)))}${badNote(bad, 'the adapter judged a link dead: no publish response in time')}`),
      },
      {
        name: 'OPC UA: CPU µs per update vs bare 1 session',
        value: ad.cpuUsPerItem,
        unit: 'µs',
        baseline: versus('bare, 1 session', bare.cpuUsPerItem, 'µs', costOverheadPct(ad.cpuUsPerItem, bare.cpuUsPerItem), `adapter: 1 shared session; ${spread(rounds.map((r) => costOverheadPct(rateOf([r.adapter]).cpuUsPerItem, rateOf([r.bare]).cpuUsPerItem)))}`),
      },
      {
        name: `OPC UA: CPU µs per update vs bare ${DEVICES} sessions`,
        value: ad.cpuUsPerItem,
        unit: 'µs',
        baseline: versus(`bare, 1 session per device (${bare16.perS.toFixed(0)} updates/s)`, bare16.cpuUsPerItem, 'µs', costOverheadPct(ad.cpuUsPerItem, bare16.cpuUsPerItem), spread(rounds.map((r) => costOverheadPct(rateOf([r.adapter]).cpuUsPerItem, rateOf([r.bare16]).cpuUsPerItem)))),
      },
    ];
  } finally {
    await sim.close();
  }
}
