import type { AdapterHealth, AdapterTarget } from '../domain/index.js';

type Target = Pick<AdapterTarget, 'siteId' | 'assetId' | 'binding'>;

interface Seen {
  readonly target: Target;
  connected: boolean;
  everConnected: boolean;
  consecutiveErrors: number;
  errors: number;
  reconnects: number;
}

/** `modbus`, `modbus-rtu`, `opcua`, `mqtt` (the binding's scheme; opc.tcp reads as opcua). */
export function protocolOf(binding: string): string {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(binding)?.[1]?.toLowerCase() ?? 'unknown';
  return scheme === 'opc.tcp' ? 'opcua' : scheme;
}

/**
 * Error and reconnect totals per device, derived from the health every adapter already keeps
 * (AdapterHealth has a consecutive-error count and a connected flag, no totals). Sampling
 * misses what happens and heals between two samples, so the totals are lower bounds.
 */
export class AdapterCounters {
  private readonly seen = new Map<string, Seen>();

  sample(adapters: ReadonlyArray<{ readonly target: Target; health(): AdapterHealth }>): void {
    for (const a of adapters) {
      const key = `${a.target.siteId}/${a.target.assetId}`;
      const h = a.health();
      let s = this.seen.get(key);
      if (s === undefined) {
        s = { target: a.target, connected: h.connected, everConnected: h.connected, consecutiveErrors: 0, errors: 0, reconnects: 0 };
        this.seen.set(key, s);
      } else if (h.connected && !s.connected && s.everConnected) {
        s.reconnects += 1;
      }
      // A run of errors grows, or ended (reset to 0) and a new one began since the last sample.
      s.errors += h.consecutiveErrors >= s.consecutiveErrors ? h.consecutiveErrors - s.consecutiveErrors : h.consecutiveErrors;
      s.consecutiveErrors = h.consecutiveErrors;
      s.connected = h.connected;
      s.everConnected ||= h.connected;
    }
  }

  entries(): Array<[Target, { readonly errors: number; readonly reconnects: number }]> {
    return [...this.seen.values()].map((s) => [s.target, { errors: s.errors, reconnects: s.reconnects }]);
  }
}
