import { MessageSecurityMode, OPCUAClient, SecurityPolicy, type ClientSession, type ClientSubscription } from 'node-opcua';
import type { OpcuaSecurityMode } from './binding.js';
import { ClientCertificateManager } from './client-pki.js';
import { connectError, withTimeout } from './failures.js';

/** What a session is shared by: one per server endpoint, security mode and client PKI. */
export interface OpcuaEndpoint {
  readonly endpointUrl: string;
  readonly mode: OpcuaSecurityMode;
  readonly pkiDir: string;
  readonly trustUnknownServer: boolean;
}

/** An adapter using a shared session hears about the connection through these. */
export interface SessionUser {
  onLost(reason: string): void;
  onReestablished(): void;
}

/** A subscription shared by every device on the endpoint that asks for the same interval. */
export interface SharedSubscription {
  readonly subscription: ClientSubscription;
  /** When the server last answered a publish (data or keep-alive): proof the subscription lives. */
  lastPublishAtMs(): number;
  /**
   * Silence after which the subscription is dead: the server owes a publish response at least
   * every revised keep-alive count × publishing interval; two more intervals of grace, and no
   * less than MIN_DEAD_AFTER_MS, since a loaded machine delays responses by hundreds of ms.
   */
  readonly deadAfterMs: number;
}

export interface SharedSession {
  readonly session: ClientSession;
  subscription(intervalMs: number): Promise<SharedSubscription>;
  /** This user is done; the last one's release closes the session and the connection. */
  release(): Promise<void>;
}

const KEEP_ALIVE_COUNT = 3;
const MIN_DEAD_AFTER_MS = 1000;

interface Entry {
  readonly users: Set<SessionUser>;
  readonly ready: Promise<{ readonly client: OPCUAClient; readonly session: ClientSession }>;
  readonly subs: Map<number, Promise<SharedSubscription & { touch(): void }>>;
  readonly close: () => Promise<void>;
}

const live = new Map<string, Entry>();

async function createSubscription(session: ClientSession, intervalMs: number): Promise<SharedSubscription & { touch(): void }> {
  const subscription = await session.createSubscription2({
    requestedPublishingInterval: intervalMs,
    requestedMaxKeepAliveCount: KEEP_ALIVE_COUNT,
    requestedLifetimeCount: KEEP_ALIVE_COUNT * 10,
    maxNotificationsPerPublish: 0,
    publishingEnabled: true,
    priority: 1,
  });
  let lastAtMs = Date.now();
  subscription.on('raw_notification', () => (lastAtMs = Date.now()));
  const publishingMs = subscription.publishingInterval > 0 ? subscription.publishingInterval : intervalMs;
  const keepAlive = subscription.maxKeepAliveCount > 0 ? subscription.maxKeepAliveCount : KEEP_ALIVE_COUNT;
  return {
    subscription,
    lastPublishAtMs: () => lastAtMs,
    deadAfterMs: Math.max(MIN_DEAD_AFTER_MS, (keepAlive + 2) * publishingMs),
    touch: () => (lastAtMs = Date.now()),
  };
}

function open(key: string, ep: OpcuaEndpoint, timeoutMs: number, where: string): Entry {
  const cm = new ClientCertificateManager({ rootFolder: ep.pkiDir, automaticallyAcceptUnknownCertificate: ep.trustUnknownServer });
  const client = OPCUAClient.create({
    applicationName: 'vpp-controller',
    endpointMustExist: false,
    securityMode: ep.mode === 'None' ? MessageSecurityMode.None : MessageSecurityMode.SignAndEncrypt,
    securityPolicy: ep.mode === 'None' ? SecurityPolicy.None : SecurityPolicy.Basic256Sha256,
    clientCertificateManager: cm,
    // maxRetry > 0 is what turns node-opcua's reconnection on; reconnection itself retries forever.
    connectionStrategy: { maxRetry: 1, initialDelay: 200, maxDelay: 5000 },
    keepSessionAlive: true,
  });
  const users = new Set<SessionUser>();
  const subs: Entry['subs'] = new Map();
  let closing: Promise<void> | null = null;
  const close = (): Promise<void> =>
    (closing ??= (async () => {
      if (live.get(key) === entry) live.delete(key);
      await withTimeout(client.disconnect(), timeoutMs, `${ep.endpointUrl}: disconnect`).catch(() => undefined);
      await cm.dispose().catch(() => undefined);
    })());
  client.on('connection_lost', () => {
    for (const u of users) u.onLost('connection lost');
  });
  client.on('connection_reestablished', () => {
    // node-opcua has re-created the session, its subscriptions and monitored items by now.
    for (const s of subs.values()) void s.then((x) => x.touch(), () => undefined);
    for (const u of users) u.onReestablished();
  });
  const ready = withTimeout(
    (async () => {
      await client.connect(ep.endpointUrl);
      return { client, session: await client.createSession() };
    })(),
    timeoutMs,
    `${where}: connect`,
  ).catch(async (e: unknown) => {
    const err = connectError(e, cm.lastCheckedCertificate, where, ep.pkiDir);
    await close();
    throw err;
  });
  const entry: Entry = { users, ready, subs, close };
  live.set(key, entry);
  return entry;
}

/**
 * The session to `ep`, shared with every other device behind the same endpoint: a server
 * holding one session and one subscription for all of them costs it (and us) far less than
 * one each, and servers limit sessions. Reference counted; the connection's loss and return
 * reach every user.
 */
export async function acquireOpcuaSession(ep: OpcuaEndpoint, user: SessionUser, timeoutMs: number, where: string): Promise<SharedSession> {
  const key = JSON.stringify([ep.endpointUrl, ep.mode, ep.pkiDir, ep.trustUnknownServer]);
  const entry = live.get(key) ?? open(key, ep, timeoutMs, where);
  entry.users.add(user);
  let session: ClientSession;
  try {
    ({ session } = await entry.ready);
  } catch (e) {
    entry.users.delete(user);
    throw e;
  }
  let released = false;
  return {
    session,
    subscription(intervalMs) {
      let s = entry.subs.get(intervalMs);
      if (s === undefined) {
        s = createSubscription(session, intervalMs);
        entry.subs.set(intervalMs, s);
        // A failed creation is not kept: the next device tries again.
        s.catch(() => void entry.subs.delete(intervalMs));
      }
      return s;
    },
    async release() {
      if (released) return;
      released = true;
      entry.users.delete(user);
      if (entry.users.size === 0) await entry.close();
    },
  };
}
