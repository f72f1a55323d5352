import { VppError } from '../../../src/domain/errors.js';
import type { SimDevice } from '../device.js';

/** The topics of one device, built once so that publishing allocates nothing but the payload. */
export interface DeviceTopics {
  readonly telemetry: string;
  readonly status: string;
  readonly command: string;
  readonly ack: string;
}

export function deviceTopics(prefix: string, device: SimDevice): DeviceTopics {
  const base = `${prefix}/${device.siteId}/${device.assetId}`;
  return { telemetry: `${base}/telemetry`, status: `${base}/status`, command: `${base}/command`, ack: `${base}/ack` };
}

/** Where a connection's last will lands: the broker publishes `offline` here when it drops. */
export function gatewayStatusTopic(prefix: string, gatewayIndex: number): string {
  return `${prefix}/_gateways/${gatewayIndex}/status`;
}

/** Retained list of the `<site>/<asset>` pairs a gateway connection carries. */
export function gatewayDevicesTopic(prefix: string, gatewayIndex: number): string {
  return `${prefix}/_gateways/${gatewayIndex}/devices`;
}

/**
 * A topic level must be non-empty and free of MQTT's separator and wildcards, or a device's
 * topics would collide with (or subscribe to) another's.
 */
function checkLevel(field: string, value: string): void {
  if (value === '' || /[/+#]/.test(value) || value.includes('\0')) {
    throw new VppError('SIM_MQTT_TOPIC_INVALID', `${field} must be a non-empty MQTT topic level without '/', '+', '#' or NUL, got ${JSON.stringify(value)}`);
  }
}

/** Checks the prefix and every device's ids; throws on the first invalid or duplicate one. */
export function checkTopics(prefix: string, devices: readonly SimDevice[]): void {
  if (prefix === '' || /[+#]/.test(prefix) || prefix.includes('\0') || prefix.startsWith('/') || prefix.endsWith('/')) {
    throw new VppError('SIM_MQTT_TOPIC_INVALID', `topicPrefix must be non-empty, without '+', '#', NUL or a leading/trailing '/', got ${JSON.stringify(prefix)}`);
  }
  const seen = new Set<string>();
  devices.forEach((device, i) => {
    checkLevel(`devices[${i}].siteId`, device.siteId);
    checkLevel(`devices[${i}].assetId`, device.assetId);
    if (device.siteId === '_gateways') {
      throw new VppError('SIM_MQTT_TOPIC_INVALID', `devices[${i}].siteId '_gateways' is reserved for connection status topics`);
    }
    const key = `${device.siteId}/${device.assetId}`;
    if (seen.has(key)) throw new VppError('SIM_MQTT_DUPLICATE_DEVICE', `devices[${i}]: ${key} appears twice`);
    seen.add(key);
  });
}
