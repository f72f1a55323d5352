import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header our webhook requests carry: `t=<unix seconds>,v1=<hex HMAC-SHA256>`. */
export const SIGNATURE_HEADER = 'X-VPP-Signature';

/**
 * Signs a webhook body as Stripe and others do: HMAC-SHA256, keyed with the subscription's
 * signing secret (its UTF-8 bytes), over `<t>.<raw body>`. The time inside the signed text lets
 * a receiver refuse a replayed request that is older than it tolerates.
 */
export function signWebhook(secret: string, body: string, atS: number): string {
  const mac = createHmac('sha256', secret).update(`${atS}.${body}`, 'utf8').digest('hex');
  return `t=${atS},v1=${mac}`;
}

/**
 * What a receiver does: true when `header` holds a v1 signature of `body` under `secret` made
 * within `toleranceS` of `nowS`. Compares in constant time.
 */
export function verifyWebhook(secret: string, header: string, body: string, nowS: number, toleranceS = 300): boolean {
  const parts = new Map<string, string[]>();
  for (const kv of header.split(',')) {
    const [k, v] = kv.split('=', 2).map((x) => x.trim());
    if (k !== undefined && v !== undefined) parts.set(k, [...(parts.get(k) ?? []), v]);
  }
  const t = Number(parts.get('t')?.[0]);
  if (!Number.isInteger(t) || Math.abs(nowS - t) > toleranceS) return false;
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`, 'utf8').digest('hex'));
  return (parts.get('v1') ?? []).some((v) => {
    const got = Buffer.from(v);
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}
