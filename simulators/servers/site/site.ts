import {
  BatteryModel,
  LoadModel,
  PvModel,
  SitePhysics,
  bdewAnnualTotalKwh,
  localTimeParts,
  loadBdewProfile,
  loadTmy3Weather,
  type PowerModel,
} from '../../models/index.js';
import { SimClock } from '../../scenario/index.js';
import { startModbusTcpServer, type RegisterBank } from '../modbus/index.js';
import { sunspecBank, type SunSpecModelSpec } from '../sunspec/index.js';
import { checkSiteOptions, type SimulatedAssetOptions, type SimulatedSiteOptions } from './options.js';
import { batteryModels, loadMeterModels, nameplate, pvModels, siteMeterModels } from './sources.js';
import { bdewPeakKw } from './peak.js';

export interface SimulatedAssetSnapshot {
  readonly id: string;
  readonly kind: 'load' | 'pv' | 'battery';
  readonly unitId: number;
  /** Load convention: drawing from the bus > 0. */
  readonly powerKw: number;
  /** Batteries only. */
  readonly socPct?: number;
}

export interface SimulatedSiteSnapshot {
  readonly siteId: string;
  readonly atMs: number;
  /** Sum of the assets' powers: > 0 import. */
  readonly gridPowerKw: number;
  readonly gridImportKwh: number;
  readonly gridExportKwh: number;
  readonly assets: Readonly<Record<string, SimulatedAssetSnapshot>>;
}

/** What a unit id on the site's port serves. */
export interface SimulatedUnit {
  readonly assetId: string;
  readonly kind: 'meter' | 'load' | 'pv' | 'battery';
  readonly unitId: number;
}

export interface SimulatedSite {
  readonly siteId: string;
  readonly port: number;
  /** The meter first, then the assets in the order given. */
  readonly units: ReadonlyArray<SimulatedUnit>;
  /** The sim time the physics has reached, epoch ms. */
  simNowMs(): number;
  snapshot(): SimulatedSiteSnapshot;
  /** Moves the sim clock forward by dtS and runs the physics up to it. */
  step(dtS: number): void;
  close(): Promise<void>;
}

/** The meter's own unit is named after it; assets keep their ids. */
export const SITE_METER_ASSET_ID = 'meter';
/** Wall interval of the physics timer when speed > 0. */
const TICK_MS = 200;
/** Catch-up limit per tick, so that a very high speed lags instead of blocking the event loop. */
const MAX_STEPS_PER_TICK = 20_000;

function buildModel(a: SimulatedAssetOptions, timezone: string, startMs: number, field: string): PowerModel {
  switch (a.kind) {
    case 'load':
      return new LoadModel({
        id: a.id, timezone, startMs, field,
        profile: 'bdew' in a.profile ? { bdew: loadBdewProfile(a.profile.bdew), annualKwh: a.profile.annualKwh } : a.profile,
      });
    case 'pv':
      return new PvModel({ id: a.id, timezone, startMs, kwp: a.kwp, weather: loadTmy3Weather(a.weather), field });
    case 'battery':
      return new BatteryModel({ ...a, startMs, field });
  }
}

/** Largest power a device can show, kW, to size its scale factors. */
function maxPowerKw(a: SimulatedAssetOptions, year: number): number {
  if (a.kind === 'pv') return a.kwp;
  if (a.kind === 'battery') return Math.max(a.maxChargeKw, a.maxDischargeKw);
  if ('constantKw' in a.profile) return a.profile.constantKw;
  const profile = loadBdewProfile(a.profile.bdew);
  return bdewPeakKw(profile, a.profile.annualKwh, bdewAnnualTotalKwh(profile, year));
}

/**
 * Starts one simulated site: its grid meter and every asset, each on its own unit id of ONE
 * SunSpec Modbus TCP server. With speed > 0 a wall timer advances the physics; with speed 0
 * only step() does.
 */
export async function startSimulatedSite(options: SimulatedSiteOptions): Promise<SimulatedSite> {
  const opts = checkSiteOptions(options);
  const { startMs, stepS, timezone, siteId } = opts;
  const models = opts.assets.map((a, i) => buildModel(a, timezone, startMs, `assets[${i}]`));
  const physics = new SitePhysics(startMs, models);
  const clock = new SimClock({ startMs, speed: opts.speed });
  const year = localTimeParts(startMs, timezone).year;

  const units = new Map<number, RegisterBank>();
  const unitList: SimulatedUnit[] = [{ assetId: SITE_METER_ASSET_ID, kind: 'meter', unitId: opts.meterUnitId }];
  const meterMaxKw = opts.assets.reduce((s, a) => s + maxPowerKw(a, year), 0);
  units.set(opts.meterUnitId, sunspecBank({ common: nameplate(siteId, SITE_METER_ASSET_ID, 'sim grid meter'), models: siteMeterModels(physics, models.filter((m): m is LoadModel => m instanceof LoadModel), meterMaxKw) }));
  opts.assets.forEach((a, i) => {
    const m = models[i];
    let specs: SunSpecModelSpec[];
    if (m instanceof LoadModel) specs = loadMeterModels(m, maxPowerKw(a, year));
    else if (m instanceof PvModel) specs = pvModels(m);
    else if (m instanceof BatteryModel) specs = batteryModels(m);
    else throw new Error(`unreachable: no model for assets[${i}]`);
    units.set(a.unitId, sunspecBank({ common: nameplate(siteId, a.id, `sim ${a.kind}`), models: specs }));
    unitList.push({ assetId: a.id, kind: a.kind, unitId: a.unitId });
  });

  /** Steps the physics up to `targetMs` in stepS steps; a final shorter step only when asked. */
  function runTo(targetMs: number, exact: boolean): void {
    for (let n = 0; n < MAX_STEPS_PER_TICK && physics.nowMs() + stepS * 1000 <= targetMs; n++) physics.step(stepS);
    const restS = (targetMs - physics.nowMs()) / 1000;
    if (exact && restS > 1e-9) physics.step(restS);
  }

  const server = await startModbusTcpServer({ host: opts.host, port: opts.port, units });
  const timer = opts.speed > 0 ? setInterval(() => runTo(clock.nowMs(), false), TICK_MS) : null;
  timer?.unref();
  let closed = false;

  return {
    siteId,
    port: server.port,
    units: unitList,
    simNowMs: () => physics.nowMs(),
    snapshot() {
      const assets: Record<string, SimulatedAssetSnapshot> = {};
      opts.assets.forEach((a, i) => {
        const m = models[i];
        if (m === undefined) return;
        assets[a.id] = { id: a.id, kind: a.kind, unitId: a.unitId, powerKw: m.powerKw(), ...(m instanceof BatteryModel ? { socPct: m.socPct() } : {}) };
      });
      return {
        siteId,
        atMs: physics.nowMs(),
        gridPowerKw: physics.gridKw(),
        gridImportKwh: physics.meter.energyImportKwh(),
        gridExportKwh: physics.meter.energyExportKwh(),
        assets,
      };
    },
    step(dtS) {
      clock.advance(dtS);
      runTo(clock.nowMs(), opts.speed === 0);
    },
    async close() {
      if (closed) return;
      closed = true;
      if (timer !== null) clearInterval(timer);
      await server.close();
    },
  };
}
