import { isAvailable, summariseSite } from '../../core/index.js';
import { hvacThermalDefaults, type Asset, type AssetKind, type AssetState, type EvSession, type Reading, type Site, type SiteState } from '../../domain/index.js';
import { BatteryModel, EvChargerModel, HvacModel, type BuiltSite, type FaultTimeline } from '../../../simulators/index.js';

/** Replayed devices are reached through the physics, not a protocol: a binding only names them. */
const binding = (siteId: string, id: string): string => `sim://${siteId}/${id}`;

/**
 * The site as the controller knows it: the grid meter, the batteries, EV chargers and HVAC
 * units (the flexibility it dispatches), with the limits their models run with. The replay
 * reads every step, so a reading is stale after two steps (10 s at least).
 */
export function controlSite(b: BuiltSite, stepS: number): Site {
  const timing = { staleAfterS: Math.max(2 * stepS, 10), pollIntervalS: stepS };
  const assets: Asset[] = [];
  for (const a of b.spec.assets) {
    const common = { id: a.id, binding: binding(b.spec.id, a.id), ...timing };
    const m = b.models.get(a.id);
    if (a.kind === 'battery') {
      assets.push({
        ...common,
        kind: 'battery',
        capacityKwh: a.capacityKwh,
        maxChargeKw: a.maxChargeKw,
        maxDischargeKw: a.maxDischargeKw,
        minSocPct: a.minSocPct,
        maxSocPct: a.maxSocPct,
        chargeEfficiency: a.chargeEfficiency,
        dischargeEfficiency: a.dischargeEfficiency,
      });
    } else if (a.kind === 'evCharger' && m instanceof EvChargerModel) {
      // The session (departure, energy) comes from the car through the device: no defaults here.
      assets.push({ ...common, kind: 'evCharger', maxKw: m.maxKw, minKw: (m.minA * m.phases * m.voltageV) / 1000 });
    } else if (a.kind === 'hvac' && m instanceof HvacModel) {
      assets.push({
        ...common,
        kind: 'hvac',
        ratedKw: m.ratedKw,
        setpointC: m.nominalSetpointC,
        comfortBandC: m.comfortBandC,
        thermalMode: m.mode,
        hysteresisC: m.hysteresisC,
        cop: m.cop,
        thermalResistanceCPerKw: m.thermalResistanceCPerKw,
        thermalCapacityKwhPerC: m.thermalCapacityKwhPerC,
        designOutdoorC: hvacThermalDefaults(m.ratedKw, m.nominalSetpointC, m.mode).designOutdoorC,
        ...(m.internalGainsKw !== 0 ? { internalGainsKw: m.internalGainsKw } : {}),
      });
    }
  }
  return {
    id: b.spec.id,
    name: b.spec.id,
    timezone: b.spec.timezone,
    gridImportLimitKw: b.spec.gridImportLimitKw,
    ...(b.spec.gridExportLimitKw !== undefined ? { gridExportLimitKw: b.spec.gridExportLimitKw } : {}),
    ...(b.spec.peakTargetKw !== undefined ? { peakTargetKw: b.spec.peakTargetKw } : {}),
    assets: [{ id: b.spec.meter.id, kind: 'meter', binding: binding(b.spec.id, b.spec.meter.id), ...timing }, ...assets],
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
    const sessions: Record<string, EvSession> = {};
    for (const a of this.site.assets) {
      const m = this.built.models.get(a.id);
      if (m instanceof BatteryModel) {
        states[a.id] = this.state(a.id, 'battery', atMs, () => ({
          powerKw: m.powerKw(),
          socPct: m.socPct(),
          availableChargeKw: m.availableChargeKw(),
          availableDischargeKw: m.availableDischargeKw(),
        }));
      } else if (m instanceof EvChargerModel) {
        states[a.id] = this.state(a.id, 'evCharger', atMs, () => ({ powerKw: m.powerKw(), connected: m.connected() ? 1 : 0, energyImportKwh: m.energyDeliveredKwh() }));
        // The car reports its session through the charger (ISO 15118 style) while the device answers.
        const session = m.currentSession();
        if (this.live(a.id, atMs) && m.connected() && session !== null) {
          sessions[a.id] = { connectedAtMs: session.arrivesMs, deliveredKwh: m.sessionEnergyDeliveredKwh(), energyNeededKwh: session.energyNeededKwh, departsAtMs: session.departsMs };
        }
      } else if (m instanceof HvacModel) {
        states[a.id] = this.state(a.id, 'hvac', atMs, () => ({ powerKw: m.powerKw(), temperatureC: m.temperatureC(), state: m.running() ? 1 : 0, energyImportKwh: m.energyImportKwh() }));
      }
    }
    const anyEv = this.site.assets.some((a) => a.kind === 'evCharger');
    return summariseSite(this.site, states, atMs, anyEv ? sessions : undefined);
  }

  private state(id: string, kind: AssetKind, atMs: number, values: () => Record<string, number>): AssetState {
    let readings: Record<string, Reading>;
    if (this.live(id, atMs)) {
      readings = Object.fromEntries(Object.entries(values()).map(([k, v]) => [k, { value: v, quality: 'good', atMs } satisfies Reading]));
      this.last.set(id, readings);
    } else {
      const before = this.last.get(id) ?? {};
      readings = Object.fromEntries(Object.entries(before).map(([k, r]) => [k, { ...r, quality: 'stale' } satisfies Reading]));
    }
    const available = isAvailable(kind, readings);
    return { assetId: id, kind, readings, available };
  }
}
