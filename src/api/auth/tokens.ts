import { createHash, randomBytes } from 'node:crypto';
import type { Scope } from './scopes.js';

export interface IssuedToken {
  readonly accessToken: string;
  readonly expiresInS: number;
}

interface Grant {
  readonly clientId: string;
  readonly scopes: readonly Scope[];
  readonly expiresAtMs: number;
}

/*
 * Opaque bearer tokens (32 random bytes) kept in memory with their expiry, rather than signed
 * ones: nothing to leak from the data dir, no key rotation, and a restart simply makes clients
 * fetch a new token (they must handle expiry anyway). Several controller processes would keep
 * them in the shared registry instead. The map is keyed by the token's SHA-256, so a heap
 * dump does not hand out usable tokens.
 */
export class TokenStore {
  private readonly grants = new Map<string, Grant>();
  private static readonly MAX_PER_CLIENT = 20;

  constructor(
    private readonly ttlS: number,
    private readonly nowMs: () => number,
  ) {}

  issue(clientId: string, scopes: readonly Scope[]): IssuedToken {
    this.sweep();
    this.capClient(clientId);
    const accessToken = randomBytes(32).toString('base64url');
    this.grants.set(digest(accessToken), { clientId, scopes, expiresAtMs: this.nowMs() + this.ttlS * 1000 });
    return { accessToken, expiresInS: this.ttlS };
  }

  /** The grant behind a live token, or null when unknown or expired. */
  lookup(accessToken: string): Grant | null {
    const key = digest(accessToken);
    const grant = this.grants.get(key);
    if (grant === undefined) return null;
    if (grant.expiresAtMs <= this.nowMs()) {
      this.grants.delete(key);
      return null;
    }
    return grant;
  }

  private sweep(): void {
    const now = this.nowMs();
    for (const [key, g] of this.grants) if (g.expiresAtMs <= now) this.grants.delete(key);
  }

  // A client asking for tokens in a loop must not grow memory without bound: oldest go first.
  private capClient(clientId: string): void {
    const own = [...this.grants].filter(([, g]) => g.clientId === clientId);
    for (const [key] of own.slice(0, Math.max(0, own.length - TokenStore.MAX_PER_CLIENT + 1))) this.grants.delete(key);
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}
