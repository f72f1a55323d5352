import { mkdtemp, writeFile } from 'node:fs/promises';
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
  const bin = findBinary('influxd');
  if (bin === null) throw new Error(`influxd is not installed: ${INSTALL_HINTS.influxd ?? 'apt-get install influxdb'}`);
  const dir = await mkdtemp(join(tmpdir(), 'vpp-influxd-'));
  const [rpcPort, httpPort] = [await freePort(), await freePort()];
  const configFile = join(dir, 'influxdb.conf');
  await writeFile(configFile, configText(dir, rpcPort, httpPort));

  const url = `http://127.0.0.1:${httpPort}`;
  const { stop } = await startDaemon({
    name: 'influxd',
    bin,
    args: ['-config', configFile],
    dir,
    ready: () => pingOk(url),
    readyWhat: `answering ${url}/ping with 204`,
    readyDeadlineMs: READY_DEADLINE_MS,
  });
  return { url, port: httpPort, stop };
}

async function pingOk(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/ping`, { signal: AbortSignal.timeout(1_000) });
    return res.status === 204;
  } catch {
    return false;
  }
}
