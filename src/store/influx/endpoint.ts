import { VppError } from '../../domain/index.js';

/** Where InfluxDB listens, from a URL or host/port. */
export interface Endpoint {
  readonly host: string;
  readonly port: number;
  readonly protocol: 'http' | 'https';
  readonly username?: string;
  readonly password?: string;
}

export interface EndpointOptions {
  /** `http://host:port` (user:password@ allowed). Or give host/port. */
  readonly url?: string;
  readonly host?: string;
  readonly port?: number;
}

export function endpointOf(options: EndpointOptions): Endpoint {
  if (options.url !== undefined) {
    let url: URL;
    try {
      url = new URL(options.url);
    } catch {
      throw new VppError('STORE_CONFIG_INVALID', `influx store: url must be an http(s) URL, got ${JSON.stringify(options.url)}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new VppError('STORE_CONFIG_INVALID', `influx store: url must be http: or https:, got ${JSON.stringify(options.url)}`);
    }
    const protocol = url.protocol === 'https:' ? 'https' : 'http';
    const port = url.port === '' ? 8086 : Number(url.port);
    const auth = url.username === '' ? {} : { username: decodeURIComponent(url.username), password: decodeURIComponent(url.password) };
    return { host: url.hostname, port, protocol, ...auth };
  }
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 8086;
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new VppError('STORE_CONFIG_INVALID', `influx store: port must be 1..65535, got ${port}`);
  }
  return { host, port, protocol: 'http' };
}

