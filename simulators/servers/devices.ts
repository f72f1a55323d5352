import { VppError, type Metric } from '../../src/domain/index.js';
import { BatteryModel, EvChargerModel, HvacModel, LoadModel, PvModel, type PowerModel, type SitePhysics } from '../models/index.js';
import type { SimCommandName, SimDevice } from './device.js';

type Readings = Partial<Record<Metric, number | null>>;

function refuse(siteId: string, assetId: string, name: string, value: number, why: string): VppError {
  return new VppError('SIM_COMMAND_INVALID', `${siteId}/${assetId}: ${name} ${why}, got ${String(value)}`);
}

/** Checks a command value before it reaches a model (the models check again, with their own words). */
function inRange(siteId: string, assetId: string, name: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) throw refuse(siteId, assetId, name, value, `must be within [${min}, ${max}]`);
  return value;
}

/**
 * The protocol-neutral face of one simulated asset (what OPC UA and MQTT serve). A revert
 * time given with `revertS` applies to the commands that follow it, as SunSpec's *_RvrtTms
 * registers do; 0 means no revert timer.
 */
export function deviceFor(siteId: string, model: PowerModel): SimDevice {
  const id = model.id;
  let revertS = 0;
  const revert = (): number | null => (revertS > 0 ? revertS : null);
  const base = { siteId, assetId: id };
  const setRevert = (value: number): void => {
    revertS = inRange(siteId, id, 'revertS', value, 0, 65535);
  };

  if (model instanceof BatteryModel) {
    return {
      ...base,
      kind: 'battery',
      commands: ['powerKw', 'revertS'],
      readings: (): Readings => ({
        powerKw: model.powerKw(),
        socPct: model.socPct(),
        setpointKw: model.commandedKw(),
        availableChargeKw: model.availableChargeKw(),
        availableDischargeKw: model.availableDischargeKw(),
      }),
      command(name, value) {
        if (name === 'revertS') return setRevert(value);
        if (name !== 'powerKw') throw refuse(siteId, id, name, value, 'is not a command of a battery (powerKw, revertS)');
        model.command(inRange(siteId, id, 'powerKw', value, -model.maxDischargeKw, model.maxChargeKw), revert());
      },
    };
  }
  if (model instanceof PvModel) {
    return {
      ...base,
      kind: 'pv',
      commands: ['limitPct', 'revertS'],
      readings: (): Readings => ({ powerKw: model.powerKw(), energyExportKwh: model.energyExportKwh(), setpointKw: -(model.limitPct() / 100) * model.acKw }),
      command(name, value) {
        if (name === 'revertS') return setRevert(value);
        if (name !== 'limitPct') throw refuse(siteId, id, name, value, 'is not a command of a PV inverter (limitPct, revertS)');
        model.setLimitPct(inRange(siteId, id, 'limitPct', value, 0, 100), revert());
      },
    };
  }
  if (model instanceof HvacModel) {
    return {
      ...base,
      kind: 'hvac',
      commands: ['setpointC'],
      readings: (): Readings => ({ powerKw: model.powerKw(), temperatureC: model.temperatureC(), state: model.running() ? 1 : 0, energyImportKwh: model.energyImportKwh() }),
      command(name, value) {
        if (name !== 'setpointC') throw refuse(siteId, id, name, value, 'is not a command of an HVAC unit (setpointC)');
        model.setSetpoint(inRange(siteId, id, 'setpointC', value, -20, 60));
      },
    };
  }
  if (model instanceof EvChargerModel) {
    return {
      ...base,
      kind: 'evCharger',
      commands: ['currentA', 'revertS'],
      readings: (): Readings => ({ powerKw: model.powerKw(), connected: model.connected() ? 1 : 0, energyImportKwh: model.energyDeliveredKwh() }),
      command(name, value) {
        if (name === 'revertS') return setRevert(value);
        if (name !== 'currentA') throw refuse(siteId, id, name, value, 'is not a command of an EV charger (currentA, revertS)');
        if (!(value === 0 || (value >= model.minA && value <= model.maxA))) {
          throw refuse(siteId, id, 'currentA', value, `must be 0 or within [${model.minA}, ${model.maxA.toFixed(1)}] A`);
        }
        model.setCurrentA(value, revert());
      },
    };
  }
  if (model instanceof LoadModel) {
    return { ...base, kind: 'load', commands: [], readings: (): Readings => ({ powerKw: model.powerKw(), energyImportKwh: model.energyImportKwh() }), command: noCommands(siteId, id) };
  }
  throw new VppError('SIM_OPTION_INVALID', `${siteId}/${id}: no device for a model of kind ${model.kind}`);
}

/** The site's grid meter: what a billing meter at the connection point reads (with its lag). */
export function meterDevice(siteId: string, assetId: string, physics: SitePhysics): SimDevice {
  return {
    siteId,
    assetId,
    kind: 'meter',
    commands: [],
    readings: (): Readings => ({
      // NaN until the meter's lag has history: not a number to report.
      powerKw: Number.isFinite(physics.meterReadingKw()) ? physics.meterReadingKw() : null,
      energyImportKwh: physics.meter.energyImportKwh(),
      energyExportKwh: physics.meter.energyExportKwh(),
    }),
    command: noCommands(siteId, assetId),
  };
}

function noCommands(siteId: string, assetId: string): (name: SimCommandName, value: number) => void {
  return (name, value) => {
    throw refuse(siteId, assetId, name, value, 'is not accepted: this device takes no commands');
  };
}
