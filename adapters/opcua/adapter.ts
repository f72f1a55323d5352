import { join } from 'node:path';
import { Subject } from 'rxjs';
import { AttributeIds, MessageSecurityMode, OPCUAClient, SecurityPolicy, TimestampsToReturn, type ClientSession, type ClientSubscription, type DataValue } from 'node-opcua';
import type { AdapterHealth, AdapterTarget, DeviceAdapter, WriteResult } from '../../src/domain/device-adapter.js';
import { VppError } from '../../src/domain/errors.js';
import type { Setpoint } from '../../src/domain/setpoint.js';
import { reading, type Metric, type Telemetry } from '../../src/domain/telemetry.js';
import { loadProfile } from '../profile.js';
import { parseOpcuaBinding, type OpcuaSecurityMode } from './binding.js';
import { opcuaPkiDir } from './certs.js';
import { ClientCertificateManager } from './client-pki.js';
import { connectError, message, withTimeout } from './failures.js';
import { resolveNodes, type ResolvedNodes } from './nodes.js';
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
 * changes. A Bad status or a missing value makes that metric `bad`; a lost connection makes
 * every metric `bad` at once, and node-opcua then reconnects and re-creates the session and
 * its subscription by itself.
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
  const keepAliveCount = 3;
  const metrics: Metric[] = [...section.readings.keys()];

  const telemetry$ = new Subject<Telemetry>();
  const values = new Map<Metric, number | null>();
  let client: OPCUAClient | null = null;
  let cm: ClientCertificateManager | null = null;
  let session: ClientSession | null = null;
  let nodes: ResolvedNodes | null = null;
  let linkUp = false;
  let closed = false;
  let tick: NodeJS.Timeout | null = null;
  let lastPublishAtMs = 0;
  let lastOkAtMs: number | null = null;
  let consecutiveErrors = 0;
  let lastError: string | null = null;

  function emit(metric: Metric, value: number | null, atMs: number): void {
    telemetry$.next({ siteId: target.siteId, assetId: target.assetId, metric, ...reading(value, atMs) });
  }

  function onValue(metric: Metric, ref: OpcuaNodeRef, dv: DataValue): void {
    if (closed) return;
    const atMs = Date.now();
    // A notification is proof the link and the subscription are alive.
    lastPublishAtMs = atMs;
    linkUp = true;
    const v = dv.statusCode.isGood() ? deviceToCanonical(ref, dv.value.value) : null;
    values.set(metric, v);
    if (v === null) lastError = `${metric}: ${dv.statusCode.isGood() ? 'no numeric value' : dv.statusCode.name}`;
    else {
      lastOkAtMs = atMs;
      consecutiveErrors = 0;
    }
    emit(metric, v, atMs);
  }

  function lost(reason: string): void {
    if (closed || !linkUp) return;
    linkUp = false;
    consecutiveErrors++;
    lastError = reason;
    const atMs = Date.now();
    for (const metric of metrics) {
      values.set(metric, null);
      emit(metric, null, atMs);
    }
  }

  function reemit(): void {
    // Without a publish response (data or keep-alive) for this long the subscription is dead
    // even if the socket looks open: held values would be lies.
    const silentMs = Date.now() - lastPublishAtMs;
    if (linkUp && silentMs > (keepAliveCount + 2) * intervalMs) lost(`no publish response for ${silentMs} ms`);
    if (!linkUp) return;
    const atMs = Date.now();
    for (const metric of metrics) emit(metric, values.get(metric) ?? null, atMs);
  }

  async function subscribe(s: ClientSession, n: ResolvedNodes): Promise<ClientSubscription> {
    const sub = await s.createSubscription2({
      requestedPublishingInterval: intervalMs,
      requestedMaxKeepAliveCount: keepAliveCount,
      requestedLifetimeCount: keepAliveCount * 10,
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 1,
    });
    sub.on('keepalive', () => (lastPublishAtMs = Date.now()));
    for (const r of n.readings) {
      const item = await sub.monitor({ nodeId: r.nodeId, attributeId: AttributeIds.Value }, { samplingInterval: intervalMs, queueSize: 1, discardOldest: true }, TimestampsToReturn.Both);
      item.on('changed', (dv: DataValue) => onValue(r.metric, r.ref, dv));
    }
    return sub;
  }

  async function teardown(): Promise<void> {
    const c = client;
    const m = cm;
    client = null;
    cm = null;
    session = null;
    nodes = null;
    linkUp = false;
    if (c !== null) await withTimeout(c.disconnect(), timeoutMs, `${where}: disconnect`).catch(() => undefined);
    if (m !== null) await m.dispose().catch(() => undefined);
  }

  return {
    target,
    telemetry$: telemetry$.asObservable(),
    async connect() {
      if (closed) throw new VppError('ADAPTER_CLOSED', `${where}: adapter is closed`);
      if (client !== null) return;
      const m = new ClientCertificateManager({ rootFolder: pkiDir, automaticallyAcceptUnknownCertificate: options.trustUnknownServer === true });
      const c = OPCUAClient.create({
        applicationName: 'vpp-controller',
        endpointMustExist: false,
        securityMode: mode === 'None' ? MessageSecurityMode.None : MessageSecurityMode.SignAndEncrypt,
        securityPolicy: mode === 'None' ? SecurityPolicy.None : SecurityPolicy.Basic256Sha256,
        clientCertificateManager: m,
        // maxRetry > 0 is what turns node-opcua's reconnection on; reconnection itself retries forever.
        connectionStrategy: { maxRetry: 1, initialDelay: 200, maxDelay: 5000 },
        keepSessionAlive: true,
      });
      client = c;
      cm = m;
      c.on('connection_lost', () => lost('connection lost'));
      c.on('connection_reestablished', () => {
        // Values stay bad until the re-created monitored items report again.
        linkUp = true;
        lastPublishAtMs = Date.now();
      });
      try {
        const s = await withTimeout(
          (async () => {
            await c.connect(binding.endpointUrl);
            return c.createSession();
          })(),
          timeoutMs,
          `${where}: connect`,
        );
        session = s;
        const n = await resolveNodes(s, section, { site: target.siteId, asset: target.assetId, device: binding.device, where });
        // One read first: it checks every node exists and gives the first values at once.
        const first = await s.read(n.readings.map((r) => ({ nodeId: r.nodeId, attributeId: AttributeIds.Value })));
        const unknown = n.readings.filter((_, i) => first[i]?.statusCode.name === 'BadNodeIdUnknown');
        if (unknown.length > 0) throw new VppError('PROFILE_MISMATCH', `${where}: the server has no node ${unknown.map((r) => `${r.text} (${r.metric})`).join(', ')}`);
        nodes = n;
        linkUp = true;
        n.readings.forEach((r, i) => first[i] !== undefined && onValue(r.metric, r.ref, first[i]));
        await subscribe(s, n);
        tick ??= setInterval(reemit, intervalMs);
      } catch (e) {
        const err = connectError(e, m.lastCheckedCertificate, where, pkiDir);
        consecutiveErrors++;
        lastError = err.message;
        await teardown();
        throw err;
      }
    },
    async write(setpoint: Setpoint): Promise<WriteResult> {
      const s = session;
      const n = nodes;
      if (s === null || n === null || !linkUp) return { ok: false, readBackKw: null, detail: `${where}: not connected (${lastError ?? 'no session'})` };
      try {
        return await withTimeout(writeSetpoint(s, n, setpoint.powerKw, target.revertS, where), timeoutMs, `${where}: write`);
      } catch (e) {
        return { ok: false, readBackKw: null, detail: message(e) };
      }
    },
    health: (): AdapterHealth => ({ connected: linkUp, lastOkAtMs, consecutiveErrors, lastError }),
    async close() {
      if (closed) return;
      closed = true;
      if (tick !== null) clearInterval(tick);
      await teardown();
      telemetry$.complete();
    },
  };
}
