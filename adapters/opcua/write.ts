import { AttributeIds, DataType, type ClientSession, type StatusCode, type WriteValueOptions } from 'node-opcua';
import type { WriteResult } from '../../src/domain/device-adapter.js';
import type { ResolvedNodes, ResolvedRef } from './nodes.js';
import type { OpcuaSetpointRef } from './profile.js';
import { deviceToCanonical } from './values.js';

const DATA_TYPES: Readonly<Record<OpcuaSetpointRef['dataType'], DataType>> = {
  Double: DataType.Double,
  Float: DataType.Float,
  Int32: DataType.Int32,
  Int16: DataType.Int16,
};

function deviceValue(ref: OpcuaSetpointRef, canonical: number): number {
  const v = canonical / (ref.scale * ref.sign);
  return ref.dataType === 'Double' || ref.dataType === 'Float' ? v : Math.round(v);
}

function writeValue(r: ResolvedRef<OpcuaSetpointRef>, canonical: number): WriteValueOptions {
  return { nodeId: r.nodeId, attributeId: AttributeIds.Value, value: { value: { dataType: DATA_TYPES[r.ref.dataType], value: deviceValue(r.ref, canonical) } } };
}

/** How far a read-back may sit from what was written: the device's own rounding (Float, integer steps). */
function toleranceKw(ref: OpcuaSetpointRef, kw: number): number {
  const step = ref.dataType === 'Double' || ref.dataType === 'Float' ? 0 : ref.scale / 2;
  return Math.max(1e-6, Math.abs(kw) * 1e-6, step) + (ref.dataType === 'Float' ? Math.abs(kw) * 1e-6 : 0);
}

/**
 * Writes the revert timer (when the profile has one, so that it is refreshed on every write)
 * and the power setpoint in one request, checks every StatusCode, then reads the setpoint back.
 */
export async function writeSetpoint(session: ClientSession, nodes: ResolvedNodes, powerKw: number, revertS: number, where: string): Promise<WriteResult> {
  const power = nodes.powerKw;
  if (power === null) return { ok: false, readBackKw: null, detail: `${where}: the profile has no setpoint.powerKw` };
  const items: Array<{ what: string; value: number; w: WriteValueOptions }> = [];
  if (nodes.revertS !== null) items.push({ what: `revertS (${nodes.revertS.text})`, value: revertS, w: writeValue(nodes.revertS, revertS) });
  items.push({ what: `powerKw (${power.text})`, value: powerKw, w: writeValue(power, powerKw) });
  const statuses: StatusCode[] = await session.write(items.map((i) => i.w));
  for (const [i, item] of items.entries()) {
    const s = statuses[i];
    if (s === undefined || !s.isGood()) {
      return { ok: false, readBackKw: null, detail: `${where}: writing ${item.what} = ${item.value}: ${s?.name ?? 'no status returned'}` };
    }
  }
  const back = await session.read({ nodeId: power.nodeId, attributeId: AttributeIds.Value });
  const readBackKw = back.statusCode.isGood() ? deviceToCanonical(power.ref, back.value.value) : null;
  if (readBackKw === null) return { ok: false, readBackKw: null, detail: `${where}: wrote ${powerKw} kW, read-back gives ${back.statusCode.name}` };
  const ok = Math.abs(readBackKw - powerKw) <= toleranceKw(power.ref, powerKw);
  return { ok, readBackKw, detail: ok ? null : `${where}: wrote ${powerKw} kW, device reports ${readBackKw} kW` };
}
