import { LoadModel, type PowerModel } from '../../models/index.js';
import { startModbusTcpServer, type ModbusTcpServer, type RegisterBank } from '../../servers/modbus/index.js';
import { sunspecBank, type SunSpecModelSpec } from '../../servers/sunspec/index.js';
import { plainDeviceBank, plainMapFor } from '../../servers/plain-map.js';
import { batteryModels, loadMeterModels, nameplate, pvModels, siteMeterModels } from '../../servers/site/index.js';
import type { SimDevice } from '../../servers/device.js';
import type { ScenarioSite } from '../types.js';
import type { BuiltSite } from './build.js';
import type { DeviceControls } from './controls.js';
import { maxPowerKw } from './controls.js';
import type { FaultView } from './fault-view.js';

export interface ModbusUnit {
  readonly deviceId: string;
  readonly kind: SimDevice['kind'];
  readonly unitId: number;
}

/** Unit ids: as the file gives them, the others the lowest free ones in file order (meter first). */
export function assignUnits(site: ScenarioSite): ModbusUnit[] {
  const wanted: { deviceId: string; kind: SimDevice['kind']; unitId?: number }[] = [];
  if (site.meter.serve === 'modbus') wanted.push({ deviceId: site.meter.id, kind: 'meter', ...(site.meter.unitId !== undefined ? { unitId: site.meter.unitId } : {}) });
  for (const a of site.assets) if (a.serve === 'modbus') wanted.push({ deviceId: a.id, kind: a.kind, ...(a.unitId !== undefined ? { unitId: a.unitId } : {}) });
  const taken = new Set(wanted.flatMap((w) => (w.unitId !== undefined ? [w.unitId] : [])));
  let next = 1;
  return wanted.map((w) => {
    if (w.unitId !== undefined) return { deviceId: w.deviceId, kind: w.kind, unitId: w.unitId };
    while (taken.has(next)) next++;
    taken.add(next);
    return { deviceId: w.deviceId, kind: w.kind, unitId: next };
  });
}

/**
 * One Modbus TCP server for the site's Modbus-served devices, each its own unit id: SunSpec
 * maps where SunSpec defines one (meter 203, PV 103+123, battery 103+124), the plain map for
 * HVAC and EV chargers. Faults act here too: a lost unit does not answer, a slow one late.
 */
export async function startModbusSite(
  built: BuiltSite,
  devices: ReadonlyMap<string, SimDevice>,
  controls: ReadonlyMap<string, DeviceControls>,
  faults: FaultView,
  host: string,
  port: number,
): Promise<{ server: ModbusTcpServer; units: ModbusUnit[] }> {
  const site = built.spec;
  const units = assignUnits(site);
  const banks = new Map<number, RegisterBank>();
  const byUnit = new Map<number, string>();
  const wrap = (id: string, specs: SunSpecModelSpec[]): SunSpecModelSpec[] => specs.map((m) => ({ ...m, source: faults.source(m.source, id, m.id) }));
  const maxKw = new Map(site.assets.map((a) => [a.id, maxPowerKw(a, built.models.get(a.id) as PowerModel)]));
  for (const u of units) {
    byUnit.set(u.unitId, u.deviceId);
    const common = nameplate(site.id, u.deviceId, `sim ${u.kind}`);
    if (u.kind === 'meter') {
      const loads = [...built.models.values()].filter((m): m is LoadModel => m instanceof LoadModel);
      const siteMax = [...maxKw.values()].reduce((s, v) => s + v, 0);
      banks.set(u.unitId, sunspecBank({ common, models: wrap(u.deviceId, siteMeterModels(built.physics, loads, siteMax)) }));
      continue;
    }
    const model = built.models.get(u.deviceId) as PowerModel;
    const ctl = controls.get(u.deviceId);
    let specs: SunSpecModelSpec[] | null = null;
    if (model instanceof LoadModel) specs = loadMeterModels(model, maxKw.get(u.deviceId) ?? 1);
    else if (ctl?.pvLimit !== undefined) specs = pvModels(ctl.pvLimit.pv, ctl.pvLimit, { settings: true });
    else if (ctl?.storage !== undefined) specs = batteryModels(ctl.storage.battery, ctl.storage);
    if (specs !== null) {
      banks.set(u.unitId, sunspecBank({ common, models: wrap(u.deviceId, specs) }));
      continue;
    }
    const map = plainMapFor(u.kind);
    const device = devices.get(u.deviceId);
    if (map !== null && device !== undefined) banks.set(u.unitId, plainDeviceBank(faults.device(device), map));
  }
  const server = await startModbusTcpServer({
    host,
    port,
    units: banks,
    gate: (unit) => {
      const id = byUnit.get(unit);
      if (id === undefined) return 'answer';
      if (!faults.answers(id)) return 'drop';
      const delay = faults.delayMs(id);
      return delay > 0 ? delay : 'answer';
    },
  });
  return { server, units };
}
