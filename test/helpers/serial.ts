import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const PYMODBUS_SERVER = fileURLToPath(new URL('./pymodbus-server.py', import.meta.url));
const READY_DEADLINE_MS = 10_000;

export interface Peer {
  /** Stops the process (SIGTERM, SIGKILL after 5 s) and waits for it to exit. */
  stop(): Promise<void>;
  readonly exited: Promise<void>;
}

function track(child: ChildProcess): { exited: Promise<void>; stop: () => Promise<void> } {
  let done = false;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      done = true;
      resolve();
    }),
  );
  return {
    exited,
    async stop() {
      if (done) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Waits until `stream` has printed text that `parse` accepts (an event, not a sleep), or
 * fails with what the process printed when it exits first or the deadline passes.
 */
function waitFor<T>(child: ChildProcess, stream: NodeJS.ReadableStream, parse: (text: string) => T | undefined, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    let text = '';
    let errText = '';
    child.stderr?.on('data', (d: Buffer) => (errText = (errText + d.toString()).slice(-4000)));
    const timer = setTimeout(() => reject(new Error(`${what}: not ready within ${READY_DEADLINE_MS} ms; printed: ${text}${errText}`)), READY_DEADLINE_MS);
    stream.on('data', (d: Buffer) => {
      text += d.toString();
      const v = parse(text);
      if (v !== undefined) {
        clearTimeout(timer);
        resolve(v);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what}: exited (${String(code)}) before it was ready; printed: ${text}${errText}`));
    });
  });
}

/** A virtual serial line: two ptys joined by socat (`socat -d -d pty,raw,echo=0 pty,raw,echo=0`). */
export interface PtyPair extends Peer {
  readonly a: string;
  readonly b: string;
}

export async function startPtyPair(socat: string): Promise<PtyPair> {
  const child = spawn(socat, ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const t = track(child);
  const stderr = child.stderr;
  if (stderr === null) throw new Error('socat: no stderr');
  try {
    // socat -d -d logs "N PTY is /dev/pts/X" for each end, then "starting data transfer loop".
    const [a, b] = await waitFor(child, stderr, (text) => {
      const ptys = [...text.matchAll(/PTY is (\S+)/g)].map((m) => m[1] ?? '');
      return ptys.length >= 2 && text.includes('starting data transfer loop') ? [ptys[0] ?? '', ptys[1] ?? ''] : undefined;
    }, 'socat');
    return { a, b, ...t };
  } catch (e) {
    await t.stop();
    throw e;
  }
}

/** One unit's registers as pymodbus serves them: `registers[i]` is at address `base + i`. */
export interface PeerUnit {
  readonly base: number;
  readonly registers: readonly number[];
}

export type PymodbusSpec =
  | { readonly transport: 'tcp'; readonly units: Readonly<Record<number, PeerUnit>> }
  | { readonly transport: 'rtu'; readonly serial: { readonly port: string; readonly baudrate: number; readonly parity?: 'N' | 'E' | 'O' }; readonly units: Readonly<Record<number, PeerUnit>> };

export interface PymodbusPeer extends Peer {
  /** TCP port (TCP transport only; 0 for RTU). */
  readonly port: number;
}

/** Starts test/helpers/pymodbus-server.py with Debian's /usr/bin/python3 (the one with pymodbus). */
export async function startPymodbus(spec: PymodbusSpec): Promise<PymodbusPeer> {
  const dir = await mkdtemp(join(tmpdir(), 'vpp-pymodbus-'));
  const file = join(dir, 'spec.json');
  await writeFile(file, JSON.stringify(spec));
  const child = spawn('/usr/bin/python3', [PYMODBUS_SERVER, file], { stdio: ['ignore', 'pipe', 'pipe'] });
  const t = track(child);
  const stop = async (): Promise<void> => {
    await t.stop();
    await rm(dir, { recursive: true, force: true });
  };
  const stdout = child.stdout;
  if (stdout === null) throw new Error('pymodbus: no stdout');
  try {
    const port = await waitFor(child, stdout, (text) => {
      const m = /READY (tcp (\d+)|rtu)/.exec(text);
      return m === null ? undefined : Number(m[2] ?? 0);
    }, 'pymodbus server');
    return { port, exited: t.exited, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** One model written by hand: raw register values by offset from the first register after ID and L. */
export interface RawModel {
  readonly id: number;
  /** L, as the official model definition gives it. */
  readonly length: number;
  readonly regs: Readonly<Record<number, number>>;
}

/** 'SunS', the models (unset registers 0), the end marker: a register image written without our codec. */
export function rawSunSpecMap(models: readonly RawModel[]): number[] {
  const out = [0x5375, 0x6e53];
  for (const m of models) {
    const body = new Array<number>(m.length).fill(0);
    for (const [offset, raw] of Object.entries(m.regs)) body[Number(offset)] = raw;
    out.push(m.id, m.length, ...body);
  }
  out.push(0xffff, 0);
  return out;
}

/** A SunSpec string point: two ASCII characters per register, NUL-padded. */
export function asciiRegs(text: string, offset: number): Record<number, number> {
  const regs: Record<number, number> = {};
  for (let i = 0; i < text.length; i += 2) regs[offset + i / 2] = ((text.charCodeAt(i) & 0xff) << 8) | (text.charCodeAt(i + 1) & 0xff || 0);
  return regs;
}

/** A signed value as the 16-bit register that carries it. */
export const s16 = (v: number): number => (v < 0 ? v + 0x10000 : v);
