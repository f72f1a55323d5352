import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from '../logger.js';
import { detailOf, type VtnHttp } from './vtn-http.js';

export const NOTIFY_PATH = '/northbound/notify';
const MAX_BODY_BYTES = 1024 * 1024;

export interface SubscriberOptions {
  readonly http: VtnHttp;
  readonly venName: string;
  readonly listenHost: string;
  readonly listenPort: number;
  /** What the VTN calls; default http://<listenHost>:<port>/northbound/notify. */
  readonly callbackUrl: string | null;
  /** Our client secret: the callback's bearer token is derived from it, so it survives a restart. */
  readonly secret: string;
  /** A notification arrived: poll now. */
  readonly onNotify: () => void;
  readonly log: Pick<Logger, 'info' | 'warn'>;
}

export interface Subscriber {
  readonly callbackUrl: string;
  /** Makes sure the VTN has our subscription for each upstream program id; returns the problems met (retried on the next call). */
  ensure(upstreamProgramIds: readonly string[]): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * OpenADR 3 subscriptions, used only to learn sooner: a notification from the VTN triggers a
 * poll, and the poll (with its schema checks) stays the one source of what is mirrored, so a
 * forged, lost or reordered notification can cost at most one extra poll. The callback answers
 * only requests carrying the bearer token we gave the VTN in the subscription (OpenADR's
 * `bearerToken`), an HMAC of our secret and the URL.
 */
export async function startSubscriber(o: SubscriberOptions): Promise<Subscriber> {
  let token = '';
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'POST' || path !== NOTIFY_PATH) {
      res.writeHead(404).end();
      req.resume();
      return;
    }
    const given = Buffer.from(req.headers.authorization ?? '');
    const wanted = Buffer.from(`Bearer ${token}`);
    if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) {
      res.writeHead(401, { 'www-authenticate': 'Bearer' }).end();
      req.resume();
      return;
    }
    let bytes = 0;
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > MAX_BODY_BYTES) req.destroy();
    });
    req.on('end', () => {
      res.writeHead(204).end();
      o.onNotify();
    });
    req.on('error', () => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.listenPort, o.listenHost, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = o.listenHost.includes(':') ? `[${o.listenHost}]` : o.listenHost;
  const callbackUrl = o.callbackUrl ?? `http://${host}:${port}${NOTIFY_PATH}`;
  token = createHmac('sha256', o.secret).update(`openadr-callback:${callbackUrl}`).digest('base64url');
  o.log.info({ callbackUrl }, 'north-bound: listening for VTN notifications');
  const done = new Set<string>();

  const ensureOne = async (programID: string): Promise<void> => {
    const qs = new URLSearchParams({ programID, clientName: o.venName });
    const found = await o.http.request('GET', `/subscriptions?${qs.toString()}`);
    const ours = found.status === 200 && Array.isArray(found.body) && (found.body as unknown[]).some((s) => {
      const ops = (s as { objectOperations?: unknown } | null)?.objectOperations;
      return Array.isArray(ops) && ops.some((op) => (op as { callbackUrl?: unknown } | null)?.callbackUrl === callbackUrl);
    });
    if (ours) return;
    const body = {
      clientName: o.venName,
      programID,
      objectOperations: [{ objects: ['PROGRAM', 'EVENT'], operations: ['CREATE', 'UPDATE', 'DELETE'], callbackUrl, bearerToken: token }],
    };
    const res = await o.http.request('POST', '/subscriptions', body);
    if (res.status !== 201 && res.status !== 200) throw new Error(`POST /subscriptions for program ${programID}: HTTP ${res.status}${detailOf(res.body)}`);
    o.log.info({ programID, callbackUrl }, 'north-bound: subscribed to the VTN\'s program');
  };

  return {
    callbackUrl,
    ensure: async (ids) => {
      const problems: string[] = [];
      for (const id of ids) {
        if (done.has(id)) continue;
        try {
          await ensureOne(id);
          done.add(id);
        } catch (err) {
          problems.push((err as Error).message);
        }
      }
      return problems;
    },
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
