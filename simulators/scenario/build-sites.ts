import { Value } from 'typebox/value';
import { buildAsset } from './build-assets.js';
import type { BuildContext } from './build-top.js';
import { ASSET_SCHEMAS, AssetHeadSchema, SiteSchema } from './schema/index.js';
import { fixedOffsetZone, zoneIsKnown } from './time.js';
import type { ScenarioAsset, ScenarioSite, ServeProtocol } from './types.js';

/** Where each device id lives: faults resolve their `asset` through this. */
export interface DeviceRef {
  readonly siteId: string;
  readonly serve: ServeProtocol;
  readonly kind: ScenarioAsset['kind'] | 'meter';
}

export interface BuiltSites {
  readonly sites: ScenarioSite[];
  readonly siteIds: Set<string>;
  readonly devices: Map<string, DeviceRef>;
}

/**
 * Sites with their meter and assets. Ids: site ids unique; device ids (assets and meters)
 * unique across the whole scenario, because a fault names a device by id alone.
 */
export function buildSites(raw: readonly unknown[], startOffsetMin: number, ctx: BuildContext): BuiltSites {
  const { problems } = ctx;
  const sites: ScenarioSite[] = [];
  const siteIds = new Set<string>();
  const siteFirst = new Map<string, number>();
  const devices = new Map<string, DeviceRef>();
  const deviceFirst = new Map<string, string>();
  const claim = (id: string, field: string, ref: DeviceRef): void => {
    const first = deviceFirst.get(id);
    if (first !== undefined) return problems.add(field, `must be unique across the scenario (also ${first})`, id);
    deviceFirst.set(id, field);
    devices.set(id, ref);
  };

  raw.forEach((s, i) => {
    const f = `sites[${i}]`;
    if (!Value.Check(SiteSchema, s)) return; // reported by the schema pass
    const first = siteFirst.get(s.id);
    if (first !== undefined) problems.add(`${f}.id`, `must be unique (also sites[${first}])`, s.id);
    siteFirst.set(s.id, i);
    siteIds.add(s.id);

    let timezone: string | null;
    if (s.timezone !== undefined) {
      timezone = zoneIsKnown(s.timezone) ? s.timezone : null;
      if (timezone === null) problems.add(`${f}.timezone`, 'must be an IANA time zone this runtime knows, e.g. Asia/Shanghai', s.timezone);
    } else {
      timezone = Number.isFinite(startOffsetMin) ? fixedOffsetZone(startOffsetMin) : null;
      if (timezone === null && Number.isFinite(startOffsetMin)) {
        problems.add(`${f}.timezone`, `is required: start's offset (${startOffsetMin} min) has no fixed-offset zone in this runtime; name one, e.g. Asia/Kolkata`, undefined);
      }
    }
    if (s.peakTargetKw !== undefined && s.peakTargetKw > s.gridImportLimitKw) {
      problems.add(`${f}.peakTargetKw`, `must be <= gridImportLimitKw (${s.gridImportLimitKw})`, s.peakTargetKw);
    }

    const meter = {
      id: s.meter?.id ?? `${s.id}-meter`,
      serve: s.meter?.serve ?? 'modbus',
      ...(s.meter?.unitId !== undefined ? { unitId: s.meter.unitId } : {}),
      ...(s.meter?.lagS !== undefined ? { lagS: s.meter.lagS } : {}),
    };
    claim(meter.id, s.meter?.id !== undefined ? `${f}.meter.id` : `${f}.meter (default id)`, { siteId: s.id, serve: meter.serve, kind: 'meter' });
    const unitIds = new Map<number, string>();
    if (meter.unitId !== undefined && meter.serve === 'modbus') unitIds.set(meter.unitId, `${f}.meter`);

    const assets: ScenarioAsset[] = [];
    s.assets.forEach((a, j) => {
      const af = `${f}.assets[${j}]`;
      if (!Value.Check(AssetHeadSchema, a)) return;
      const schema = ASSET_SCHEMAS[a.type];
      if (!Value.Check(schema, a)) return;
      const built = buildAsset(a, { siteId: s.id, timezone, field: af }, ctx);
      claim(a.id, `${af}.id`, { siteId: s.id, serve: a.serve ?? 'modbus', kind: a.type });
      if (a.unitId !== undefined && (a.serve ?? 'modbus') === 'modbus') {
        const other = unitIds.get(a.unitId);
        if (other !== undefined) problems.add(`${af}.unitId`, `must differ from ${other} on the site's Modbus server`, a.unitId);
        else unitIds.set(a.unitId, af);
      }
      if (built !== null) assets.push(built);
    });
    if (timezone !== null) {
      sites.push({
        id: s.id,
        timezone,
        gridImportLimitKw: s.gridImportLimitKw,
        ...(s.gridExportLimitKw !== undefined ? { gridExportLimitKw: s.gridExportLimitKw } : {}),
        ...(s.peakTargetKw !== undefined ? { peakTargetKw: s.peakTargetKw } : {}),
        meter,
        assets,
      });
    }
  });
  return { sites, siteIds, devices };
}
