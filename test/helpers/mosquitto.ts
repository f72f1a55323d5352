import { execFile, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDaemon } from './daemon.js';
import { INSTALL_HINTS, findBinary, requireBinary } from './binaries.js';
import { freePort } from './influxd.js';

/** A throwaway Mosquitto broker on loopback. */
export interface MosquittoHandle {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}


/**
 * For test collection: true when mosquitto and its command-line clients are installed. When
 * not, requireBinary warns loudly (the caller skips); under CI=true it throws instead.
 */
export function mosquittoAvailable(): boolean {
  return requireBinary('mosquitto') !== null && requireBinary('mosquitto_sub', 'mosquitto_pub') !== null && requireBinary('mosquitto_pub') !== null;
}

function tcpConnects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Starts mosquitto with its own config in a temp dir; resolves once a TCP connect succeeds.
 * `atPort`: that port (a broker restarted where its clients look for it); default a free one.
 */
export async function startMosquitto(atPort?: number): Promise<MosquittoHandle> {
  const bin = findBinary('mosquitto');
  if (bin === null) throw new Error(`mosquitto is not installed: ${INSTALL_HINTS.mosquitto ?? 'apt-get install mosquitto'}`);
  const dir = await mkdtemp(join(tmpdir(), 'vpp-mosquitto-'));
  const port = atPort ?? (await freePort());
  const configFile = join(dir, 'mosquitto.conf');
  await writeFile(configFile, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nlog_dest stderr\n`);

  const { stop } = await startDaemon({
    name: 'mosquitto',
    bin,
    args: ['-c', configFile],
    dir,
    ready: () => tcpConnects(port),
    readyWhat: `accepting a TCP connection on ${port}`,
    pollMs: 25,
  });
  return { url: `mqtt://127.0.0.1:${port}`, port, stop };
}

/** A running `mosquitto_sub`: `subscribed` settles on its SUBACK, `messages` when it exits. */
export interface MosquittoSub {
  readonly subscribed: Promise<void>;
  /** Payload lines (with `-v`, `topic payload`), once `count` messages arrived. */
  readonly messages: Promise<string[]>;
  stop(): void;
}

/**
 * Runs `mosquitto_sub -d -C count -W timeoutS` (under `stdbuf -oL`). `-d` prints "received SUBACK" once the broker
 * confirmed the subscription: the event a test awaits before publishing, instead of sleeping.
 */
export function mosquittoSub(port: number, topic: string, count: number, opts: { verbose?: boolean; timeoutS?: number } = {}): MosquittoSub {
  const args = ['-d', '-h', '127.0.0.1', '-p', String(port), '-q', '1', '-t', topic, '-C', String(count), '-W', String(opts.timeoutS ?? 10)];
  if (opts.verbose === true) args.push('-v');
  // mosquitto_sub writes through stdio, fully buffered into a pipe: the SUBACK line would only
  // arrive at exit. coreutils' stdbuf makes it line buffered.
  const child = spawn('stdbuf', ['-oL', 'mosquitto_sub', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let stderr = '';
  let buffered = '';
  let onSuback: (() => void) | null = null;
  const subscribed = new Promise<void>((resolve, reject) => {
    onSuback = resolve;
    child.once('exit', (code) => reject(new Error(`mosquitto_sub exited (${code}) before SUBACK: ${stderr}`)));
  });
  // Whoever awaits only `messages` must not see an unhandled rejection from `subscribed`.
  subscribed.catch(() => undefined);
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (stderr += chunk));
  child.stdout.on('data', (chunk: string) => {
    buffered += chunk;
    let nl = buffered.indexOf('\n');
    while (nl >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      // Debug lines all start with "Client "; payload lines are what was published.
      if (line.startsWith('Client ')) {
        if (line.includes('received SUBACK')) onSuback?.();
      } else if (line !== '' && !line.startsWith('Subscribed (mid')) {
        lines.push(line);
      }
      nl = buffered.indexOf('\n');
    }
  });
  const messages = new Promise<string[]>((resolve, reject) => {
    child.once('exit', (code) => {
      if (code === 0) resolve(lines);
      else reject(new Error(`mosquitto_sub ${args.join(' ')} exited with ${code} after ${lines.length} message(s): ${stderr}`));
    });
  });
  messages.catch(() => undefined);
  return { subscribed, messages, stop: () => child.kill('SIGTERM') };
}

/** Publishes one message with `mosquitto_pub` at QoS 1 and resolves when it exits. */
export function mosquittoPub(port: number, topic: string, message: string): Promise<void> {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-t', topic, '-m', message];
  return new Promise((resolve, reject) => {
    execFile('mosquitto_pub', args, { encoding: 'utf8' }, (error, _stdout, stderr) => {
      if (error) reject(new Error(`mosquitto_pub ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve();
    });
  });
}
