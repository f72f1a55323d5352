import Type from 'typebox';
import type { Reading, SiteState } from '../domain/index.js';
import type { SiteView } from './deps.js';

export const ReadingSchema = Type.Object(
  {
    value: Type.Union([Type.Number(), Type.Null()]),
    quality: Type.Enum(['good', 'stale', 'bad']),
    time: Type.String({ format: 'date-time' }),
  },
  { description: 'A value with its quality and the time it was measured. A value that is not good is never to be read as 0.' },
);

const FlexibilitySchema = Type.Object(
  {
    decreaseKw: Type.Number({ description: 'How far grid power can be lowered now (discharge, shed), kW.' }),
    decreaseDurationS: Type.Number(),
    increaseKw: Type.Number({ description: 'How far grid power can be raised now (charge, valley fill), kW.' }),
    increaseDurationS: Type.Number(),
  },
  { additionalProperties: false },
);

const AssetViewSchema = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  binding: Type.String(),
  available: Type.Boolean(),
  readings: Type.Record(Type.String(), ReadingSchema),
});

export const SiteViewSchema = Type.Object({
  id: Type.String(),
  name: Type.String(),
  timezone: Type.String(),
  gridImportLimitKw: Type.Number(),
  gridExportLimitKw: Type.Optional(Type.Number()),
  peakTargetKw: Type.Optional(Type.Number()),
  state: Type.Object(
    {
      gridPowerKw: ReadingSchema,
      loadPowerKw: Type.Optional(ReadingSchema),
      pvPowerKw: Type.Optional(ReadingSchema),
      batteryPowerKw: Type.Optional(ReadingSchema),
      batterySocPct: Type.Optional(ReadingSchema),
    },
    { description: 'Load convention: > 0 draws from the site bus (grid import), < 0 feeds it (PV, discharge, export).' },
  ),
  flexibility: Type.Union([FlexibilitySchema, Type.Null()]),
  assets: Type.Array(AssetViewSchema),
});

export function readingView(r: Reading): { value: number | null; quality: Reading['quality']; time: string } {
  return { value: r.value, quality: r.quality, time: new Date(r.atMs).toISOString() };
}

const SITE_READINGS = ['loadPowerKw', 'pvPowerKw', 'batteryPowerKw', 'batterySocPct'] as const;

export function siteView({ site, state }: SiteView, nowMs: number): Type.Static<typeof SiteViewSchema> {
  const unknown: Reading = { value: null, quality: 'bad', atMs: nowMs };
  const readings: Record<string, ReturnType<typeof readingView>> = { gridPowerKw: readingView(state?.gridPowerKw ?? unknown) };
  for (const key of SITE_READINGS) {
    const r = (state as SiteState | null)?.[key];
    if (r !== undefined) readings[key] = readingView(r);
  }
  return {
    id: site.id,
    name: site.name,
    timezone: site.timezone,
    gridImportLimitKw: site.gridImportLimitKw,
    ...(site.gridExportLimitKw !== undefined ? { gridExportLimitKw: site.gridExportLimitKw } : {}),
    ...(site.peakTargetKw !== undefined ? { peakTargetKw: site.peakTargetKw } : {}),
    state: readings as Type.Static<typeof SiteViewSchema>['state'],
    flexibility: state?.flexibility ?? null,
    assets: site.assets.map((a) => {
      const s = state?.assets[a.id];
      const out: Record<string, ReturnType<typeof readingView>> = {};
      for (const [metric, r] of Object.entries(s?.readings ?? {})) if (r !== undefined) out[metric] = readingView(r);
      return { id: a.id, kind: a.kind, binding: a.binding, available: s?.available ?? false, readings: out };
    }),
  };
}
