import type { LoadModel} from '../../models/index.js';
import { BatteryModel, EvChargerModel, HvacModel, PvModel, bdewAnnualTotalKwh, loadBdewProfile, localTimeParts, type PowerModel } from '../../models/index.js';
import { PvLimitControl, StorageControl, bdewPeakKw } from '../../servers/site/index.js';
import type { ScenarioAsset } from '../types.js';

/**
 * The control registers a device keeps besides its physics (SunSpec 123/124), and what a
 * reboot does to it: setpoints lost, back to power-on behaviour.
 */
export interface DeviceControls {
  readonly storage?: StorageControl;
  readonly pvLimit?: PvLimitControl;
  reboot(): void;
}

/**
 * `siteGridKw`: the site's grid power now, so that a battery told to charge from PV only
 * (model 124 ChaGriSet = PV) charges at most with the surplus it would otherwise export.
 */
export function controlsFor(model: PowerModel, siteGridKw: () => number = () => 0): DeviceControls {
  if (model instanceof BatteryModel) {
    const storage = new StorageControl(model, () => Math.max(0, -(siteGridKw() - model.powerKw())));
    return { storage, reboot: () => storage.reset() };
  }
  if (model instanceof PvModel) {
    const pvLimit = new PvLimitControl(model);
    return { pvLimit, reboot: () => pvLimit.reset() };
  }
  if (model instanceof HvacModel) return { reboot: () => model.setSetpoint(model.nominalSetpointC) };
  // A rebooted charger forgets its current limit and charges as it would uncontrolled.
  if (model instanceof EvChargerModel) return { reboot: () => model.setCurrentA(model.maxA, null) };
  return { reboot: () => undefined };
}

/** The largest power an asset can show, kW: sizes the SunSpec scale factors it is served with. */
export function maxPowerKw(a: ScenarioAsset, model: PowerModel): number {
  switch (a.kind) {
    case 'pv':
      return a.kwp;
    case 'battery':
      return Math.max(a.maxChargeKw, a.maxDischargeKw);
    case 'hvac':
      return a.ratedKw;
    case 'evCharger':
      return a.maxKw;
    case 'load': {
      const steps = a.steps.reduce((s, st) => s + Math.max(0, st.deltaKw), 0);
      const noise = 1 + (a.noise?.pct ?? 0) / 100;
      const p = a.profile;
      if ('constantKw' in p) return (p.constantKw + steps) * noise;
      if ('points' in p) return (Math.max(...p.points.map((x) => x.powerKw)) + steps) * noise;
      const profile = loadBdewProfile(p.bdew);
      const year = localTimeParts(model.nowMs(), (model as LoadModel).timezone).year;
      return (bdewPeakKw(profile, p.annualKwh, bdewAnnualTotalKwh(profile, year)) + steps) * noise;
    }
  }
}
