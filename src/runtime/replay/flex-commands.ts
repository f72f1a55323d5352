import type { Setpoint } from '../../domain/index.js';
import { EvChargerModel, HvacModel, type PowerModel } from '../../../simulators/index.js';

/**
 * Sends a setpoint to an EV charger or HVAC model as its device takes it: a charger a current
 * per phase (0, or minA..maxA: a power between a pause and 6 A is rounded up to 6 A, never
 * down, so the departure floor holds), an HVAC unit its thermostat setpoint. Returns false for
 * any other model (or an HVAC setpoint without setpointC), which the caller handles.
 */
export function commandFlexLoad(model: PowerModel | undefined, sp: Setpoint, revertS: number): boolean {
  if (model instanceof EvChargerModel) {
    const perAmpKw = (model.phases * model.voltageV) / 1000;
    const wantedA = sp.powerKw / perAmpKw;
    const currentA = wantedA <= 0 ? 0 : Math.min(model.maxA, Math.max(model.minA, wantedA));
    model.setCurrentA(currentA, revertS);
    return true;
  }
  if (model instanceof HvacModel && sp.setpointC !== undefined) {
    model.setSetpoint(sp.setpointC);
    return true;
  }
  return false;
}
