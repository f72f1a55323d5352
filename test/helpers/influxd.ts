import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { INSTALL_HINTS, findBinary, requireBinary } from './binaries.js';

/** A throwaway influxd on loopback, for tests and benchmarks. */
export interface InfluxdHandle {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

const READY_DEADLINE_MS = 20_000;
const STOP_DEADLINE_MS = 10_000;

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

  const child = spawn(bin, ['-config', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8_000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let hasExited = false;
  void exited.then(() => (hasExited = true));
  const url = `http://127.0.0.1:${httpPort}`;

  const stop = async (): Promise<void> => {
    if (!hasExited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_DEADLINE_MS);
      await exited;
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  // influxd has no readiness signal on stdout: poll /ping with a deadline.
  const deadline = Date.now() + READY_DEADLINE_MS;
  for (;;) {
    if (hasExited) {
      await stop();
      throw new Error(`influxd exited before answering /ping. stderr:\n${stderr}`);
    }
    if (await pingOk(url)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`influxd did not answer ${url}/ping with 204 within ${READY_DEADLINE_MS} ms. stderr:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
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
