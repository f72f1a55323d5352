import Type from 'typebox';
import { Value } from 'typebox/value';
import { VppError } from '../../src/domain/errors.js';
import { METRICS, type Metric } from '../../src/domain/telemetry.js';

/**
 * Where one value lives on the server: a NodeId or a browse path (from the Root folder), each a
 * template with `{ns}`, `{site}`, `{asset}` and `{device}`. Device value × scale × sign is the
 * canonical value (load convention), so a device that reports generation positive says `sign: -1`.
 */
export interface OpcuaNodeRef {
  readonly node: string | null;
  readonly browsePath: string | null;
  readonly scale: number;
  readonly sign: 1 | -1;
}

export type OpcuaWriteType = 'Double' | 'Float' | 'Int32' | 'Int16';

export interface OpcuaSetpointRef extends OpcuaNodeRef {
  /** The variable's data type: a server may refuse a Double written to a Float (BadTypeMismatch). */
  readonly dataType: OpcuaWriteType;
}

/** The checked `opcua:` section of a device profile (README.md, "Profile"). */
export interface OpcuaSection {
  /** `{ns}` is this namespace's index on the server, looked up at connect (indices may move). */
  readonly namespaceUri: string | null;
  /** What `{device}` expands to; default `{site}/{asset}`. */
  readonly device: string;
  readonly readings: ReadonlyMap<Metric, OpcuaNodeRef>;
  readonly setpoint: { readonly powerKw: OpcuaSetpointRef; readonly revertS: OpcuaSetpointRef | null } | null;
}

const NodeFields = {
  node: Type.Optional(Type.String({ minLength: 1 })),
  browsePath: Type.Optional(Type.String({ minLength: 1 })),
  scale: Type.Optional(Type.Number()),
  sign: Type.Optional(Type.Union([Type.Literal(1), Type.Literal(-1)])),
};
const NodeRef = Type.Object(NodeFields, { additionalProperties: false });
const SetpointRef = Type.Object({ ...NodeFields, dataType: Type.Optional(Type.Enum(['Double', 'Float', 'Int32', 'Int16'])) }, { additionalProperties: false });

const Section = Type.Object(
  {
    namespaceUri: Type.Optional(Type.String({ minLength: 1 })),
    device: Type.Optional(Type.String({ minLength: 1 })),
    readings: Type.Object(Object.fromEntries(METRICS.map((m) => [m, Type.Optional(NodeRef)])), { additionalProperties: false, minProperties: 1 }),
    setpoint: Type.Optional(Type.Object({ powerKw: SetpointRef, revertS: Type.Optional(SetpointRef) }, { additionalProperties: false })),
  },
  { additionalProperties: false },
);

interface RawRef {
  node?: string;
  browsePath?: string;
  scale?: number;
  sign?: 1 | -1;
  dataType?: OpcuaWriteType;
}
interface RawSection {
  namespaceUri?: string;
  device?: string;
  readings: Partial<Record<Metric, RawRef>>;
  setpoint?: { powerKw: RawRef; revertS?: RawRef };
}

const PLACEHOLDERS = ['ns', 'site', 'asset', 'device'];

function checkTemplate(file: string, field: string, text: string, hasNs: boolean): void {
  for (const m of text.matchAll(/\{([^}]*)\}/g)) {
    const name = m[1] ?? '';
    if (!PLACEHOLDERS.includes(name)) throw new VppError('PROFILE_INVALID', `${file}: opcua.${field}: unknown placeholder {${name}} (known: ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}), got ${JSON.stringify(text)}`);
    if (name === 'ns' && !hasNs) throw new VppError('PROFILE_INVALID', `${file}: opcua.${field}: {ns} needs opcua.namespaceUri, got ${JSON.stringify(text)}`);
  }
}

function nodeRef(file: string, field: string, raw: RawRef, hasNs: boolean): OpcuaNodeRef {
  if ((raw.node === undefined) === (raw.browsePath === undefined)) {
    throw new VppError('PROFILE_INVALID', `${file}: opcua.${field}: give exactly one of node or browsePath, got ${JSON.stringify(raw)}`);
  }
  const scale = raw.scale ?? 1;
  if (!Number.isFinite(scale) || scale <= 0) throw new VppError('PROFILE_INVALID', `${file}: opcua.${field}.scale must be > 0 (use sign: -1 to flip), got ${scale}`);
  const text = raw.node ?? raw.browsePath ?? '';
  checkTemplate(file, `${field}.${raw.node !== undefined ? 'node' : 'browsePath'}`, text, hasNs);
  return { node: raw.node ?? null, browsePath: raw.browsePath ?? null, scale, sign: raw.sign ?? 1 };
}

/** Checks a profile's `opcua:` section; errors name the file, the field and the value seen. */
export function parseOpcuaSection(body: unknown, file: string): OpcuaSection {
  const problems = [...Value.Errors(Section, body)].map((e) => `${file}: opcua${e.instancePath.replace(/\//g, '.')}: ${e.message}`);
  if (problems.length > 0) throw new VppError('PROFILE_INVALID', problems.join('\n'));
  const raw = body as RawSection;
  const hasNs = raw.namespaceUri !== undefined;
  const device = raw.device ?? '{site}/{asset}';
  checkTemplate(file, 'device', device, hasNs);
  if (device.includes('{device}')) throw new VppError('PROFILE_INVALID', `${file}: opcua.device must not contain {device}, got ${JSON.stringify(device)}`);
  const readings = new Map<Metric, OpcuaNodeRef>();
  for (const metric of METRICS) {
    const r = raw.readings[metric];
    if (r !== undefined) readings.set(metric, nodeRef(file, `readings.${metric}`, r, hasNs));
  }
  const sp = raw.setpoint;
  const setpointRef = (field: string, r: RawRef): OpcuaSetpointRef => ({ ...nodeRef(file, field, r, hasNs), dataType: r.dataType ?? 'Double' });
  return {
    namespaceUri: raw.namespaceUri ?? null,
    device,
    readings,
    setpoint: sp === undefined ? null : { powerKw: setpointRef('setpoint.powerKw', sp.powerKw), revertS: sp.revertS === undefined ? null : setpointRef('setpoint.revertS', sp.revertS) },
  };
}

/** Fills a template's placeholders; `{device}` first, since it may itself hold `{site}`/`{asset}`. */
export function expandTemplate(text: string, vars: { readonly ns: number | null; readonly site: string; readonly asset: string; readonly device: string }): string {
  return text
    .replaceAll('{device}', vars.device)
    .replaceAll('{site}', vars.site)
    .replaceAll('{asset}', vars.asset)
    .replaceAll('{ns}', vars.ns === null ? '{ns}' : String(vars.ns));
}
