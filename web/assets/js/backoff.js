// How long to wait before the next reconnection attempt.

export const RECONNECT = Object.freeze({ firstMs: 500, factor: 2, maxMs: 30000, jitter: 0.2 });

/** The wait before attempt ``attempt`` (0 for the first retry): doubling from
 *  half a second up to 30 s, each spread by ±20 % so that the clients of a
 *  restarted edge do not all come back at the same instant. */
export function reconnectDelay(attempt, random = Math.random, policy = RECONNECT) {
  const base = Math.min(policy.maxMs, policy.firstMs * policy.factor ** Math.max(0, attempt));
  const spread = base * policy.jitter;
  return Math.round(Math.min(policy.maxMs, base - spread + random() * 2 * spread));
}
