import type { OpenAdrNotification } from '../domain/index.js';
import { visibleToVen, type OpenAdrBody, type OpenAdrRecord, type RegistryChange } from '../store/index.js';

/** One notification for one callback URL of one subscription. */
export interface MatchedDelivery {
  readonly subscriptionId: string;
  readonly callbackUrl: string;
  readonly bearerToken: string | null;
  readonly notification: OpenAdrNotification;
}

// A subscription lists OpenADR operations; a change is HTTP-style, as the notification says it.
const OPERATION_OF = { POST: 'CREATE', PUT: 'UPDATE', DELETE: 'DELETE' } as const;

interface ObjectOperation {
  readonly objects: readonly unknown[];
  readonly operations: readonly unknown[];
  readonly callbackUrl: string;
  readonly bearerToken: string | null;
}

function objectOperations(sub: OpenAdrBody): ObjectOperation[] {
  const ops = Array.isArray(sub['objectOperations']) ? (sub['objectOperations'] as unknown[]) : [];
  return ops.flatMap((op) => {
    const o = op as { objects?: unknown; operations?: unknown; callbackUrl?: unknown; bearerToken?: unknown };
    if (!Array.isArray(o.objects) || !Array.isArray(o.operations) || typeof o.callbackUrl !== 'string') return [];
    return [{ objects: o.objects, operations: o.operations, callbackUrl: o.callbackUrl, bearerToken: typeof o.bearerToken === 'string' ? o.bearerToken : null }];
  });
}

function targetsOf(body: OpenAdrBody): { type: unknown; values: unknown[] }[] {
  const ts = Array.isArray(body['targets']) ? (body['targets'] as unknown[]) : [];
  return ts.flatMap((t) => {
    const m = t as { type?: unknown; values?: unknown } | null;
    return m !== null && typeof m === 'object' && Array.isArray(m.values) ? [{ type: m.type, values: m.values as unknown[] }] : [];
  });
}

/** The program an object belongs to; undefined for vens and resources, which belong to none. */
function programOf(change: RegistryChange): unknown {
  if (change.objectType === 'PROGRAM') return change.object['id'];
  if (change.objectType === 'VEN' || change.objectType === 'RESOURCE') return undefined;
  return change.object['programID'];
}

/**
 * OpenADR: subscription targets "used by server to filter callbacks". An object that has
 * targets must share one (same type, a common value) with a subscription that lists some;
 * objects without targets are not filtered.
 */
function targetsMatch(sub: OpenAdrBody, object: OpenAdrBody): boolean {
  const wanted = targetsOf(sub);
  const have = targetsOf(object);
  if (wanted.length === 0 || have.length === 0) return true;
  return wanted.some((w) => have.some((h) => h.type === w.type && h.values.some((v) => w.values.includes(v))));
}

/**
 * Whether a site's subscription may hear of a change: only what the site could read through
 * the API. Programs and events addressed to it, its own reports and subscriptions, its ven and
 * that ven's resources.
 */
export function siteMaySee(change: RegistryChange, site: { readonly venId: string; readonly venName: string }): boolean {
  const o = change.object;
  switch (change.objectType) {
    case 'PROGRAM':
    case 'EVENT':
      return visibleToVen(o, site.venName);
    case 'REPORT':
    case 'SUBSCRIPTION':
      return change.ownerVenId === site.venId;
    case 'VEN':
      return o['venName'] === site.venName;
    case 'RESOURCE':
      return o['venID'] === site.venId;
  }
}

/**
 * The deliveries a change causes: per subscription whose objectOperations list the object
 * type and operation, whose program is the object's (vens and resources: any), whose targets
 * match, and, for a site's subscription, which may see the object; one per callback URL.
 * `venNameOf` gives a ven's site id (undefined when the ven is gone: then nothing is sent).
 */
export function deliveriesFor(change: RegistryChange, subscriptions: readonly OpenAdrRecord[], venNameOf: (venId: string) => string | undefined): MatchedDelivery[] {
  const operation = OPERATION_OF[change.operation];
  const program = programOf(change);
  const targets = targetsOf(change.object);
  const notification: OpenAdrNotification = {
    objectType: change.objectType,
    operation: change.operation,
    object: change.object as unknown as OpenAdrNotification['object'],
    ...(targets.length > 0 ? { targets: change.object['targets'] as OpenAdrNotification['targets'] } : {}),
  };
  const out: MatchedDelivery[] = [];
  for (const sub of subscriptions) {
    if (program !== undefined && sub.body['programID'] !== program) continue;
    if (!targetsMatch(sub.body, change.object)) continue;
    const owner = sub.ownerVenId ?? null;
    if (owner !== null) {
      const venName = venNameOf(owner);
      if (venName === undefined || !siteMaySee(change, { venId: owner, venName })) continue;
    }
    const urls = new Set<string>();
    for (const op of objectOperations(sub.body)) {
      if (!op.objects.includes(change.objectType) || !op.operations.includes(operation) || urls.has(op.callbackUrl)) continue;
      urls.add(op.callbackUrl);
      out.push({ subscriptionId: sub.id, callbackUrl: op.callbackUrl, bearerToken: op.bearerToken, notification });
    }
  }
  return out;
}
