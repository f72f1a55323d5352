import mqtt, { type MqttClient } from 'mqtt';
import { VppError } from '../../../src/domain/errors.js';
import type { SimDevice } from '../device.js';
import { ackJson, applyCommand, telemetryJson } from './payload.js';
import { deviceTopics, gatewayDevicesTopic, gatewayStatusTopic, type DeviceTopics } from './topics.js';

/** Counters shared by every connection of one simulator. */
export interface MqttSimCounters {
  telemetrySent: number;
  commandsAccepted: number;
  commandsRejected: number;
  errors: number;
  lastError: string | null;
}

export interface GatewayOptions {
  readonly index: number;
  readonly brokerUrl: string;
  readonly clientId: string;
  readonly topicPrefix: string;
  readonly devices: readonly SimDevice[];
  readonly publishIntervalMs: number;
  /** Delay of this connection's first tick, so that connections publish spread over the interval. */
  readonly phaseMs: number;
  readonly clock: () => number;
  readonly counters: MqttSimCounters;
}

/** One broker connection carrying a group of devices, as a field gateway does. */
export interface Gateway {
  readonly connected: () => boolean;
  /** Connects and subscribes; resolves once command topics are subscribed. */
  start(): Promise<void>;
  /** Drops the connection without DISCONNECT, so the broker publishes the last will. */
  drop(): Promise<void>;
  /** Clean close: publishes `offline` for every device and the gateway, then disconnects. */
  close(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;
/** Shared publish options: mqtt.js only reads them, and a literal per message would allocate. */
const TELEMETRY_OPTS = { qos: 0 } as const;
const STATUS_OPTS = { qos: 1, retain: true } as const;
const ACK_OPTS = { qos: 1 } as const;

interface Entry {
  readonly device: SimDevice;
  readonly topics: DeviceTopics;
}

export function createGateway(opts: GatewayOptions): Gateway {
  const entries: Entry[] = opts.devices.map((device) => ({ device, topics: deviceTopics(opts.topicPrefix, device) }));
  const byCommandTopic = new Map<string, Entry>(entries.map((e) => [e.topics.command, e]));
  const statusTopic = gatewayStatusTopic(opts.topicPrefix, opts.index);
  const devicesPayload = JSON.stringify(opts.devices.map((d) => `${d.siteId}/${d.assetId}`));
  let client: MqttClient | null = null;
  let phaseTimer: NodeJS.Timeout | null = null;
  let interval: NodeJS.Timeout | null = null;

  const fail = (error: unknown): void => {
    opts.counters.errors += 1;
    opts.counters.lastError = `gateway ${opts.index}: ${error instanceof Error ? error.message : String(error)}`;
  };

  const tick = (): void => {
    const c = client;
    if (c === null || !c.connected) return;
    // One timestamp per tick: every device of the group is sampled at the same instant.
    const iso = new Date(opts.clock()).toISOString();
    for (const { device, topics } of entries) {
      if (device.online?.() === false) continue; // a lost device goes silent
      try {
        c.publish(topics.telemetry, telemetryJson(iso, device.readings()), TELEMETRY_OPTS);
        opts.counters.telemetrySent += 1;
      } catch (error) {
        fail(error);
      }
    }
  };

  const onMessage = (topic: string, payload: Buffer): void => {
    const entry = byCommandTopic.get(topic);
    if (entry === undefined || client === null) return;
    if (entry.device.online?.() === false) return; // a lost device neither acts nor acks
    const outcome = applyCommand(entry.device, payload);
    if (outcome.ok) opts.counters.commandsAccepted += 1;
    else opts.counters.commandsRejected += 1;
    client.publish(entry.topics.ack, ackJson(outcome), ACK_OPTS, (err) => {
      if (err) fail(err);
    });
  };

  /** Runs on every (re)connect: a clean session has no subscriptions, and the will may have fired. */
  const announce = (c: MqttClient): Promise<void> => {
    c.publish(statusTopic, 'online', STATUS_OPTS);
    c.publish(gatewayDevicesTopic(opts.topicPrefix, opts.index), devicesPayload, STATUS_OPTS);
    for (const { topics } of entries) c.publish(topics.status, 'online', STATUS_OPTS);
    return new Promise((resolve, reject) => {
      c.subscribe([...byCommandTopic.keys()], { qos: 1 }, (err) => (err ? reject(err) : resolve()));
    });
  };

  const startTimers = (): void => {
    if (phaseTimer !== null || interval !== null) return;
    phaseTimer = setTimeout(() => {
      phaseTimer = null;
      interval = setInterval(tick, opts.publishIntervalMs);
      tick();
    }, opts.phaseMs);
  };

  const stopTimers = (): void => {
    if (phaseTimer !== null) clearTimeout(phaseTimer);
    if (interval !== null) clearInterval(interval);
    phaseTimer = null;
    interval = null;
  };

  const end = (c: MqttClient, force: boolean): Promise<void> =>
    new Promise((resolve) => {
      c.end(force, {}, () => resolve());
    });

  const connect = (): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const c = mqtt.connect(opts.brokerUrl, {
        clientId: opts.clientId,
        clean: true,
        protocolVersion: 4,
        reconnectPeriod: 1000,
        connectTimeout: START_TIMEOUT_MS,
        // Telemetry published while the broker is away is stale by the time it returns.
        queueQoSZero: false,
        // We subscribe on every connect ourselves (announce), so mqtt.js must not do it twice.
        resubscribe: false,
        will: { topic: statusTopic, payload: Buffer.from('offline'), qos: 1, retain: true },
      });
      client = c;
      let settled = false;
      const timeout = setTimeout(() => settle(new VppError('SIM_MQTT_CONNECT', `brokerUrl ${opts.brokerUrl}: no CONNACK within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
      const settle = (error: unknown): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timeout);
        if (error === null) {
          startTimers();
          resolve();
        } else {
          c.end(true);
          reject(error instanceof VppError ? error : new VppError('SIM_MQTT_CONNECT', `brokerUrl ${opts.brokerUrl}: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
        }
      };
      c.on('message', onMessage);
      c.on('connect', () => {
        announce(c).then(() => settle(null), (err: unknown) => (settled ? fail(err) : settle(err)));
      });
      c.on('error', (err) => (settled ? fail(err) : settle(err)));
    });

  return {
    connected: () => client?.connected ?? false,
    async start() {
      // A client still retrying on its own (broker gone) is replaced, not left running beside.
      const old = client;
      client = null;
      stopTimers();
      if (old !== null) await end(old, true);
      await connect();
    },
    async drop() {
      const c = client;
      client = null;
      stopTimers();
      if (c !== null) await end(c, true);
    },
    async close() {
      const c = client;
      client = null;
      stopTimers();
      if (c === null) return;
      if (!c.connected) return end(c, true);
      // A clean DISCONNECT suppresses the will, so say `offline` ourselves, for each device too.
      for (const { topics } of entries) c.publish(topics.status, 'offline', STATUS_OPTS);
      c.publish(statusTopic, 'offline', STATUS_OPTS);
      await end(c, false);
    },
  };
}
