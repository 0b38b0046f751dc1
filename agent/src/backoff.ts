export interface BackoffPolicy {
  /** Delay cap for the first retry, in ms. */
  baseMs: number;
  /** Largest delay ever returned, in ms. */
  maxMs: number;
}

export const reconnectBackoff: BackoffPolicy = { baseMs: 500, maxMs: 30_000 };

/**
 * "Full jitter" exponential back-off: a uniform delay in [0, min(max, base·2^attempt)].
 * Spreads a fleet's reconnects after a broker restart instead of synchronizing them.
 * `random` is injected so tests are deterministic.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
