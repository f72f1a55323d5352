import { randomBytes } from 'node:crypto';
import { VppError } from '../../../src/domain/errors.js';
import type { SimDevice } from '../device.js';
import { startInProcessBroker, type InProcessBroker } from './broker.js';
import { createGateway, type Gateway, type MqttSimCounters } from './gateway.js';
import { checkTopics } from './topics.js';

export interface MqttSimulatorOptions {
  /** `mqtt://host:port` of the broker to use; absent = start aedes in this process on 127.0.0.1. */
  readonly brokerUrl?: string;
  readonly devices: readonly SimDevice[];
  /** First topic level(s); default `vpp-sim`. */
  readonly topicPrefix?: string;
  /** Telemetry period per device; default 1 s. */
  readonly publishIntervalS?: number;
  /** Devices sharing one broker connection (a gateway); default 100. */
  readonly devicesPerConnection?: number;
  /** Time stamped into telemetry, epoch ms; default Date.now (pass the simulated clock). */
  readonly clock?: () => number;
}

export interface MqttSimulatorStats {
  readonly devices: number;
  readonly connections: number;
  readonly connected: number;
  readonly telemetrySent: number;
  readonly commandsAccepted: number;
  readonly commandsRejected: number;
  readonly errors: number;
  readonly lastError: string | null;
}

export interface MqttSimulator {
  readonly brokerUrl: string;
  stats(): MqttSimulatorStats;
  /** Drops every connection without DISCONNECT, so the broker publishes each last will. */
  disconnect(): Promise<void>;
  /** Connects the dropped connections again; resolves once all are subscribed. */
  reconnect(): Promise<void>;
  /** Publishes `offline` for every device, disconnects cleanly, stops the in-process broker. */
  close(): Promise<void>;
}

function positive(field: string, value: number, integer: boolean): number {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new VppError('SIM_MQTT_OPTION_INVALID', `${field} must be a positive ${integer ? 'integer' : 'number'}, got ${value}`);
  }
  return value;
}

/**
 * Publishes the devices' telemetry over MQTT and applies the commands it receives. Devices are
 * grouped per connection; each connection has one timer for all its devices, and the
 * connections' ticks are spread across the interval to keep the publish load flat.
 */
export async function startMqttSimulator(opts: MqttSimulatorOptions): Promise<MqttSimulator> {
  const prefix = opts.topicPrefix ?? 'vpp-sim';
  const intervalMs = positive('publishIntervalS', opts.publishIntervalS ?? 1, false) * 1000;
  const perConnection = positive('devicesPerConnection', opts.devicesPerConnection ?? 100, true);
  checkTopics(prefix, opts.devices);
  if (opts.brokerUrl !== undefined && !/^mqtts?:\/\/[^/]+/.test(opts.brokerUrl)) {
    throw new VppError('SIM_MQTT_OPTION_INVALID', `brokerUrl must be mqtt://host:port or mqtts://host:port, got ${JSON.stringify(opts.brokerUrl)}`);
  }
  const broker: InProcessBroker | null = opts.brokerUrl === undefined ? await startInProcessBroker() : null;
  const brokerUrl = opts.brokerUrl ?? broker?.url ?? '';
  const counters: MqttSimCounters = { telemetrySent: 0, commandsAccepted: 0, commandsRejected: 0, errors: 0, lastError: null };
  const instance = randomBytes(4).toString('hex');
  const groups = Math.ceil(opts.devices.length / perConnection);
  const gateways: Gateway[] = [];
  for (let n = 0; n < groups; n += 1) {
    gateways.push(
      createGateway({
        index: n,
        brokerUrl,
        clientId: `vpp-sim-${instance}-${n}`,
        topicPrefix: prefix,
        devices: opts.devices.slice(n * perConnection, (n + 1) * perConnection),
        publishIntervalMs: intervalMs,
        phaseMs: (intervalMs * n) / groups,
        clock: opts.clock ?? Date.now,
        counters,
      }),
    );
  }

  const results = await Promise.allSettled(gateways.map((g) => g.start()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) {
    await Promise.all(gateways.map((g) => g.drop()));
    await broker?.close();
    throw failed.reason;
  }

  let closed = false;
  return {
    brokerUrl,
    stats: () => ({
      devices: opts.devices.length,
      connections: gateways.length,
      connected: gateways.filter((g) => g.connected()).length,
      ...counters,
    }),
    async disconnect() {
      await Promise.all(gateways.map((g) => g.drop()));
    },
    async reconnect() {
      if (closed) throw new VppError('SIM_MQTT_CLOSED', 'reconnect: the simulator is closed');
      await Promise.all(gateways.map((g) => (g.connected() ? undefined : g.start())));
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(gateways.map((g) => g.close()));
      await broker?.close();
    },
  };
}
