/**
 * SunSpec Modbus adapter against raw modbus-serial reads (issue 4). Every device is a battery
 * (SunSpec 1 + 103 + 124, constant values) on our Modbus TCP server: the adapter polls models
 * 103 and 124, which sit back to back, so one poll is one FC 3 read of 78 registers decoded
 * into 3 canonical readings (powerKw, socPct, setpointKw). The raw client reads the same
 * ranges (found by the same discovery, planned by the same planReads), one request at a time.
 *
 * Counted: `good` canonical readings emitted by telemetry$ through the adapter (bad ones are
 * reported beside the figure), and device reads completed by the raw client × 3 readings
 * each, so both are readings/s.
 *
 * The adapter runs at pollIntervalS 0: its poll loop (poll-loop.ts) arms the next poll as the
 * last one ends, so one device polls back to back as the raw client reads. Beside the rate, the
 * wall time of one poll, from its read being issued to its last reading emitted, against the
 * raw client's mean read time in its back-to-back windows. With 50 unit ids behind one gateway
 * (the adapter's design: one shared connection, one request at a time, as an RS-485 line or a
 * TCP gateway answers) the 50 pollers keep the link's queue full, so that throughput is
 * link-bound and compared directly with one raw client cycling the 50 unit ids.
 */
import { createModbusAdapter, createModbusConnections, type ModbusConnections } from '../adapters/modbus/index.js';
import type { DeviceAdapter } from '../src/domain/device-adapter.js';
import { startModbusTcpServer, sunspecBank, type ModbusTcpServer, type RegisterBank } from '../simulators/servers/index.js';
import { HOST, WARMUP_MS, badNote, costOverheadPct, delay, inRounds, measureWindow, rateOf, rateOverheadPct, spread, versus, type Window } from './adapters-common.js';
import { rawReads } from './adapters-modbus-raw.js';
import type { BenchFigure } from './figure.js';

const UNITS = 50;
/** Readings a battery poll emits: powerKw (103), socPct and setpointKw (124). */
const READINGS_PER_POLL = 3;

function battery(): RegisterBank {
  return sunspecBank({
    models: [
      { id: 103, source: { read: () => ({ W: -12_300, WH: 5.4e6, Hz: 50, A: 17.8, St: 4 }) } },
      { id: 124, source: { read: () => ({ WChaMax: 100_000, StorCtl_Mod: 1, InWRte: 40, OutWRte: 0, ChaState: 61.5 }) } },
    ],
  });
}

/** Wraps a connection registry to note when each read is issued (the adapter is not touched). */
function timedConnections(inner: ModbusConnections, onRead: () => void): ModbusConnections {
  return {
    async open(endpoint, unit, timeoutMs) {
      const c = await inner.open(endpoint, unit, timeoutMs);
      return { ...c, readHolding: (address, count) => (onRead(), c.readHolding(address, count)) };
    },
    connectionCount: () => inner.connectionCount(),
    userCount: (endpoint) => inner.userCount(endpoint),
  };
}

interface AdapterRun {
  readonly readings: Window;
  readonly bad: number;
  readonly lastError: string | null;
  /** Polls timed from the read issued to the last reading emitted, and their total ms (1 device only). */
  readonly polls: { readonly n: number; readonly ms: number };
}

async function adapterReadings(port: number, units: number): Promise<AdapterRun> {
  let readAtMs = 0;
  let sinceRead = 0;
  let polls = 0;
  let pollMs = 0;
  const connections = timedConnections(createModbusConnections(), () => {
    readAtMs = performance.now();
    sinceRead = 0;
  });
  let good = 0;
  let bad = 0;
  const adapters: DeviceAdapter[] = Array.from({ length: units }, (_, i) =>
    createModbusAdapter({ siteId: 'bench', assetId: `bess-${i + 1}`, kind: 'battery', binding: `modbus://${HOST}:${port}/${i + 1}`, pollIntervalS: 0, revertS: 60 }, { connections }),
  );
  for (const a of adapters) {
    a.telemetry$.subscribe((t) => {
      if (t.quality !== 'good') return void bad++;
      good++;
      // With one device reads and readings do not interleave: the 3rd reading ends the poll.
      if (++sinceRead === READINGS_PER_POLL && units === 1) {
        polls++;
        pollMs += performance.now() - readAtMs;
      }
    });
  }
  try {
    await Promise.all(adapters.map((a) => a.connect()));
    await delay(WARMUP_MS);
    const [p0, ms0] = [polls, pollMs];
    const readings = await measureWindow(() => good, 0);
    const lastError = adapters.map((a) => a.health().lastError).find((e) => e !== null) ?? null;
    return { readings, bad, lastError, polls: { n: polls - p0, ms: pollMs - ms0 } };
  } finally {
    await Promise.all(adapters.map((a) => a.close()));
  }
}

/** Readings/s through the adapter against raw reads × 3, overall and per round. */
function compare(raw: readonly Window[], runs: readonly AdapterRun[]): { adapterPerS: number; rawPerS: number; pct: number; note: string } {
  const ad = runs.map((r) => r.readings);
  const rawPerS = rateOf(raw).perS * READINGS_PER_POLL;
  const adapterPerS = rateOf(ad).perS;
  const per = raw.map((r, i) => rateOverheadPct(rateOf([ad[i] as Window]).perS, rateOf([r]).perS * READINGS_PER_POLL));
  const bad = badNote(runs.reduce((a, r) => a + r.bad, 0), runs.map((r) => r.lastError).find((e) => e !== null) ?? 'no error recorded');
  return { adapterPerS, rawPerS, pct: rateOverheadPct(adapterPerS, rawPerS), note: `${spread(per)}${bad}` };
}

async function withServer<T>(units: number, run: (port: number) => Promise<T>): Promise<T> {
  const server: ModbusTcpServer = await startModbusTcpServer({ host: HOST, port: 0, units: new Map(Array.from({ length: units }, (_, i) => [i + 1, battery()])) });
  try {
    return await run(server.port);
  } finally {
    await server.close();
  }
}

export async function benchModbusAdapter(): Promise<BenchFigure[]> {
  const one = await withServer(1, (port) =>
    inRounds(async () => ({ raw: await rawReads(port, 1), ad: await adapterReadings(port, 1) })),
  );
  const many = await withServer(UNITS, (port) => inRounds(async () => ({ raw: await rawReads(port, UNITS), ad: await adapterReadings(port, UNITS) })));

  const c1 = compare(one.map((r) => r.raw), one.map((r) => r.ad));
  const cN = compare(many.map((r) => r.raw), many.map((r) => r.ad));
  const pollUs = (one.reduce((a, r) => a + r.ad.polls.ms, 0) / one.reduce((a, r) => a + r.ad.polls.n, 0)) * 1000;
  const readUs = (w: Window): number => (w.seconds * 1e6) / w.count;
  const rawUs = readUs({ count: one.reduce((a, r) => a + r.raw.count, 0), seconds: one.reduce((a, r) => a + r.raw.seconds, 0), cpuUs: 0 });
  const perPoll = one.map((r) => costOverheadPct((r.ad.polls.ms / r.ad.polls.n) * 1000, readUs(r.raw)));
  return [
    {
      name: 'Modbus 1 device: adapter readings/s',
      value: c1.adapterPerS,
      unit: 'readings/s',
      baseline: versus('raw back-to-back reads × 3', c1.rawPerS, 'readings/s', c1.pct, c1.note),
    },
    {
      name: 'Modbus 1 device: µs per decoded poll',
      value: pollUs,
      unit: 'µs',
      baseline: versus('raw read of the same 78 regs, back to back', rawUs, 'µs', costOverheadPct(pollUs, rawUs), spread(perPoll)),
    },
    {
      name: `Modbus ${UNITS} units / 1 gateway: adapter readings/s`,
      value: cN.adapterPerS,
      unit: 'readings/s',
      baseline: versus(`raw, 1 client cycling ${UNITS} unit ids, × 3`, cN.rawPerS, 'readings/s', cN.pct, cN.note),
    },
  ];
}
