import { VppError } from '../../src/domain/errors.js';

/** Where a device is reached over MQTT: the broker, the topic prefix and the profile to read it with. */
export interface MqttBinding {
  /** `mqtt://host:port` or `mqtts://host:port`, without path or query. */
  readonly brokerUrl: string;
  readonly username?: string;
  readonly password?: string;
  /** The URL path without its leading `/`: fills `{prefix}` in the profile's topic templates. */
  readonly prefix: string;
  readonly profile: string;
  /** Overrides of `{site}` and `{asset}`, when the device's ids differ from the target's. */
  readonly site?: string;
  readonly asset?: string;
}

const MQTT_PORT = 1883;
const MQTTS_PORT = 8883;
const PARAMS: readonly string[] = ['profile', 'site', 'asset'];

function invalid(url: string, reason: string): VppError {
  return new VppError('BINDING_INVALID', `binding '${url}': ${reason}`);
}

/** One topic level: a wildcard or separator here would subscribe to other devices' topics. */
function level(url: string, field: string, value: string): string {
  if (value === '' || /[/+#\0]/.test(value)) throw invalid(url, `${field} must be one MQTT topic level without '/', '+', '#', got ${JSON.stringify(value)}`);
  return value;
}

/** Parses `mqtt://host:port/<topic-prefix>?profile=<name>[&site=<id>&asset=<id>]`. */
export function parseMqttUrl(url: string): MqttBinding {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalid(url, 'is not a URL');
  }
  if (u.protocol !== 'mqtt:' && u.protocol !== 'mqtts:') throw invalid(url, `scheme must be mqtt: or mqtts:, got ${u.protocol}`);
  if (u.hostname === '') throw invalid(url, 'host is missing (mqtt://host:port/prefix)');
  for (const key of u.searchParams.keys()) {
    if (!PARAMS.includes(key)) throw invalid(url, `query parameter '${key}' is not known (known: ${PARAMS.join(', ')})`);
  }
  const prefix = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (prefix === '' || prefix.endsWith('/') || /[+#\0]/.test(prefix) || prefix.split('/').includes('')) {
    throw invalid(url, `topic prefix (the URL path) must be non-empty topic levels without '+', '#' or empty levels, got ${JSON.stringify(prefix)}`);
  }
  const profile = u.searchParams.get('profile');
  if (profile === null || profile === '') throw invalid(url, 'profile is required (?profile=<name> of config/devices/<name>.yaml)');
  const port = u.port === '' ? (u.protocol === 'mqtts:' ? MQTTS_PORT : MQTT_PORT) : Number(u.port);
  const site = u.searchParams.get('site');
  const asset = u.searchParams.get('asset');
  return {
    brokerUrl: `${u.protocol}//${u.hostname}:${port}`,
    ...(u.username !== '' ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password !== '' ? { password: decodeURIComponent(u.password) } : {}),
    prefix,
    profile,
    ...(site !== null ? { site: level(url, 'site', site) } : {}),
    ...(asset !== null ? { asset: level(url, 'asset', asset) } : {}),
  };
}
