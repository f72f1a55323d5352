import { VppError } from '../../src/domain/errors.js';
import type { Metric } from '../../src/domain/index.js';
import type { SimCommandName, SimDevice } from '../../simulators/servers/index.js';

/**
 * A battery for protocol-server tests: its powerKw reading follows its last powerKw command
 * (±100 kW), no physics; `readings` adds fixed values (e.g. socPct) to the reported set.
 */
export function fakeBattery(siteId: string, assetId: string, readings: Partial<Record<Metric, number | null>> = {}): { device: SimDevice; state: { powerKw: number; revertS: number } } {
  const state = { powerKw: 0, revertS: 0 };
  const device: SimDevice = {
    siteId,
    assetId,
    kind: 'battery',
    commands: ['powerKw', 'revertS'],
    readings: () => ({ powerKw: state.powerKw, ...readings }),
    command(name: SimCommandName, value: number) {
      if (name === 'powerKw' && Math.abs(value) > 100) throw new VppError('SIM_COMMAND_INVALID', `powerKw must be within -100..100 kW, got ${value}`);
      if (name === 'revertS' && value < 0) throw new VppError('SIM_COMMAND_INVALID', `revertS must be >= 0, got ${value}`);
      if (name === 'powerKw' || name === 'revertS') state[name] = value;
      else throw new VppError('SIM_COMMAND_INVALID', `${name} is not a battery command`);
    },
  };
  return { device, state };
}
