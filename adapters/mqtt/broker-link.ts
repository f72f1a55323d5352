import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import { QlobberDedup } from 'qlobber';

/** What a device adapter hears from the connection it shares. */
export interface LinkListener {
  onMessage(topic: string, payload: Buffer): void;
  /** The connection is up again and this listener's filters are subscribed again. */
  onResubscribed(): void;
  onLost(reason: string): void;
  onError(message: string): void;
}

/** One adapter's hold on its broker's connection. */
export interface BrokerLink {
  readonly client: MqttClient;
  connected(): boolean;
  /** Unsubscribes what this holder alone subscribed; the last one to leave ends the connection. */
  release(): Promise<void>;
}

export interface BrokerKey {
  readonly brokerUrl: string;
  readonly username?: string;
  readonly password?: string;
  readonly connectTimeoutMs: number;
  readonly reconnectPeriodMs: number;
}

/** Filters per SUBSCRIBE packet on a reconnect: a few thousand in one packet is fine, tens of thousands make one huge packet. */
const SUBSCRIBE_CHUNK = 1000;

interface Waiter {
  readonly filters: readonly string[];
  readonly resolve: () => void;
  readonly reject: (e: Error) => void;
}

/**
 * One MQTT connection per broker and credentials in this process, shared by every device
 * adapter that reaches a device through that broker: a controller with 2,000 MQTT devices made
 * 2,000 connections, each with its own keep-alive, parser and CONNACK to wait for, and a
 * takeover of 500 sites stalled on "connack timeout". Messages go to the adapters whose
 * filters match (qlobber, the matcher aedes uses); subscriptions are counted per filter and
 * batched per tick, and are made again on every reconnect.
 */
class SharedConnection {
  readonly client: MqttClient;
  private readonly routes = new QlobberDedup<LinkListener>({ separator: '/', wildcard_one: '+', wildcard_some: '#', match_empty_levels: true });
  private readonly filterCounts = new Map<string, number>();
  private readonly listeners = new Set<LinkListener>();
  private waiting: Waiter[] = [];
  private flushQueued = false;
  /** Filters subscribed (or being subscribed) on the current connection. */
  private readonly subscribed = new Set<string>();
  /** Subscriptions are being made again after a reconnect; new holders wait for that. */
  private resubscribing: Promise<void> | null = null;

  constructor(
    private readonly key: BrokerKey,
    private readonly onEmpty: () => void,
  ) {
    this.client = mqtt.connect(key.brokerUrl, {
      clientId: `vpp-${process.pid}-${randomBytes(4).toString('hex')}`,
      ...(key.username !== undefined ? { username: key.username } : {}),
      ...(key.password !== undefined ? { password: key.password } : {}),
      clean: true,
      protocolVersion: 4,
      connectTimeout: key.connectTimeoutMs,
      reconnectPeriod: key.reconnectPeriodMs,
      // Made again per reconnect below, so that each adapter knows when its own filters are back.
      resubscribe: false,
    });
    this.client.setMaxListeners(0);
    this.client.on('message', (topic, payload) => {
      for (const l of this.routes.match(topic)) l.onMessage(topic, payload);
    });
    this.client.on('connect', () => {
      this.resubscribing = this.resubscribeAll();
    });
    this.client.on('error', (err) => {
      for (const l of this.listeners) l.onError(err.message);
    });
    this.client.on('close', () => {
      this.subscribed.clear();
      for (const l of this.listeners) l.onLost(`broker ${key.brokerUrl} connection lost`);
    });
  }

  private async resubscribeAll(): Promise<void> {
    const filters = [...this.filterCounts.keys()];
    for (const f of filters) this.subscribed.add(f);
    try {
      await this.subscribe(filters);
    } catch (err) {
      for (const l of this.listeners) l.onError(`subscribe failed: ${(err as Error).message}`);
      return;
    }
    for (const l of this.listeners) l.onResubscribed();
  }

  private async subscribe(filters: readonly string[]): Promise<void> {
    for (let i = 0; i < filters.length; i += SUBSCRIBE_CHUNK) {
      const granted = await this.client.subscribeAsync(filters.slice(i, i + SUBSCRIBE_CHUNK), { qos: 1 });
      // 128 in a SUBACK: the broker refused that filter (an ACL, most often).
      const refused = granted.filter((g) => g.qos === 128).map((g) => g.topic);
      if (refused.length > 0) throw new Error(`broker refused the subscription to ${refused.slice(0, 3).join(', ')}${refused.length > 3 ? ` and ${refused.length - 3} more` : ''}`);
    }
  }

  /**
   * Adds a holder: resolves once its filters are subscribed (the connection made first when it
   * is not up); rejects when the connection fails first. Either way the holder stays attached
   * and is subscribed with everyone else on the next connect: call release() to leave.
   */
  attach(filters: readonly string[], listener: LinkListener): Promise<void> {
    this.listeners.add(listener);
    const fresh: string[] = [];
    for (const f of filters) {
      this.routes.add(f, listener);
      const n = this.filterCounts.get(f) ?? 0;
      this.filterCounts.set(f, n + 1);
      if (n === 0) fresh.push(f);
    }
    return new Promise<void>((resolve, reject) => {
      this.waiting.push({ filters: fresh, resolve, reject });
      if (!this.flushQueued) {
        this.flushQueued = true;
        setImmediate(() => void this.flush());
      }
    });
  }

  /** Subscribes, in one packet, what the holders attached in this tick need. */
  private async flush(): Promise<void> {
    this.flushQueued = false;
    const batch = this.waiting;
    this.waiting = [];
    try {
      await this.whenConnected();
      // A reconnect in progress subscribes every counted filter, these included.
      if (this.resubscribing !== null) await this.resubscribing;
      const filters = [...new Set(batch.flatMap((w) => w.filters))].filter((f) => this.filterCounts.has(f) && !this.subscribed.has(f));
      for (const f of filters) this.subscribed.add(f);
      await this.subscribe(filters);
      for (const w of batch) w.resolve();
    } catch (err) {
      for (const w of batch) w.reject(err as Error);
    }
  }

  private whenConnected(): Promise<void> {
    if (this.client.connected) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const c = this.client;
      const done = (e: Error | null): void => {
        clearTimeout(timer);
        c.off('connect', onConnect);
        c.off('error', onError);
        c.off('close', onClose);
        if (e === null) resolve();
        else reject(e);
      };
      const onConnect = (): void => done(null);
      const onError = (e: Error): void => done(e);
      const onClose = (): void => done(new Error('connection closed before CONNACK'));
      // mqtt.js times out a CONNACK itself, but a broker that refuses the TCP connection at once is retried only every reconnect period.
      const timer = setTimeout(() => done(new Error(`no CONNACK within ${this.key.connectTimeoutMs} ms`)), this.key.connectTimeoutMs);
      c.on('connect', onConnect);
      c.on('error', onError);
      c.on('close', onClose);
    });
  }

  async detach(filters: readonly string[], listener: LinkListener): Promise<void> {
    if (!this.listeners.delete(listener)) return;
    const gone: string[] = [];
    for (const f of filters) {
      this.routes.remove(f, listener);
      const n = (this.filterCounts.get(f) ?? 1) - 1;
      if (n > 0) this.filterCounts.set(f, n);
      else {
        this.filterCounts.delete(f);
        this.subscribed.delete(f);
        gone.push(f);
      }
    }
    if (this.listeners.size === 0) {
      this.onEmpty();
      await this.client.endAsync(true);
      return;
    }
    // Offline, nothing to do: a reconnect subscribes only the filters still counted.
    if (this.client.connected && gone.length > 0) this.client.unsubscribe(gone);
  }
}

const connections = new Map<string, SharedConnection>();

/**
 * Attaches `listener` to this process's connection to the broker (made on first use) for
 * `filters`. `subscribed` settles when they are subscribed, or rejects when the connection fails
 * first; the link stays attached either way (it is subscribed on the next connect) until released.
 */
export function attachToBroker(key: BrokerKey, filters: readonly string[], listener: LinkListener): { link: BrokerLink; subscribed: Promise<void> } {
  const id = JSON.stringify([key.brokerUrl, key.username ?? null, key.password ?? null, key.connectTimeoutMs, key.reconnectPeriodMs]);
  let shared = connections.get(id);
  if (shared === undefined) {
    const made = new SharedConnection(key, () => {
      if (connections.get(id) === made) connections.delete(id);
    });
    shared = made;
    connections.set(id, made);
  }
  const s = shared;
  let released = false;
  const link: BrokerLink = {
    client: s.client,
    connected: () => s.client.connected,
    release: async () => {
      if (released) return;
      released = true;
      await s.detach(filters, listener);
    },
  };
  return { link, subscribed: s.attach(filters, listener) };
}
