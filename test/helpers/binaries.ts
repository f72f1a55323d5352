import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/**
 * Tests that need a Debian binary find it here. When it is missing they say so loudly and
 * skip; under CI=true a missing binary is a failure, never a silent skip.
 */
export interface BinaryCheck {
  readonly path: string | null;
  readonly reason: string;
}

export const INSTALL_HINTS: Readonly<Record<string, string>> = {
  influxd: 'apt-get install -y influxdb',
  mosquitto: 'apt-get install -y mosquitto mosquitto-clients',
  mosquitto_pub: 'apt-get install -y mosquitto-clients',
  mbpoll: 'apt-get install -y mbpoll',
  socat: 'apt-get install -y socat',
  postgres: 'apt-get install -y postgresql',
  '/usr/bin/python3 -m pymodbus': 'apt-get install -y python3-pymodbus python3-serial',
};

export function findBinary(name: string): string | null {
  if (name.startsWith('/')) return existsSync(name) ? name : null;
  for (const dir of (process.env.PATH ?? '').split(delimiter).concat(['/usr/sbin', '/usr/bin', '/sbin'])) {
    const candidate = join(dir, name);
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  return null;
}

/**
 * Returns the binary's path, or null after a loud warning. Under CI=true, throws instead, so
 * that a run without the service fails rather than passes with nothing tested.
 */
export function requireBinary(name: string, hintKey: string = name): string | null {
  const path = findBinary(name);
  if (path !== null) return path;
  const message = `MISSING BINARY: '${name}' is not installed, so the tests that need it cannot run. Install it with: ${INSTALL_HINTS[hintKey] ?? `apt-get install ${name}`}`;
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: a missing service is a failure)`);
  console.warn(`\n*** ${message} — SKIPPING ***\n`);
  return null;
}

/** True when Debian's pymodbus is importable from /usr/bin/python3 (the only interpreter that has it). */
export async function hasPymodbus(): Promise<boolean> {
  const { execFile } = await import('node:child_process');
  return new Promise((resolve) => {
    execFile('/usr/bin/python3', ['-c', 'import pymodbus'], (err) => resolve(err === null));
  });
}

/** Like requireBinary, for Debian's pymodbus: loud skip, or a failure under CI=true. */
export async function requirePymodbus(): Promise<boolean> {
  if (requireBinary('/usr/bin/python3', '/usr/bin/python3 -m pymodbus') === null) return false;
  if (await hasPymodbus()) return true;
  const message = `MISSING PACKAGE: /usr/bin/python3 cannot import pymodbus, so the pymodbus peer tests cannot run. Install it with: ${INSTALL_HINTS['/usr/bin/python3 -m pymodbus'] ?? ''}`;
  if (process.env.CI === 'true') throw new Error(`${message} (CI=true: a missing service is a failure)`);
  console.warn(`\n*** ${message} — SKIPPING ***\n`);
  return false;
}
