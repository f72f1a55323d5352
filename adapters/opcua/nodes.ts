import { makeBrowsePath, resolveNodeId, type ClientSession, type NodeId } from 'node-opcua';
import { VppError } from '../../src/domain/errors.js';
import type { Metric } from '../../src/domain/telemetry.js';
import { expandTemplate, type OpcuaNodeRef, type OpcuaSection, type OpcuaSetpointRef } from './profile.js';

export interface ResolvedRef<R extends OpcuaNodeRef = OpcuaNodeRef> {
  readonly ref: R;
  readonly nodeId: NodeId;
  /** The expanded node id or browse path, for messages. */
  readonly text: string;
}

export interface ResolvedNodes {
  readonly readings: ReadonlyArray<{ readonly metric: Metric } & ResolvedRef>;
  readonly powerKw: ResolvedRef<OpcuaSetpointRef> | null;
  readonly revertS: ResolvedRef<OpcuaSetpointRef> | null;
}

export interface NodeContext {
  readonly site: string;
  readonly asset: string;
  /** The binding's `device=` when given, else the profile's `device` template. */
  readonly device: string | null;
  readonly where: string;
}

/**
 * Turns the profile's templates into NodeIds on this server: the namespace index is looked up
 * by URI (servers may renumber namespaces across restarts) and browse paths are translated.
 */
export async function resolveNodes(session: ClientSession, section: OpcuaSection, ctx: NodeContext): Promise<ResolvedNodes> {
  let ns: number | null = null;
  if (section.namespaceUri !== null) {
    const namespaces = await session.readNamespaceArray();
    ns = namespaces.indexOf(section.namespaceUri);
    if (ns < 0) throw new VppError('PROFILE_MISMATCH', `${ctx.where}: the server has no namespace ${section.namespaceUri} (it serves ${namespaces.join(', ')})`);
  }
  const device = ctx.device ?? expandTemplate(section.device, { ns, site: ctx.site, asset: ctx.asset, device: '' });
  const vars = { ns, site: ctx.site, asset: ctx.asset, device };

  async function resolve<R extends OpcuaNodeRef>(field: string, ref: R): Promise<ResolvedRef<R>> {
    if (ref.node !== null) {
      const text = expandTemplate(ref.node, vars);
      try {
        return { ref, nodeId: resolveNodeId(text), text };
      } catch (e) {
        throw new VppError('PROFILE_INVALID', `${ctx.where}: opcua.${field}.node is not a NodeId after expansion, got ${JSON.stringify(text)}`, { cause: e });
      }
    }
    const text = expandTemplate(ref.browsePath ?? '', vars);
    const result = await session.translateBrowsePath(makeBrowsePath('RootFolder', text));
    const target = result.targets?.[0];
    if (!result.statusCode.isGood() || target === undefined) {
      throw new VppError('PROFILE_MISMATCH', `${ctx.where}: opcua.${field}.browsePath ${JSON.stringify(text)} does not resolve on the server (${result.statusCode.name})`);
    }
    return { ref, nodeId: target.targetId, text };
  }

  const readings: Array<{ metric: Metric } & ResolvedRef> = [];
  for (const [metric, ref] of section.readings) readings.push({ metric, ...(await resolve(`readings.${metric}`, ref)) });
  const sp = section.setpoint;
  return {
    readings,
    powerKw: sp === null ? null : await resolve('setpoint.powerKw', sp.powerKw),
    revertS: sp?.revertS == null ? null : await resolve('setpoint.revertS', sp.revertS),
  };
}
