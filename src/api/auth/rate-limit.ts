/**
 * Failed logins per key (client id, IP): a token bucket of `limit` tries refilled evenly over
 * `windowMs`, so 5 per minute allows a burst of 5, then one every 12 s. In memory: a restart
 * forgets it, which costs an attacker a restart per burst; a shared limit for several
 * processes would live in PostgreSQL or the proxy in front.
 */
export class FailureLimiter {
  private readonly buckets = new Map<string, { tokens: number; atMs: number }>();
  private static readonly MAX_KEYS = 10_000;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly nowMs: () => number,
  ) {}

  /** 0 when `key` may try now; otherwise the whole seconds until its next try. */
  retryAfterS(key: string): number {
    const tokens = this.tokens(key);
    if (tokens >= 1) return 0;
    return Math.max(1, Math.ceil(((1 - tokens) * this.windowMs) / this.limit / 1000));
  }

  fail(key: string): void {
    if (this.buckets.size >= FailureLimiter.MAX_KEYS) this.sweep();
    this.buckets.set(key, { tokens: Math.max(0, this.tokens(key) - 1), atMs: this.nowMs() });
  }

  /** Gives back a try taken by `fail` (the login it was reserved for succeeded). */
  refund(key: string): void {
    const b = this.buckets.get(key);
    if (b !== undefined) this.buckets.set(key, { tokens: Math.min(this.limit, this.tokens(key) + 1), atMs: this.nowMs() });
  }

  private tokens(key: string): number {
    const b = this.buckets.get(key);
    if (b === undefined) return this.limit;
    const refill = ((this.nowMs() - b.atMs) * this.limit) / this.windowMs;
    return Math.min(this.limit, b.tokens + Math.max(0, refill));
  }

  // Keys that have refilled carry no information: drop them so random ids cannot grow the map.
  private sweep(): void {
    for (const key of [...this.buckets.keys()]) if (this.tokens(key) >= this.limit) this.buckets.delete(key);
  }
}
