import type { BatteryModel, LoadModel, PvModel, SitePhysics } from '../../models/index.js';
import type { SunSpecCommon, SunSpecModelSpec, SunSpecPointSource } from '../sunspec/index.js';
import { StorageControl } from './storage-control.js';
import { PvLimitControl } from './pv-control.js';
import type { DerControl } from './der-control.js';

/** Nominal grid the simulated devices report: 220 V phase-to-neutral, 50 Hz (China, much of Asia and Europe). */
const PHASE_V = 220;
const LINE_V = Math.round(PHASE_V * Math.sqrt(3) * 10) / 10;
const GRID_HZ = 50;
const INT16_MAX = 32767;
const UINT16_MAX = 65535;
/**
 * Energy counters read as if the device had been in service a while. SunSpec acc32 uses 0 as
 * 'not implemented', so a counter starting at 0 would read `bad` until the first Wh: real
 * installed meters never sit at 0.
 */
export const IN_SERVICE_WH = 1_000_000;
/** Power factor of the simulated loads (lagging); PV and batteries run at unity. */
export const LOAD_POWER_FACTOR = 0.97;
const LOAD_Q_PER_P = Math.tan(Math.acos(LOAD_POWER_FACTOR));

/** The smallest scale factor >= minSf at which `maxValue` still fits the register. */
export function fitScaleFactor(maxValue: number, minSf: number, limit = INT16_MAX): number {
  let sf = minSf;
  while (Math.abs(maxValue) / 10 ** sf > limit && sf < 10) sf++;
  return sf;
}

/** Scale factors for power and current sized to a device's largest power, with headroom. */
function powerScaleFactors(maxKw: number): Record<string, number> {
  const maxW = maxKw * 1000 * 1.25;
  return { W_SF: fitScaleFactor(maxW, 1), A_SF: fitScaleFactor(maxW / PHASE_V, -1) };
}

export function nameplate(siteId: string, assetId: string, model: string): SunSpecCommon {
  return { manufacturer: 'vpp-sim', model, serialNumber: `${siteId}/${assetId}`.slice(0, 32), version: '0.1.0' };
}

/** Electrical points shared by meter and inverter: W split evenly over three phases. */
function acPoints(w: number): Record<string, number> {
  const phaseA = Math.abs(w) / 3 / PHASE_V;
  return { A: phaseA * 3, AphA: phaseA, AphB: phaseA, AphC: phaseA, PhVphA: PHASE_V, PhVphB: PHASE_V, PhVphC: PHASE_V, Hz: GRID_HZ };
}

/** A meter (model 203); `powerW` > 0 is import, as the model counts it. */
function meterModel(read: () => { powerW: number; varW: number; importWh: number; exportWh: number }, maxKw: number): SunSpecModelSpec {
  const source: SunSpecPointSource = {
    read() {
      const m = read();
      return {
        ...acPoints(m.powerW),
        PhV: PHASE_V, PPV: LINE_V, PhVphAB: LINE_V, PhVphBC: LINE_V, PhVphCA: LINE_V,
        W: m.powerW, WphA: m.powerW / 3, WphB: m.powerW / 3, WphC: m.powerW / 3,
        VAR: m.varW, VARphA: m.varW / 3, VARphB: m.varW / 3, VARphC: m.varW / 3,
        TotWhImp: IN_SERVICE_WH + m.importWh, TotWhExp: IN_SERVICE_WH + m.exportWh,
      };
    },
  };
  const sf = powerScaleFactors(maxKw);
  return { id: 203, source, scaleFactors: { ...sf, VAR_SF: sf.W_SF ?? 1 } };
}

/** An inverter (model 103); `powerW` > 0 is generation, as inverters count it. */
function inverterModel(read: () => { powerW: number; lifetimeWh: number }, maxKw: number): SunSpecModelSpec {
  const source: SunSpecPointSource = {
    read() {
      const m = read();
      // St: 4 MPPT while power flows, 2 SLEEPING otherwise (model 103 St enum).
      return { ...acPoints(m.powerW), PPVphAB: LINE_V, PPVphBC: LINE_V, PPVphCA: LINE_V, W: m.powerW, WH: IN_SERVICE_WH + m.lifetimeWh, St: m.powerW !== 0 ? 4 : 2 };
    },
  };
  return { id: 103, source, scaleFactors: powerScaleFactors(maxKw) };
}

/** The grid meter sees the loads' reactive power (PV and batteries at unity power factor). */
export function siteMeterModels(physics: SitePhysics, loads: readonly LoadModel[], maxKw: number): SunSpecModelSpec[] {
  return [
    meterModel(
      () => ({
        powerW: physics.gridKw() * 1000,
        varW: loads.reduce((q, l) => q + l.powerKw() * 1000 * LOAD_Q_PER_P, 0),
        importWh: physics.meter.energyImportKwh() * 1000,
        exportWh: physics.meter.energyExportKwh() * 1000,
      }),
      maxKw,
    ),
  ];
}

export function loadMeterModels(load: LoadModel, maxKw: number): SunSpecModelSpec[] {
  return [
    meterModel(() => ({ powerW: load.powerKw() * 1000, varW: load.powerKw() * 1000 * LOAD_Q_PER_P, importWh: load.energyImportKwh() * 1000, exportWh: 0 }), maxKw),
  ];
}

/**
 * Models a device serves besides its defaults, opt-in so the default chains (and what clients
 * discovered so far) stay as they were: `settings` adds model 121 (WMax = the PV's AC rating,
 * read-only here), `der` adds model 704's WSet points driven by that control.
 */
export interface ExtraModels {
  readonly settings?: boolean;
  readonly der?: DerControl;
}

/** Model 704 with only the WSet points served; WSet_SF sized like the device's W_SF. */
function derModel(der: DerControl, maxKw: number): SunSpecModelSpec {
  return {
    id: 704,
    source: { read: () => der.values(), write: (point, value) => der.write(point, value) },
    scaleFactors: { WSet_SF: powerScaleFactors(maxKw).W_SF ?? 0 },
  };
}

/** A PV inverter: measurements (103), the active power limit (123), and on request 121 and 704. */
export function pvModels(pv: PvModel, control: PvLimitControl = new PvLimitControl(pv), extra: ExtraModels = {}): SunSpecModelSpec[] {
  return [
    inverterModel(() => ({ powerW: -pv.powerKw() * 1000, lifetimeWh: pv.energyExportKwh() * 1000 }), pv.kwp),
    { id: 123, source: { read: () => control.values(), write: (point, value) => control.write(point, value) } },
    // 121 after 123: clients that located 123 right behind 103 (mbpoll scripts) still find it.
    ...(extra.settings === true
      ? [{ id: 121, source: { read: () => ({ WMax: pv.acKw * 1000 }) }, scaleFactors: { WMax_SF: fitScaleFactor(pv.acKw * 1000, 0, UINT16_MAX) } }]
      : []),
    ...(extra.der !== undefined ? [derModel(extra.der, pv.acKw)] : []),
  ];
}

export function batteryModels(battery: BatteryModel, control: StorageControl = new StorageControl(battery), extra: ExtraModels = {}): SunSpecModelSpec[] {
  const maxKw = Math.max(battery.maxChargeKw, battery.maxDischargeKw);
  return [
    inverterModel(() => ({ powerW: -battery.powerKw() * 1000, lifetimeWh: battery.energyDischargedKwh() * 1000 }), maxKw),
    {
      id: 124,
      source: { read: () => control.values(), write: (point, value) => control.write(point, value) },
      scaleFactors: { WChaMax_SF: fitScaleFactor(battery.maxChargeKw * 1000, 0, UINT16_MAX) },
    },
    ...(extra.der !== undefined ? [derModel(extra.der, maxKw)] : []),
  ];
}
