import type { AdapterTarget, WriteResult } from '../../src/domain/device-adapter.js';
import { VppError } from '../../src/domain/errors.js';
import { ENA_DISABLED, MODEL_HEADER_REGISTERS, decodeModel, sunspecModel, type ModelDef } from '../../src/domain/sunspec/index.js';
import type { RegisterClient } from './connection.js';
import { storageCommandKw, type PointValues } from './decoders.js';
import { coalescePointWrites, planWSetWrite, wsetCommandKw } from './der-controls.js';
import type { SunSpecMap } from './discovery.js';
import { planPvLimitWrite, pvLimitCommandKw, pvRatingW } from './pv-limit.js';
import { planStorageWrite, type StorageWritePlan } from './storage.js';

/**
 * Which SunSpec model carries a power setpoint:
 * - `auto` (default): a PV unit uses 704 WSet when it serves 704 (the IEEE 1547-2018 control
 *   that supersedes 123), else 123 WMaxLimPct; a battery uses 124, and 704 only when it has no 124.
 * - `wset`: 704 WSet for both, wherever the unit serves it (sites whose inverters treat 124 as
 *   legacy); a unit without 704 is refused.
 */
export type PowerControl = 'auto' | 'wset';

export type ControlModel = 123 | 124 | 704;

/** The model a setpoint for `kind` goes through on a unit serving `ids`, or null when none fits. */
export function chooseControlModel(kind: AdapterTarget['kind'], ids: readonly number[], control: PowerControl = 'auto'): ControlModel | null {
  const has = (id: number): boolean => ids.includes(id);
  if (kind !== 'pv' && kind !== 'battery') return null;
  const prefer704 = control === 'wset' || kind === 'pv' || !has(124);
  if (prefer704 && has(704)) return 704;
  if (control === 'wset') return null;
  if (kind === 'pv') return has(123) ? 123 : null;
  return has(124) ? 124 : null;
}

/** The link a write runs over: the unit's client and its discovered model chain. */
export interface ControlLink {
  readonly client: RegisterClient;
  readonly map: SunSpecMap;
}

interface ModelBlock {
  readonly def: ModelDef;
  /** Address of the first point (after ID and L). */
  readonly body: number;
  readonly values: PointValues;
}

async function readModel(l: ControlLink, id: number, where: string): Promise<ModelBlock | null> {
  const loc = l.map.models.find((m) => m.id === id);
  const def = sunspecModel(id);
  if (loc === undefined || def === undefined) return null;
  if (loc.length < def.length) throw new VppError('SUNSPEC_MODEL_MISSING', `${where}: model ${id} has length ${loc.length}, expected ${def.length}`);
  const body = loc.address + MODEL_HEADER_REGISTERS;
  return { def, body, values: decodeModel(def, await l.client.readHolding(body, def.length)) };
}

async function must(l: ControlLink, id: number, where: string): Promise<ModelBlock> {
  const b = await readModel(l, id, where);
  if (b === null) throw new VppError('SUNSPEC_MODEL_MISSING', `${where}: no model ${id}`);
  return b;
}

const refused = (where: string, detail: string): WriteResult => ({ ok: false, readBackKw: null, detail: `${where}: ${detail}` });

async function apply(l: ControlLink, b: ModelBlock, plan: StorageWritePlan & { ok: true }): Promise<ModelBlock> {
  for (const g of plan.groups) await l.client.writeRegisters(b.body + g.offset, g.values);
  return { ...b, values: decodeModel(b.def, await l.client.readHolding(b.body, b.def.length)) };
}

function verify(where: string, powerKw: number, readBackKw: number | null, plan: StorageWritePlan & { ok: true }, after: PointValues): WriteResult {
  for (const [name, want] of Object.entries(plan.expectPoints ?? {})) {
    if (after[name] !== want) return { ok: false, readBackKw, detail: `${where}: wrote ${name} = ${want}, device reports ${String(after[name])}` };
  }
  const ok = readBackKw !== null && Math.abs(readBackKw - powerKw) <= plan.toleranceKw;
  return { ok, readBackKw, detail: ok ? null : `${where}: wrote ${powerKw} kW, device reports ${String(readBackKw)} kW` };
}

/**
 * Writes one setpoint (kW, load convention) through the model chooseControlModel picks, then
 * reads it back. Signs and units are converted here, once: 704 counts generation positive,
 * 123 takes a percentage of WMax, 124 a percentage of WChaMax. A refusal names the field.
 */
export async function writePowerControl(l: ControlLink, target: AdapterTarget, powerKw: number, control: PowerControl): Promise<WriteResult> {
  const where = target.binding;
  if (target.kind === 'pv' && !(powerKw <= 0)) return refused(where, `a PV setpoint caps generation and must be a number <= 0 kW (load convention), got ${powerKw}`);
  const model = chooseControlModel(target.kind, l.map.models.map((m) => m.id), control);
  if (model === null) return refused(where, `a ${target.kind} on this unit has no SunSpec control for a power setpoint (${control === 'wset' ? 'model 704' : target.kind === 'pv' ? 'model 704 or 123' : 'model 124 or 704'})`);
  if (model === 704) {
    const b = await must(l, 704, where);
    const plan = planWSetWrite(b.values, powerKw, target.revertS);
    if (!plan.ok) return refused(where, plan.detail);
    return verify(where, powerKw, wsetCommandKw((await apply(l, b, plan)).values), plan, {});
  }
  if (model === 124) {
    const b = await must(l, 124, where);
    const plan = planStorageWrite(b.values, powerKw, target.revertS, target.gridChargingAllowed !== false);
    if (!plan.ok) return refused(where, plan.detail);
    const after = (await apply(l, b, plan)).values;
    return verify(where, powerKw, storageCommandKw(after), plan, after);
  }
  const rating = pvRatingW((await readModel(l, 121, where))?.values ?? null, (await readModel(l, 120, where))?.values ?? null);
  if (!rating.ok) return refused(where, rating.detail);
  const b = await must(l, 123, where);
  const plan = planPvLimitWrite(b.values, rating.watts, powerKw, target.revertS);
  if (!plan.ok) return refused(where, plan.detail);
  return verify(where, powerKw, pvLimitCommandKw((await apply(l, b, plan)).values, rating.watts), plan, {});
}

/** The switch that hands each control function back to the device, per model. */
const RELEASE: ReadonlyArray<readonly [ControlModel, string, number, ReadonlyArray<AdapterTarget['kind']>]> = [
  [124, 'StorCtl_Mod', 0, ['battery']], // no charge or discharge rate in force: the battery's own behaviour
  [704, 'WSetEna', ENA_DISABLED, ['battery', 'pv']],
  [123, 'WMaxLim_Ena', ENA_DISABLED, ['pv']],
];

/**
 * Hands the device back to its own control (the operator's kill switch): every control this
 * project writes that the unit serves is switched off, each read back. readBackKw is 0 for a
 * battery whose 124 reads idle, null otherwise (no command in force).
 */
export async function releasePowerControl(l: ControlLink, target: AdapterTarget): Promise<WriteResult> {
  const where = target.binding;
  const ids = l.map.models.map((m) => m.id);
  const wanted = RELEASE.filter(([id, , , kinds]) => ids.includes(id) && kinds.includes(target.kind));
  if (wanted.length === 0) return refused(where, `a ${target.kind} on this unit serves no control this adapter writes (123, 124, 704)`);
  let readBackKw: number | null = null;
  for (const [id, point, value] of wanted) {
    const b = await must(l, id, where);
    const after = await apply(l, b, { ok: true, groups: coalescePointWrites(b.def, [[point, [value]]]), toleranceKw: 0 });
    if (after.values[point] !== value) return { ok: false, readBackKw: null, detail: `${where}: wrote model ${id} ${point} = ${value}, device reports ${String(after.values[point])}` };
    if (id === 124) readBackKw = storageCommandKw(after.values);
  }
  return { ok: true, readBackKw, detail: null };
}
