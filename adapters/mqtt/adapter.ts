import { randomUUID } from 'node:crypto';
import { Subject } from 'rxjs';
import type { AdapterHealth, AdapterTarget, DeviceAdapter, WriteResult } from '../../src/domain/device-adapter.js';
import { VppError } from '../../src/domain/errors.js';
import type { Setpoint } from '../../src/domain/setpoint.js';
import type { Metric, Telemetry } from '../../src/domain/telemetry.js';
import { telemetryOf } from '../telemetry-of.js';
import { loadProfile } from '../profile.js';
import { parseMqttUrl } from './binding.js';
import { attachToBroker, type BrokerLink } from './broker-link.js';
import { createAcks } from './acks.js';
import { createLiveness } from './liveness.js';
import { telemetryDecoder } from './payload.js';
import { checkMqttProfile, fillTopic, profileMetrics } from './profile.js';

/** Where malformed payloads are logged; a pino logger fits. */
export interface MqttAdapterLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface MqttAdapterOptions {
  /** Where profiles live; default config/devices/. */
  readonly profileDir?: URL;
  /** CONNACK timeout of the first connect; default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /** mqtt.js reconnect period after the broker is lost; default 1000 ms. */
  readonly reconnectPeriodMs?: number;
  readonly log?: MqttAdapterLog;
}

const stderrLog: MqttAdapterLog = {
  warn: (fields, message) => process.stderr.write(`${JSON.stringify({ level: 'warn', ...fields, msg: message })}\n`),
};

/**
 * A device behind an MQTT broker (`mqtt://host:port/<prefix>?profile=<name>`), read and
 * commanded as its profile's `mqtt:` section says (README.md). Telemetry is pushed, so
 * pollIntervalS only sets the default silence limit. Every metric goes `bad` at once when the
 * device or its gateway says offline, when it falls silent, or when the broker is lost.
 */
export function createMqttAdapter(target: AdapterTarget, options: MqttAdapterOptions = {}): DeviceAdapter {
  const binding = parseMqttUrl(target.binding);
  const head = loadProfile(binding.profile, options.profileDir);
  if (head.protocol !== 'mqtt') throw new VppError('BINDING_INVALID', `binding '${target.binding}': profile ${head.name} is for protocol ${head.protocol}, not mqtt`);
  if (head.kind !== target.kind) throw new VppError('PROFILE_MISMATCH', `binding '${target.binding}': profile ${head.name} describes a ${head.kind}, asset ${target.siteId}/${target.assetId} is a ${target.kind}`);
  const p = checkMqttProfile(head.file, head.body);
  const vars = { prefix: binding.prefix, site: binding.site ?? target.siteId, asset: binding.asset ?? target.assetId };
  const telemetryTopic = fillTopic(p.telemetry.topic, vars);
  const metrics = profileMetrics(p);
  const invert = target.invert === true && (target.kind === 'meter' || target.kind === 'load');
  const silenceS = p.silenceS ?? 3 * target.pollIntervalS;
  const silenceMs = silenceS * 1000;
  const decode = telemetryDecoder(p, metrics);
  const log = options.log ?? stderrLog;
  const liveness = createLiveness(p, vars);
  const acks = p.command === undefined ? null : createAcks(p.command, vars, target.binding);
  const topics = [telemetryTopic, ...(acks === null ? [] : [acks.topic]), ...liveness.topics];

  const telemetry$ = new Subject<Telemetry>();
  let link: BrokerLink | null = null;
  let closed = false;
  let allBad = false;
  let silenceTimer: NodeJS.Timeout | null = null;
  let lastHeardAtMs = 0;
  let lastOkAtMs: number | null = null;
  let consecutiveErrors = 0;
  let lastError: string | null = null;
  let errorsTotal = 0;
  let reconnectsTotal = 0;
  // Per adapter, though the connection is shared: each device's topics come back on their own.
  let subscribedOnce = false;
  let lostSinceSubscribed = false;
  let skewReported = false;

  function emit(values: Partial<Record<Metric, number | null>>, atMs: number): void {
    for (const metric of metrics) telemetry$.next(telemetryOf(target.siteId, target.assetId, metric, values[metric], atMs));
  }

  function problem(message: string, fields: Record<string, unknown> = {}): void {
    consecutiveErrors++;
    errorsTotal++;
    lastError = message;
    // One line per run of errors (and every 100th), so a device spewing garbage cannot flood the log.
    if (consecutiveErrors === 1 || consecutiveErrors % 100 === 0) log.warn({ binding: target.binding, consecutiveErrors, ...fields }, message);
  }

  /** Every metric bad at once, once per outage: the last value must never linger as if current. */
  function markBad(reason: string): void {
    problem(`${target.binding}: ${reason}`);
    if (allBad || closed) return;
    allBad = true;
    emit({}, Date.now());
  }

  /**
   * Silence is watched by one timer that, when it fires, re-arms itself for whatever is left of
   * the window since the last message: re-arming a timer on every message (clearTimeout +
   * setTimeout) cost more than decoding the message did.
   */
  function heard(): void {
    // Monotonic: a wall-clock step must not stretch or cut the silence window.
    lastHeardAtMs = performance.now();
    silenceTimer ??= setTimeout(checkSilence, silenceMs);
  }

  function checkSilence(): void {
    silenceTimer = null;
    if (closed) return;
    const quietMs = performance.now() - lastHeardAtMs;
    // Once fired, the next message arms it again.
    if (quietMs >= silenceMs) markBad(`no telemetry on ${telemetryTopic} within ${silenceS} s`);
    else silenceTimer = setTimeout(checkSilence, silenceMs - quietMs);
  }

  function onTelemetry(payload: Buffer): void {
    if (liveness.offlineReason() !== null) return; // a device said offline: its data waits until it says online
    const nowMs = Date.now();
    const d = decode(payload, nowMs);
    if (d.clockSkewMs !== undefined && !skewReported) {
      skewReported = true;
      log.warn({ binding: target.binding, clockSkewS: Math.round(d.clockSkewMs / 1000) }, `${telemetryTopic}: the device clock is ${Math.round(d.clockSkewMs / 1000)} s off; its readings are stamped on arrival`);
    }
    const values = invert ? { ...d.values, powerKw: d.values.powerKw == null ? d.values.powerKw : -d.values.powerKw, energyImportKwh: d.values.energyExportKwh, energyExportKwh: d.values.energyImportKwh } : d.values;
    if (d.problems.length > 0) problem(`${telemetryTopic}: ${d.problems.join('; ')}`, { topic: telemetryTopic, payload: payload.toString('utf8').slice(0, 200) });
    else {
      consecutiveErrors = 0;
      lastError = null;
      lastOkAtMs = nowMs;
    }
    allBad = false;
    emit(values, d.atMs);
    heard();
  }

  function onMessage(topic: string, payload: Buffer): void {
    if (topic === telemetryTopic) return onTelemetry(payload);
    if (acks !== null && topic === acks.topic) {
      const bad = acks.accept(payload);
      if (bad !== null) problem(`${acks.topic}: ${bad}`, { topic, payload: payload.toString('utf8').slice(0, 200) });
      return;
    }
    if (liveness.accept(topic, payload)) {
      const reason = liveness.offlineReason();
      if (reason !== null) markBad(reason);
    }
  }

  /** Joins this process's connection to the broker (one per broker, shared by its devices) for this device's topics. */
  async function start(): Promise<void> {
    const attached = attachToBroker(
      {
        brokerUrl: binding.brokerUrl,
        ...(binding.username !== undefined ? { username: binding.username } : {}),
        ...(binding.password !== undefined ? { password: binding.password } : {}),
        connectTimeoutMs: options.connectTimeoutMs ?? 5000,
        reconnectPeriodMs: options.reconnectPeriodMs ?? 1000,
      },
      topics,
      {
        onMessage,
        onResubscribed: () => {
          if (closed) return;
          if (lostSinceSubscribed) reconnectsTotal++;
          lostSinceSubscribed = false;
          subscribedOnce = true;
          heard();
        },
        onLost: (reason) => {
          if (closed) return;
          lostSinceSubscribed ||= subscribedOnce;
          markBad(reason);
        },
        onError: (message) => problem(`${target.binding}: ${message}`),
      },
    );
    link = attached.link;
    try {
      await attached.subscribed;
    } catch (err) {
      throw new VppError('DEVICE_UNREACHABLE', `${target.binding}: broker ${binding.brokerUrl}: ${(err as Error).message}`, { cause: err });
    }
    if (closed) return;
    subscribedOnce = true;
    heard();
  }

  return {
    target,
    telemetry$: telemetry$.asObservable(),
    async connect() {
      if (closed) throw new VppError('ADAPTER_CLOSED', `${target.binding}: adapter is closed`);
      if (link !== null) return;
      // On failure the connection keeps retrying in the background; the asset stays bad until it succeeds.
      await start();
    },
    async write(setpoint: Setpoint): Promise<WriteResult> {
      if (acks === null) return { ok: false, readBackKw: null, detail: `${target.binding}: profile ${head.name} has no command section (a ${target.kind} takes no power setpoint here)` };
      const l = link;
      if (l === null || !l.connected()) return { ok: false, readBackKw: null, detail: `${target.binding}: not connected to ${binding.brokerUrl} (${lastError ?? 'no link'})` };
      const offline = liveness.offlineReason();
      if (offline !== null) return { ok: false, readBackKw: null, detail: `${target.binding}: device offline (${offline})` };
      return acks.send(l.client, randomUUID(), setpoint.powerKw, target.revertS);
    },
    health: (): AdapterHealth => ({ connected: link?.connected() === true && liveness.offlineReason() === null, lastOkAtMs, consecutiveErrors, lastError, errorsTotal, reconnectsTotal }),
    async close() {
      if (closed) return;
      closed = true;
      if (silenceTimer !== null) clearTimeout(silenceTimer);
      acks?.cancelAll(`${target.binding}: adapter closed`);
      const l = link;
      link = null;
      if (l !== null) await l.release();
      telemetry$.complete();
    },
  };
}
