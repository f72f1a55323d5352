import { Subject } from 'rxjs';
import type { AdapterTarget, DeviceAdapter } from '../../src/domain/device-adapter.js';
import { VppError } from '../../src/domain/errors.js';
import type { Telemetry } from '../../src/domain/telemetry.js';
import { opcuaBindingProblem } from './problem.js';

/**
 * The OPC UA adapter, with node-opcua loaded on first connect: the library takes seconds to
 * load and prints warnings as it does, which every other command (config check, probe, sim
 * over Modbus) should not pay for. The binding and its profile are checked now, as config
 * loading does.
 */
export function createLazyOpcuaAdapter(target: AdapterTarget): DeviceAdapter {
  const problem = opcuaBindingProblem(target.binding);
  if (problem !== null) throw new VppError('BINDING_INVALID', `binding '${target.binding}' of ${target.siteId}/${target.assetId}: ${problem}`);
  const telemetry$ = new Subject<Telemetry>();
  let inner: DeviceAdapter | null = null;
  let loading: Promise<DeviceAdapter> | null = null;
  const load = (): Promise<DeviceAdapter> =>
    (loading ??= import('./adapter.js').then((m) => {
      const a = m.createOpcuaAdapter(target);
      a.telemetry$.subscribe({ next: (t) => telemetry$.next(t) });
      inner = a;
      return a;
    }));
  return {
    target,
    telemetry$: telemetry$.asObservable(),
    connect: async () => (await load()).connect(),
    write: async (sp) => (await load()).write(sp),
    health: () => inner?.health() ?? { connected: false, lastOkAtMs: null, consecutiveErrors: 0, lastError: null, errorsTotal: 0, reconnectsTotal: 0 },
    async close() {
      if (loading !== null) await (await loading).close();
      telemetry$.complete();
    },
  };
}
