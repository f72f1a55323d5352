import type { AdapterHealth, AdapterTarget } from '../domain/index.js';

type Target = Pick<AdapterTarget, 'siteId' | 'assetId' | 'binding'>;

interface Source {
  readonly target: Target;
  health(): AdapterHealth;
}

interface Seen {
  target: Target;
  /** The adapter counting now; null once it left (its totals are in the base). */
  adapter: Source | null;
  baseErrors: number;
  baseReconnects: number;
}

/** `modbus`, `modbus-rtu`, `opcua`, `mqtt` (the binding's scheme; opc.tcp reads as opcua). */
export function protocolOf(binding: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(binding)?.[1]?.toLowerCase() ?? 'unknown';
  return scheme === 'opc.tcp' ? 'opcua' : scheme;
}

/**
 * Error and reconnect totals per device (site/asset), exact: read from the monotonic totals
 * every adapter keeps (AdapterHealth.errorsTotal, reconnectsTotal). An adapter object replaced
 * by another for the same device (a site re-owned in a cluster, a reload) or gone has its final
 * totals kept as a base the next one adds to, so the exported counter never goes down. Adapters
 * are told apart by identity: sample() must get the adapter objects themselves, not copies made
 * per call. An adapter replaced twice between two samples loses the middle one's totals, hence
 * the periodic sample in metrics.ts.
 */
export class AdapterCounters {
  private readonly seen = new Map<string, Seen>();

  sample(adapters: ReadonlyArray<Source>): void {
    const present = new Set<string>();
    for (const a of adapters) {
      const key = `${a.target.siteId}/${a.target.assetId}`;
      present.add(key);
      const s = this.seen.get(key);
      if (s === undefined) {
        this.seen.set(key, { target: a.target, adapter: a, baseErrors: 0, baseReconnects: 0 });
      } else if (s.adapter !== a) {
        retire(s);
        s.adapter = a;
        s.target = a.target;
      }
    }
    for (const [key, s] of this.seen) if (!present.has(key)) retire(s);
  }

  /** Totals as of now: the current adapters' health is read, not the last sample's. */
  entries(): Array<[Target, { readonly errors: number; readonly reconnects: number }]> {
    return [...this.seen.values()].map((s) => {
      const h = s.adapter?.health();
      return [s.target, { errors: s.baseErrors + (h?.errorsTotal ?? 0), reconnects: s.baseReconnects + (h?.reconnectsTotal ?? 0) }];
    });
  }
}

/** Folds a departing adapter's final totals into the base (its health still answers after close()). */
function retire(s: Seen): void {
  if (s.adapter === null) return;
  const h = s.adapter.health();
  s.baseErrors += h.errorsTotal;
  s.baseReconnects += h.reconnectsTotal;
  s.adapter = null;
}
