import Type, { type Static } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { QUALITIES, VppError, type Quality, type Reading, type Site, type SiteState } from '../domain/index.js';

/**
 * What a site tells the fleet: a plain JSON object (no functions, no undefined values, no
 * Infinity/NaN) because it travels over MQTT when the fleet spans several controller processes
 * (ARCHITECTURE.md, "Scale beyond one machine"). Site-level only: no asset ever appears here,
 * so fleet allocation cannot come to depend on another process's devices.
 */
const Finite = Type.Number();
const NonNegative = Type.Number({ minimum: 0 });
const QualitySchema = Type.Enum([...QUALITIES]);
const ValueQuality = Type.Object(
  { value: Type.Union([Finite, Type.Null()]), quality: QualitySchema },
  { additionalProperties: false },
);

export const SiteSummarySchema = Type.Object(
  {
    siteId: Type.String({ minLength: 1 }),
    atMs: Type.Integer({ minimum: 0 }),
    /**
     * 'good' only when the grid reading is good: without it no controller can act on the site,
     * so its flexibility must not be counted (batteries that are unavailable already offer 0).
     */
    quality: QualitySchema,
    gridPowerKw: ValueQuality,
    loadPowerKw: Type.Optional(ValueQuality),
    pvPowerKw: Type.Optional(ValueQuality),
    batteryPowerKw: Type.Optional(ValueQuality),
    batterySocPct: Type.Optional(ValueQuality),
    flexibility: Type.Object(
      {
        decreaseKw: NonNegative,
        decreaseDurationS: NonNegative,
        increaseKw: NonNegative,
        increaseDurationS: NonNegative,
      },
      { additionalProperties: false },
    ),
    /** Batteries available for dispatch now / configured: how much of the site the envelope covers. */
    batteries: Type.Object(
      { available: Type.Integer({ minimum: 0 }), total: Type.Integer({ minimum: 0 }) },
      { additionalProperties: false },
    ),
    /** The site's hard limits, when the summary was made with the site's configuration. */
    limits: Type.Optional(
      Type.Object(
        { gridImportLimitKw: Finite, gridExportLimitKw: Type.Optional(Finite) },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);

export type SiteSummary = Static<typeof SiteSummarySchema>;
export type ValueWithQuality = Static<typeof ValueQuality>;

/** A reading as value + quality; a non-finite value can only travel as bad/null. */
const plain = (r: Reading): ValueWithQuality => ({
  value: r.quality === 'bad' || r.value === null || !Number.isFinite(r.value) ? null : r.value,
  quality: r.value === null || !Number.isFinite(r.value) ? 'bad' : r.quality,
});

/**
 * The summary of a SiteState. `site` (optional) adds the hard limits. Every number is finite:
 * a non-finite flexibility figure (which summariseSite never makes) becomes 0 with quality bad,
 * never Infinity on the wire.
 */
export function toSiteSummary(state: SiteState, site?: Site): SiteSummary {
  const f = state.flexibility;
  const flex = [f.decreaseKw, f.decreaseDurationS, f.increaseKw, f.increaseDurationS];
  const flexOk = flex.every((x) => Number.isFinite(x) && x >= 0);
  const grid = plain(state.gridPowerKw);
  const batteries = Object.values(state.assets).filter((a) => a.kind === 'battery');
  const optional = (name: 'loadPowerKw' | 'pvPowerKw' | 'batteryPowerKw' | 'batterySocPct') => {
    const r = state[name];
    return r === undefined ? {} : { [name]: plain(r) };
  };
  const quality: Quality = flexOk ? grid.quality : 'bad';
  return {
    siteId: state.siteId,
    atMs: Math.round(state.atMs),
    quality,
    gridPowerKw: grid,
    ...optional('loadPowerKw'),
    ...optional('pvPowerKw'),
    ...optional('batteryPowerKw'),
    ...optional('batterySocPct'),
    flexibility: flexOk
      ? {
          decreaseKw: f.decreaseKw,
          decreaseDurationS: f.decreaseDurationS,
          increaseKw: f.increaseKw,
          increaseDurationS: f.increaseDurationS,
        }
      : { decreaseKw: 0, decreaseDurationS: 0, increaseKw: 0, increaseDurationS: 0 },
    batteries: { available: batteries.filter((a) => a.available).length, total: batteries.length },
    ...(site === undefined
      ? {}
      : {
          limits: {
            gridImportLimitKw: site.gridImportLimitKw,
            ...(site.gridExportLimitKw === undefined ? {} : { gridExportLimitKw: site.gridExportLimitKw }),
          },
        }),
  };
}

interface SchemaIssue {
  readonly keyword: string;
  readonly instancePath: string;
  readonly params: Record<string, unknown>;
  readonly message: string;
}

// Compiled once: every controller checks every site's summary each second.
const summaryCheck = Compile(SiteSummarySchema);

/**
 * Validates a summary that arrived from elsewhere (an MQTT payload, already JSON-parsed, or its
 * text). Throws VppError `CORE_SUMMARY_INVALID` naming the first offending field and the value.
 */
export function parseSiteSummary(json: unknown): SiteSummary {
  let value: unknown = json;
  if (typeof json === 'string') {
    try {
      value = JSON.parse(json) as unknown;
    } catch (err) {
      throw new VppError('CORE_SUMMARY_INVALID', `site summary: not JSON: ${(err as Error).message}`);
    }
  }
  if (!summaryCheck.Check(value)) {
    const issues = [...(Value.Errors(SiteSummarySchema, value) as unknown as SchemaIssue[])];
    // The most specific issue: a field's own rule, not the 'schema is false'/'anyOf' echo.
    const issue =
      issues.find((i) => !['boolean', 'anyOf'].includes(i.keyword) && !(i.keyword === 'type' && i.params.type === 'null')) ??
      issues[0];
    throw new VppError('CORE_SUMMARY_INVALID', `site summary: ${describe(issue, value)}`);
  }
  const s = value as SiteSummary;
  // The Reading invariant, which a schema cannot say: good carries a number, bad carries null.
  for (const name of ['gridPowerKw', 'loadPowerKw', 'pvPowerKw', 'batteryPowerKw', 'batterySocPct'] as const) {
    const r = s[name];
    if (r === undefined) continue;
    if (r.quality === 'good' && r.value === null) {
      throw new VppError('CORE_SUMMARY_INVALID', `site summary: ${name}.value must be a number when quality is good, got null`);
    }
    if (r.quality === 'bad' && r.value !== null) {
      throw new VppError('CORE_SUMMARY_INVALID', `site summary: ${name}.value must be null when quality is bad, got ${r.value}`);
    }
  }
  if (s.batteries.available > s.batteries.total) {
    throw new VppError(
      'CORE_SUMMARY_INVALID',
      `site summary: batteries.available must be <= batteries.total (${s.batteries.total}), got ${s.batteries.available}`,
    );
  }
  return s;
}

function describe(issue: SchemaIssue | undefined, root: unknown): string {
  if (issue === undefined) return 'does not match the schema';
  const path = issue.instancePath.split('/').slice(1).join('.');
  if (issue.keyword === 'additionalProperties') {
    const extra = issue.params.additionalProperties;
    const name = Array.isArray(extra) ? String(extra[0]) : String(extra);
    return `${path === '' ? name : `${path}.${name}`} is not a field of a site summary`;
  }
  if (issue.keyword === 'required') {
    const missing = issue.params.requiredProperties;
    const names = Array.isArray(missing) ? missing.map(String).join(', ') : String(missing);
    return `${path === '' ? names : `${path}.${names}`} is required`;
  }
  let seen: unknown = root;
  for (const part of issue.instancePath.split('/').slice(1)) {
    seen = seen !== null && typeof seen === 'object' ? (seen as Record<string, unknown>)[part] : undefined;
  }
  return `${path === '' ? '(root)' : path} ${issue.message}, got ${seen === undefined ? 'nothing' : JSON.stringify(seen)}`;
}
