import { join } from 'node:path';
import { Subject } from 'rxjs';
import { AttributeIds, TimestampsToReturn, type ClientMonitoredItem, type DataValue } from 'node-opcua';
import type { AdapterHealth, AdapterTarget, DeviceAdapter, WriteResult } from '../../src/domain/device-adapter.js';
import { VppError } from '../../src/domain/errors.js';
import type { Setpoint } from '../../src/domain/setpoint.js';
import type { Metric, Telemetry } from '../../src/domain/telemetry.js';
import { telemetryOf } from '../telemetry-of.js';
import { loadProfile } from '../profile.js';
import { parseOpcuaBinding, type OpcuaSecurityMode } from './binding.js';
import { opcuaPkiDir } from './certs.js';
import { connectError, message, withTimeout } from './failures.js';
import { resolveNodes, type ResolvedNodes } from './nodes.js';
import { acquireOpcuaSession, type SessionUser, type SharedSession, type SharedSubscription } from './shared-session.js';
import { parseOpcuaSection, type OpcuaNodeRef } from './profile.js';
import { deviceToCanonical } from './values.js';
import { writeSetpoint } from './write.js';

export interface OpcuaAdapterOptions {
  /** Client PKI (own certificate, trusted and rejected server certificates); default `<VPP_DATA_DIR or ./data>/pki/opcua-client`. */
  readonly pkiDir?: string;
  /** Overrides the binding's `security=`; default None. SignAndEncrypt uses Basic256Sha256. */
  readonly securityMode?: OpcuaSecurityMode;
  /** Trust (and record as trusted) a server certificate never seen before. Default false. */
  readonly trustUnknownServer?: boolean;
  /** Bound on connect() and on each write; default 10 s. */
  readonly timeoutMs?: number;
}

/**
 * A device on an OPC UA server, mapped by a profile's `opcua:` section (README.md). Readings
 * arrive by monitored items sampled every pollIntervalS; between changes the last value is
 * re-emitted each interval while the subscription proves alive, since OPC UA only reports
 * changes. Devices behind one endpoint (and security mode) share one session and, per
 * interval, one subscription (shared-session.ts). A Bad status or a missing value makes that
 * metric `bad`; a lost connection makes every metric `bad` at once, and node-opcua then
 * reconnects and re-creates the session and its subscription by itself.
 */
export function createOpcuaAdapter(target: AdapterTarget, options: OpcuaAdapterOptions = {}): DeviceAdapter {
  const binding = parseOpcuaBinding(target.binding);
  const profile = loadProfile(binding.profile);
  const where = `${target.siteId}/${target.assetId} (${binding.endpointUrl}, ${profile.file})`;
  if (profile.protocol !== 'opcua') throw new VppError('PROFILE_MISMATCH', `${where}: protocol must be opcua for an opc.tcp binding, got ${profile.protocol}`);
  if (profile.kind !== target.kind) throw new VppError('PROFILE_MISMATCH', `${where}: kind is ${profile.kind}, the asset is a ${target.kind}`);
  const section = parseOpcuaSection(profile.body, profile.file);
  const mode = options.securityMode ?? binding.security;
  const pkiDir = options.pkiDir ?? opcuaPkiDir(process.env.VPP_DATA_DIR ?? join(process.cwd(), 'data'));
  const timeoutMs = options.timeoutMs ?? 10_000;
  const intervalMs = Math.max(50, target.pollIntervalS * 1000);
  const metrics: Metric[] = [...section.readings.keys()];

  const telemetry$ = new Subject<Telemetry>();
  const values = new Map<Metric, number | null>();
  // Metrics emitted since the last re-emission tick: those need no held-value repeat.
  const fresh = new Set<Metric>();
  let shared: SharedSession | null = null;
  let sub: SharedSubscription | null = null;
  let items: ClientMonitoredItem[] = [];
  let nodes: ResolvedNodes | null = null;
  let linkUp = false;
  let closed = false;
  let tick: NodeJS.Timeout | null = null;
  let lastOkAtMs: number | null = null;
  let consecutiveErrors = 0;
  let lastError: string | null = null;
  let errorsTotal = 0;
  let reconnectsTotal = 0;
  // lost() ran since the link was last up: its coming back is a reconnect.
  let lostSinceUp = false;

  function emit(metric: Metric, value: number | null, atMs: number): void {
    telemetry$.next(telemetryOf(target.siteId, target.assetId, metric, value, atMs));
  }

  function onValue(metric: Metric, ref: OpcuaNodeRef, dv: DataValue): void {
    if (closed) return;
    const atMs = Date.now();
    // A notification is proof the link and the subscription are alive.
    up();
    const v = dv.statusCode.isGood() ? deviceToCanonical(ref, dv.value.value) : null;
    values.set(metric, v);
    fresh.add(metric);
    if (v === null) lastError = `${metric}: ${dv.statusCode.isGood() ? 'no numeric value' : dv.statusCode.name}`;
    else {
      lastOkAtMs = atMs;
      consecutiveErrors = 0;
    }
    emit(metric, v, atMs);
  }

  function up(): void {
    if (!linkUp && lostSinceUp) reconnectsTotal++;
    lostSinceUp = false;
    linkUp = true;
  }

  function failed(reason: string): void {
    consecutiveErrors++;
    errorsTotal++;
    lastError = reason;
  }

  function lost(reason: string): void {
    if (closed || !linkUp) return;
    linkUp = false;
    lostSinceUp = true;
    failed(reason);
    const atMs = Date.now();
    for (const metric of metrics) {
      values.set(metric, null);
      emit(metric, null, atMs);
    }
  }

  const user: SessionUser = {
    onLost: lost,
    // Values stay bad until the re-created monitored items report again.
    onReestablished: () => {
      if (!closed) up();
    },
  };

  function reemit(): void {
    // Without a publish response (data or keep-alive) for this long the subscription is dead
    // even if the socket looks open: held values would be lies.
    const silentMs = sub === null ? 0 : Date.now() - sub.lastPublishAtMs();
    if (linkUp && sub !== null && silentMs > sub.deadAfterMs) lost(`no publish response for ${silentMs} ms`);
    if (!linkUp) return fresh.clear();
    const atMs = Date.now();
    for (const metric of metrics) if (!fresh.has(metric)) emit(metric, values.get(metric) ?? null, atMs);
    fresh.clear();
  }

  async function monitor(sh: SharedSession, n: ResolvedNodes): Promise<void> {
    const s = await sh.subscription(intervalMs);
    sub = s;
    for (const r of n.readings) {
      const item = await s.subscription.monitor({ nodeId: r.nodeId, attributeId: AttributeIds.Value }, { samplingInterval: intervalMs, queueSize: 1, discardOldest: true }, TimestampsToReturn.Both);
      item.on('changed', (dv: DataValue) => onValue(r.metric, r.ref, dv));
      items.push(item);
    }
  }

  async function teardown(): Promise<void> {
    const sh = shared;
    const mine = items;
    shared = null;
    sub = null;
    items = [];
    nodes = null;
    linkUp = false;
    if (sh === null) return;
    // The session may live on for other devices: stop this one's items before letting go.
    await withTimeout(Promise.all(mine.map((i) => i.terminate())), timeoutMs, `${where}: stop monitoring`).catch(() => undefined);
    await sh.release();
  }

  return {
    target,
    telemetry$: telemetry$.asObservable(),
    async connect() {
      if (closed) throw new VppError('ADAPTER_CLOSED', `${where}: adapter is closed`);
      if (shared !== null) return;
      try {
        const sh = await acquireOpcuaSession({ endpointUrl: binding.endpointUrl, mode, pkiDir, trustUnknownServer: options.trustUnknownServer === true }, user, timeoutMs, where);
        shared = sh;
        if (closed) return void (await teardown());
        const s = sh.session;
        const n = await resolveNodes(s, section, { site: target.siteId, asset: target.assetId, device: binding.device, where });
        // One read first: it checks every node exists and gives the first values at once.
        const first = await s.read(n.readings.map((r) => ({ nodeId: r.nodeId, attributeId: AttributeIds.Value })));
        const unknown = n.readings.filter((_, i) => first[i]?.statusCode.name === 'BadNodeIdUnknown');
        if (unknown.length > 0) throw new VppError('PROFILE_MISMATCH', `${where}: the server has no node ${unknown.map((r) => `${r.text} (${r.metric})`).join(', ')}`);
        nodes = n;
        up();
        n.readings.forEach((r, i) => first[i] !== undefined && onValue(r.metric, r.ref, first[i]));
        await monitor(sh, n);
        tick ??= setInterval(reemit, intervalMs);
      } catch (e) {
        // acquireOpcuaSession has already named an untrusted server certificate (it holds the PKI).
        const err = connectError(e, null, where, pkiDir);
        failed(err.message);
        await teardown();
        throw err;
      }
    },
    async write(setpoint: Setpoint): Promise<WriteResult> {
      const s = shared?.session ?? null;
      const n = nodes;
      if (s === null || n === null || !linkUp) return { ok: false, readBackKw: null, detail: `${where}: not connected (${lastError ?? 'no session'})` };
      try {
        return await withTimeout(writeSetpoint(s, n, setpoint.powerKw, target.revertS, where), timeoutMs, `${where}: write`);
      } catch (e) {
        return { ok: false, readBackKw: null, detail: message(e) };
      }
    },
    health: (): AdapterHealth => ({ connected: linkUp, lastOkAtMs, consecutiveErrors, lastError, errorsTotal, reconnectsTotal }),
    async close() {
      if (closed) return;
      closed = true;
      if (tick !== null) clearInterval(tick);
      await teardown();
      telemetry$.complete();
    },
  };
}
