import { spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';

const STOP_DEADLINE_MS = 5_000;

export interface DaemonOptions {
  readonly name: string;
  readonly bin: string;
  readonly args: readonly string[];
  /** The temp dir holding its config and data; removed on stop. */
  readonly dir: string;
  /** Whether it serves yet (these daemons print no reliable readiness line): polled with a deadline. */
  readonly ready: () => Promise<boolean>;
  readonly readyWhat: string;
  readonly readyDeadlineMs?: number;
  readonly pollMs?: number;
  /** Run as this user and group (PostgreSQL refuses to run as root). */
  readonly uid?: number;
  readonly gid?: number;
}

/**
 * Spawns a test daemon (influxd, mosquitto) and resolves once `ready()` holds; its stderr tail
 * goes into the error when it dies or never gets ready. `stop()` sends SIGTERM (SIGKILL after
 * 5 s) and removes its directory.
 */
export async function startDaemon(o: DaemonOptions): Promise<{ stop(signal?: NodeJS.Signals): Promise<void> }> {
  const child = spawn(o.bin, [...o.args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    ...(o.uid !== undefined ? { uid: o.uid } : {}),
    ...(o.gid !== undefined ? { gid: o.gid } : {}),
  });
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8_000);
  });
  let hasExited = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      hasExited = true;
      resolve();
    }),
  );
  // `signal`: SIGKILL for a crash (fault tests); the default asks it to shut down cleanly.
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<void> => {
    if (!hasExited) {
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_DEADLINE_MS);
      await exited;
      clearTimeout(timer);
    }
    await rm(o.dir, { recursive: true, force: true });
  };
  const deadlineMs = o.readyDeadlineMs ?? 10_000;
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    if (hasExited) {
      await stop();
      throw new Error(`${o.name} exited before ${o.readyWhat}. stderr:\n${stderr}`);
    }
    if (await o.ready()) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`${o.name} did not ${o.readyWhat} within ${deadlineMs} ms. stderr:\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, o.pollMs ?? 50));
  }
  return { stop };
}
