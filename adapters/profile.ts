import { readFileSync, statSync } from 'node:fs';
import { parse } from 'yaml';
import Type from 'typebox';
import { Value } from 'typebox/value';
import { VppError } from '../src/domain/errors.js';
import { ASSET_KINDS, type AssetKind } from '../src/domain/asset.js';

/**
 * Device profiles: `config/devices/<name>.yaml`, one file per product (STYLE.md: devices are
 * data). A binding names one with `?profile=<name>`. The top level is common to every
 * protocol; the protocol's own section (`mqtt:`, `opcua:`, `modbus:`) is checked by its adapter.
 */
export interface DeviceProfile {
  readonly name: string;
  readonly protocol: 'modbus' | 'mqtt' | 'opcua';
  readonly kind: AssetKind;
  /** The vendor document (or our own README) the mapping was taken from. */
  readonly source: string;
  /** Who makes the device and what it is called (shown by `vpp probe --profile`). */
  readonly manufacturer?: string;
  readonly model?: string;
  /** The protocol section, unchecked here. */
  readonly body: unknown;
  readonly file: string;
}

const ProfileHead = Type.Object({
  name: Type.String({ pattern: '^[a-z0-9][a-z0-9._-]*$' }),
  protocol: Type.Enum(['modbus', 'mqtt', 'opcua']),
  kind: Type.Enum([...ASSET_KINDS]),
  source: Type.String({ minLength: 1 }),
  manufacturer: Type.Optional(Type.String({ minLength: 1 })),
  model: Type.Optional(Type.String({ minLength: 1 })),
});

export const PROFILE_DIR = new URL('../config/devices/', import.meta.url);

/** Profiles read, by file URL, kept while the file's mtime and size are unchanged. */
const loaded = new Map<string, { readonly stamp: string; readonly profile: DeviceProfile }>();

/**
 * Loads and checks a profile by name; errors name the file, the field and the reason. A file
 * read before and not changed since is not parsed again: a controller taking over 500 sites
 * makes 1,000 adapters from a handful of profiles.
 */
export function loadProfile(name: string, dir: URL = PROFILE_DIR): DeviceProfile {
  if (!/^[a-z0-9][a-z0-9._-]*$/.test(name)) throw new VppError('PROFILE_INVALID', `profile name must be lower-case letters, digits, '.', '_' or '-', got ${JSON.stringify(name)}`);
  const url = new URL(`${name}.yaml`, dir);
  const file = `config/devices/${name}.yaml`;
  let stamp: string;
  try {
    const st = statSync(url);
    stamp = `${st.mtimeMs}/${st.size}`;
  } catch (err) {
    throw new VppError('PROFILE_NOT_FOUND', `${file}: cannot read: ${(err as Error).message.split('\n')[0] ?? ''}`, { cause: err });
  }
  const hit = loaded.get(url.href);
  if (hit !== undefined && hit.stamp === stamp) return hit.profile;
  // Shared by every adapter made from it: frozen, so that none can change it under the others.
  const profile = deepFreeze(readProfile(name, url, file));
  loaded.set(url.href, { stamp, profile });
  return profile;
}

function deepFreeze<T>(v: T): T {
  if (typeof v === 'object' && v !== null && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

function readProfile(name: string, url: URL, file: string): DeviceProfile {
  let raw: unknown;
  try {
    raw = parse(readFileSync(url, 'utf8'));
  } catch (err) {
    throw new VppError('PROFILE_NOT_FOUND', `${file}: cannot read: ${(err as Error).message.split('\n')[0] ?? ''}`, { cause: err });
  }
  const problems = [...Value.Errors(ProfileHead, raw)].map((e) => `${file}: ${e.instancePath.replace(/^\//, '').replace(/\//g, '.') || '(top level)'}: ${e.message}`);
  if (problems.length > 0) throw new VppError('PROFILE_INVALID', problems.join('\n'));
  const head = raw as Type.Static<typeof ProfileHead> & Record<string, unknown>;
  if (head.name !== name) throw new VppError('PROFILE_INVALID', `${file}: name: must equal the file name '${name}', got ${JSON.stringify(head.name)}`);
  if (!(head.protocol in head)) throw new VppError('PROFILE_INVALID', `${file}: ${head.protocol}: the section for protocol ${head.protocol} is required`);
  return {
    name: head.name,
    protocol: head.protocol,
    kind: head.kind,
    source: head.source,
    ...(head.manufacturer !== undefined ? { manufacturer: head.manufacturer } : {}),
    ...(head.model !== undefined ? { model: head.model } : {}),
    body: head[head.protocol],
    file,
  };
}

/** The `profile` query parameter of a binding URL, when it has one. */
export function profileOf(binding: string): string | undefined {
  try {
    return new URL(binding).searchParams.get('profile') ?? undefined;
  } catch {
    return undefined;
  }
}
