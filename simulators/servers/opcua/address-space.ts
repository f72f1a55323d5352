import { DataType, StatusCodes, Variant, type AddressSpace, type INamespace, type StatusCode, type UAObject } from 'node-opcua';
import { VppError } from '../../../src/domain/errors.js';
import { METRICS, type Metric } from '../../../src/domain/telemetry.js';
import type { SimCommandName, SimDevice } from '../device.js';

export const SIM_NAMESPACE_URI = 'urn:vpp:sim';

/** Unit and meaning of each metric and command, served as the variable's Description. */
const METRIC_UNITS: Readonly<Record<Metric, string>> = {
  powerKw: 'kW, load convention: > 0 draws from the site bus, < 0 feeds it',
  reactiveKvar: 'kvar',
  energyImportKwh: 'kWh drawn from the bus, cumulative',
  energyExportKwh: 'kWh fed to the bus, cumulative',
  socPct: '% state of charge, 0..100',
  availableChargeKw: 'kW the device can charge now',
  availableDischargeKw: 'kW the device can discharge now',
  setpointKw: 'kW, the power setpoint in force (load convention)',
  temperatureC: '°C',
  connected: '1 = vehicle connected, 0 = not',
  state: 'device state enumeration',
};
const COMMAND_UNITS: Readonly<Record<SimCommandName, string>> = {
  powerKw: 'kW, load convention: > 0 charges, < 0 discharges',
  revertS: 's until the device reverts to its safe state; 0 = no revert timer',
  limitPct: '% of rated AC power, 0..100',
  setpointC: '°C thermostat setpoint',
  currentA: 'A per phase; 0 or min..max',
};
const METRIC_NAMES: ReadonlySet<string> = new Set<string>(METRICS);

/** Getters run on every read; 100 ms lets a subscription follow a 1 s step closely. */
const SAMPLING_MS = 100;

/**
 * A missing or non-finite reading reads as BadNoData (no value), never as 0: a client that
 * ignores the status still gets no number. UncertainLastUsableValue would invite using it.
 */
function readingValue(device: SimDevice, metric: Metric): Variant | StatusCode {
  if (device.online?.() === false) return StatusCodes.BadCommunicationError;
  const value = device.readings()[metric];
  return typeof value === 'number' && Number.isFinite(value) ? new Variant({ dataType: DataType.Double, value }) : StatusCodes.BadNoData;
}

function checkId(field: string, value: string): void {
  if (value === '' || value.includes('/')) {
    throw new VppError('SIM_OPCUA_ID_INVALID', `${field} must be non-empty and without '/', got ${JSON.stringify(value)}`);
  }
}

function addSetpoint(ns: INamespace, folder: UAObject, device: SimDevice, name: SimCommandName, base: string): void {
  // Before the first accepted write there is no setpoint to report.
  let last: number | null = null;
  ns.addVariable({
    componentOf: folder,
    browseName: name,
    nodeId: `s=${base}/Setpoints/${name}`,
    description: COMMAND_UNITS[name],
    dataType: 'Double',
    accessLevel: 'CurrentRead | CurrentWrite',
    userAccessLevel: 'CurrentRead | CurrentWrite',
    minimumSamplingInterval: SAMPLING_MS,
    value: {
      get: () => (last === null ? StatusCodes.BadNoData : new Variant({ dataType: DataType.Double, value: last })),
      set: (variant: Variant): StatusCode => {
        const value: unknown = variant.value;
        if (variant.dataType !== DataType.Double || typeof value !== 'number') return StatusCodes.BadTypeMismatch;
        if (!Number.isFinite(value)) return StatusCodes.BadOutOfRange;
        if (device.online?.() === false) return StatusCodes.BadCommunicationError;
        try {
          device.command(name, value);
        } catch (error) {
          return error instanceof VppError && error.code === 'SIM_COMMAND_INVALID' ? StatusCodes.BadOutOfRange : StatusCodes.BadInternalError;
        }
        last = value;
        return StatusCodes.Good;
      },
    },
  });
}

/**
 * Builds `Objects/Sites/<siteId>/<assetId>/<metric>` and `<assetId>/Setpoints/<command>` in the
 * `urn:vpp:sim` namespace, with string NodeIds `<site>/<asset>/<metric>` (README.md).
 * The metrics are those the device reports at start.
 */
export function buildSimAddressSpace(addressSpace: AddressSpace, devices: readonly SimDevice[]): INamespace {
  const ns = addressSpace.getNamespace(SIM_NAMESPACE_URI) ?? addressSpace.registerNamespace(SIM_NAMESPACE_URI);
  const objects = addressSpace.rootFolder.objects;
  const sites = ns.addFolder(objects, { browseName: 'Sites', nodeId: 's=Sites' });
  const siteFolders = new Map<string, UAObject>();
  const seen = new Set<string>();
  devices.forEach((device, i) => {
    checkId(`devices[${i}].siteId`, device.siteId);
    checkId(`devices[${i}].assetId`, device.assetId);
    const base = `${device.siteId}/${device.assetId}`;
    if (seen.has(base)) throw new VppError('SIM_OPCUA_DUPLICATE_DEVICE', `devices[${i}]: ${base} appears twice`);
    seen.add(base);
    let site = siteFolders.get(device.siteId);
    if (site === undefined) {
      // `Sites` itself is `s=Sites`: a site of that name would collide with it.
      if (device.siteId === 'Sites') throw new VppError('SIM_OPCUA_ID_INVALID', `devices[${i}].siteId 'Sites' is reserved`);
      site = ns.addFolder(sites, { browseName: device.siteId, nodeId: `s=${device.siteId}` });
      siteFolders.set(device.siteId, site);
    }
    const asset = ns.addFolder(site, { browseName: device.assetId, nodeId: `s=${base}`, description: `${device.kind} ${base}` });
    ns.addVariable({
      componentOf: asset,
      browseName: 'Kind',
      nodeId: `s=${base}/Kind`,
      description: 'meter | load | pv | battery | hvac | evCharger',
      dataType: 'String',
      accessLevel: 'CurrentRead',
      userAccessLevel: 'CurrentRead',
      value: { dataType: DataType.String, value: device.kind },
    });
    for (const metric of Object.keys(device.readings())) {
      if (!METRIC_NAMES.has(metric)) continue;
      const m = metric as Metric;
      ns.addVariable({
        componentOf: asset,
        browseName: m,
        nodeId: `s=${base}/${m}`,
        description: METRIC_UNITS[m],
        dataType: 'Double',
        accessLevel: 'CurrentRead',
        userAccessLevel: 'CurrentRead',
        minimumSamplingInterval: SAMPLING_MS,
        value: { get: () => readingValue(device, m) },
      });
    }
    if (device.commands.length > 0) {
      const setpoints = ns.addFolder(asset, { browseName: 'Setpoints', nodeId: `s=${base}/Setpoints` });
      for (const name of device.commands) addSetpoint(ns, setpoints, device, name, base);
    }
  });
  return ns;
}
