import type { AssetKind } from '../src/domain/asset.js';
import type { AdapterTarget, DeviceAdapter } from '../src/domain/device-adapter.js';
import { VppError } from '../src/domain/errors.js';
import type { Quality } from '../src/domain/quality.js';
import type { Metric } from '../src/domain/telemetry.js';
import { loadProfile, type DeviceProfile } from './profile.js';

/** Which profile protocol each binding scheme speaks. */
export const PROFILE_PROTOCOLS: Readonly<Record<string, DeviceProfile['protocol']>> = {
  modbus: 'modbus',
  'modbus-rtu': 'modbus',
  mqtt: 'mqtt',
  mqtts: 'mqtt',
  'opc.tcp': 'opcua',
};

/**
 * `vpp probe --profile --json` output: CONTRACTS.md's shape, with `sunspec: null` (no SunSpec
 * map was read) and the profile that named the registers.
 */
export interface ProfileProbeResult {
  readonly url: string;
  readonly device: { readonly manufacturer: string | null; readonly model: string | null; readonly serialNumber: null; readonly version: null };
  readonly sunspec: null;
  readonly profile: { readonly name: string; readonly source: string };
  readonly assets: ReadonlyArray<{
    readonly kind: AssetKind;
    readonly model: null;
    readonly readings: Readonly<Partial<Record<Metric, { readonly value: number | null; readonly quality: Quality }>>>;
  }>;
}

export interface ProfileProbeOptions {
  /** Connect and first telemetry together; default 5000 ms. */
  readonly timeoutMs?: number;
  /** Where profiles live; default config/devices/. */
  readonly profileDir?: URL;
  /** adapters/index.ts passes its createAdapter (injected: that module imports this one). */
  readonly createAdapter: (target: AdapterTarget) => DeviceAdapter;
}

function bindingWithProfile(url: string, name: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new VppError('BINDING_INVALID', `binding '${url}': is not a URL`);
  }
  const given = u.searchParams.get('profile');
  if (given !== null && given !== name) throw new VppError('BINDING_INVALID', `binding '${url}': names profile ${given}, --profile says ${name}`);
  u.searchParams.set('profile', name);
  return u.toString();
}

/**
 * Reads a device once through a profile: connects an adapter for the URL's scheme, waits for
 * its first complete telemetry (adapters emit every metric of a reading in one go), closes.
 * Throws VppError: BINDING_INVALID, PROFILE_NOT_FOUND / PROFILE_INVALID, PROFILE_MISMATCH (the
 * profile is for another protocol, or the device refused every register), DEVICE_UNREACHABLE
 * or PROBE_TIMEOUT.
 */
export async function probeProfile(url: string, name: string, options: ProfileProbeOptions): Promise<ProfileProbeResult> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  const protocol = scheme === undefined ? undefined : PROFILE_PROTOCOLS[scheme];
  if (scheme === undefined || protocol === undefined) {
    throw new VppError('BINDING_INVALID', `binding '${url}': ${scheme === undefined ? 'is not a URL' : `scheme ${scheme}: is not supported`} (supported: ${Object.keys(PROFILE_PROTOCOLS).map((s) => `${s}:`).join(', ')})`);
  }
  const head = loadProfile(name, options.profileDir);
  if (head.protocol !== protocol) throw new VppError('PROFILE_MISMATCH', `profile ${head.name} is for protocol ${head.protocol}, the URL speaks ${protocol}`);
  const binding = bindingWithProfile(url, name);
  const timeoutMs = options.timeoutMs ?? 5000;
  const adapter = options.createAdapter({ siteId: 'probe', assetId: 'probe', kind: head.kind, binding, pollIntervalS: Math.max(1, timeoutMs / 1000), revertS: 0 });
  const readings: Partial<Record<Metric, { value: number | null; quality: Quality }>> = {};
  let timer: NodeJS.Timeout | undefined;
  let firstSeen: () => void = () => undefined;
  const complete = new Promise<void>((resolve) => {
    // The rest of the batch arrives in the same tick: collect it, then stop.
    firstSeen = () => setImmediate(resolve);
  });
  let seen = false;
  const sub = adapter.telemetry$.subscribe((t) => {
    readings[t.metric] = { value: t.value, quality: t.quality };
    if (!seen) {
      seen = true;
      firstSeen();
    }
  });
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new VppError('PROBE_TIMEOUT', `${url}: no reading through profile ${name} within ${timeoutMs} ms`)), timeoutMs);
    });
    await Promise.race([adapter.connect().then(() => complete), timeout]);
  } finally {
    clearTimeout(timer);
    sub.unsubscribe();
    await adapter.close();
  }
  return {
    url,
    device: { manufacturer: head.manufacturer ?? null, model: head.model ?? null, serialNumber: null, version: null },
    sunspec: null,
    profile: { name: head.name, source: head.source },
    assets: [{ kind: head.kind, model: null, readings }],
  };
}
