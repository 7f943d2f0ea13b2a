/**
 * Delay before retry number `attempt` (1 = the first retry): `baseMs * 2^(attempt-1)`, capped,
 * then shortened by a random share of up to `jitter` (0..1) so a provider outage does not see every
 * held-back message return at the same instant. `random` is injected (0 <= r < 1).
 */
export function retryDelayMs(attempt: number, baseMs: number, random: number, options: { jitter?: number; maxMs?: number } = {}): number {
  const jitter = options.jitter ?? 0.5;
  const maxMs = options.maxMs ?? 3_600_000;
  const exponent = Math.min(Math.max(attempt - 1, 0), 30);
  const full = Math.min(baseMs * 2 ** exponent, maxMs);
  return Math.max(1, Math.round(full * (1 - jitter * random)));
}
