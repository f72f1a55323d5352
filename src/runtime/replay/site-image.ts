import { summariseSite } from '../../core/index.js';
import type { AssetState, BatteryAsset, Reading, Site, SiteState } from '../../domain/index.js';
import { BatteryModel, type BuiltSite, type FaultTimeline } from '../../../simulators/index.js';

/** Replayed devices are reached through the physics, not a protocol: a binding only names them. */
const binding = (siteId: string, id: string): string => `sim://${siteId}/${id}`;

/**
 * The site as the controller knows it: the grid meter and the batteries (the flexibility it
 * dispatches). The replay reads every step, so a reading is stale after two steps (10 s at least).
 */
export function controlSite(b: BuiltSite, stepS: number): Site {
  const timing = { staleAfterS: Math.max(2 * stepS, 10), pollIntervalS: stepS };
  const batteries: BatteryAsset[] = [];
  for (const a of b.spec.assets) {
    if (a.kind !== 'battery') continue;
    batteries.push({
      id: a.id,
      kind: 'battery',
      binding: binding(b.spec.id, a.id),
      ...timing,
      capacityKwh: a.capacityKwh,
      maxChargeKw: a.maxChargeKw,
      maxDischargeKw: a.maxDischargeKw,
      minSocPct: a.minSocPct,
      maxSocPct: a.maxSocPct,
      chargeEfficiency: a.chargeEfficiency,
      dischargeEfficiency: a.dischargeEfficiency,
    });
  }
  return {
    id: b.spec.id,
    name: b.spec.id,
    timezone: b.spec.timezone,
    gridImportLimitKw: b.spec.gridImportLimitKw,
    ...(b.spec.gridExportLimitKw !== undefined ? { gridExportLimitKw: b.spec.gridExportLimitKw } : {}),
    ...(b.spec.peakTargetKw !== undefined ? { peakTargetKw: b.spec.peakTargetKw } : {}),
    assets: [{ id: b.spec.meter.id, kind: 'meter', binding: binding(b.spec.id, b.spec.meter.id), ...timing }, ...batteries],
  };
}

/**
 * Reads a site's physics the way the field would show it at atMs. A device under commLoss, a
 * reboot or a broker outage does not answer, and one under stuckValue repeats itself: either
 * way its readings are `stale` (last value kept for display), so nothing dispatches on them.
 */
export class SiteReader {
  private readonly last = new Map<string, Readonly<Record<string, Reading>>>();

  constructor(
    private readonly built: BuiltSite,
    private readonly site: Site,
    private readonly faults: FaultTimeline,
  ) {}

  /** True while the device answers and reports live values. */
  live(deviceId: string, atMs: number): boolean {
    return !this.faults.active(deviceId, atMs).some((f) => f.kind === 'commLoss' || f.kind === 'deviceReboot' || f.kind === 'stuckValue' || f.kind === 'brokerDisconnect');
  }

  read(atMs: number): SiteState {
    const states: Record<string, AssetState> = {};
    const meterId = this.built.spec.meter.id;
    states[meterId] = this.state(meterId, 'meter', atMs, () => ({
      powerKw: this.built.physics.meterReadingKw(),
      energyImportKwh: this.built.physics.meter.energyImportKwh(),
      energyExportKwh: this.built.physics.meter.energyExportKwh(),
    }));
    for (const a of this.site.assets) {
      if (a.kind !== 'battery') continue;
      const m = this.built.models.get(a.id);
      if (!(m instanceof BatteryModel)) continue;
      states[a.id] = this.state(a.id, 'battery', atMs, () => ({
        powerKw: m.powerKw(),
        socPct: m.socPct(),
        availableChargeKw: m.availableChargeKw(),
        availableDischargeKw: m.availableDischargeKw(),
      }));
    }
    return summariseSite(this.site, states, atMs);
  }

  private state(id: string, kind: 'meter' | 'battery', atMs: number, values: () => Record<string, number>): AssetState {
    let readings: Record<string, Reading>;
    if (this.live(id, atMs)) {
      readings = Object.fromEntries(Object.entries(values()).map(([k, v]) => [k, { value: v, quality: 'good', atMs } satisfies Reading]));
      this.last.set(id, readings);
    } else {
      const before = this.last.get(id) ?? {};
      readings = Object.fromEntries(Object.entries(before).map(([k, r]) => [k, { ...r, quality: 'stale' } satisfies Reading]));
    }
    const available = readings.powerKw?.quality === 'good' && (kind === 'meter' || readings.socPct?.quality === 'good');
    return { assetId: id, kind, readings, available };
  }
}
