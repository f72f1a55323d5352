import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon } from './daemon.js';
import { INSTALL_HINTS, findBinary, requireBinary } from './binaries.js';

/** A throwaway influxd on loopback, for tests and benchmarks. */
export interface InfluxdHandle {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** influxd builds its indexes on start: give it longer than the default. */
const READY_DEADLINE_MS = 20_000;

/** A port that was free a moment ago: bind 127.0.0.1:0, read it, close. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      srv.close(() => (port > 0 ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}

function configText(dir: string, rpcPort: number, httpPort: number): string {
  // Debian's 1.6.7 spells the usage-report switch `reporting-enabled`; upstream
  // `reporting-disabled`. Unknown keys are ignored, so both are set.
  return `reporting-disabled = true
reporting-enabled = false
bind-address = "127.0.0.1:${rpcPort}"

[meta]
  dir = "${join(dir, 'meta')}"
  logging-enabled = false

[data]
  dir = "${join(dir, 'data')}"
  wal-dir = "${join(dir, 'wal')}"
  query-log-enabled = false

[monitor]
  store-enabled = false

[http]
  bind-address = "127.0.0.1:${httpPort}"
  log-enabled = false
  max-row-limit = 0

[continuous_queries]
  log-enabled = false

[logging]
  level = "error"
  suppress-logo = true
`;
}

/**
 * For test collection: true when influxd is installed. When it is not, requireBinary warns
 * loudly (the caller skips), and under CI=true throws, so a CI run fails instead.
 */
export function influxdAvailable(): boolean {
  return requireBinary('influxd') !== null;
}

/** Starts influxd with its own config and data in a temp dir; resolves once /ping answers 204. */
export async function startInfluxd(): Promise<InfluxdHandle> {
  const d = await startRestartableInfluxd();
  return { url: d.url, port: d.port, stop: () => d.stop() };
}

/** An influxd that can be killed and started again on the same data dir and ports (outage tests). */
export interface RestartableInfluxd extends InfluxdHandle {
  /** Stops the process (SIGTERM: clean shutdown; SIGKILL: a crash), keeping its data and ports. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again where it was; resolves once /ping answers 204. */
  restart(): Promise<void>;
}

export async function startRestartableInfluxd(): Promise<RestartableInfluxd> {
  const bin = findBinary('influxd');
  if (bin === null) throw new Error(`influxd is not installed: ${INSTALL_HINTS.influxd ?? 'apt-get install influxdb'}`);
  const root = await mkdtemp(join(tmpdir(), 'vpp-influxd-'));
  const [rpcPort, httpPort] = [await freePort(), await freePort()];
  const configFile = join(root, 'influxdb.conf');
  await writeFile(configFile, configText(root, rpcPort, httpPort));
  const url = `http://127.0.0.1:${httpPort}`;
  let runs = 0;
  const launch = async (): Promise<(signal?: NodeJS.Signals) => Promise<void>> => {
    // startDaemon removes its dir on stop: give it a scratch dir, so the data in root stays.
    const scratch = join(root, `run-${++runs}`);
    const { stop } = await startDaemon({
      name: 'influxd',
      bin,
      args: ['-config', configFile],
      dir: scratch,
      ready: () => pingOk(url),
      readyWhat: `answering ${url}/ping with 204`,
      readyDeadlineMs: READY_DEADLINE_MS,
    });
    return stop;
  };
  let stopRun: ((signal?: NodeJS.Signals) => Promise<void>) | null = await launch();
  const kill = async (signal?: NodeJS.Signals): Promise<void> => {
    const s = stopRun;
    stopRun = null;
    await s?.(signal);
  };
  return {
    url,
    port: httpPort,
    kill,
    restart: async () => {
      if (stopRun !== null) throw new Error('influxd is still running');
      stopRun = await launch();
    },
    stop: async () => {
      await kill();
      await rm(root, { recursive: true, force: true });
    },
  };
}

async function pingOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1_000) });
    return res.status === 204;
  } catch {
    return false;
  }
}
