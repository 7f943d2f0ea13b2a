import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import type { Principal } from '../auth/index.js';
import { problem, sendProblem } from './problem.js';

/*
 * Rate limits per caller: each API key, and each member behind member tokens (all of a member's
 * tokens share one budget). GCRA (a token bucket kept as one timestamp): `perMinute` requests a
 * minute on average, up to `burst` at once. The state lives in Redis, so every api process
 * shares one budget per caller; Redis' own clock decides, so the processes' clocks do not matter.
 * When Redis is out the API keeps answering (events go to the outbox in PostgreSQL): each process
 * then limits on its own, in memory, and says so in no header. Over the limit: 429 rate_limited
 * (problem+json) with Retry-After in seconds; every limited answer carries RateLimit-Limit,
 * RateLimit-Remaining and RateLimit-Reset (seconds until the bucket is full again).
 */

export interface RateLimit {
  /** Requests a minute on average; 0 = no limit. */
  perMinute: number;
  /** Requests that may come at once (at least 1). */
  burst: number;
}

export interface RateLimitSettings {
  apiKey: RateLimit;
  member: RateLimit;
  /** Requests without a principal (public routes, missing or refused credentials), per client address. */
  address: RateLimit;
}

export interface RateDecision {
  allowed: boolean;
  /** Requests left in the burst after this one. */
  remaining: number;
  /** Milliseconds until the next request would be allowed (0 when allowed). */
  retryAfterMs: number;
  /** Milliseconds until the bucket is full again. */
  resetMs: number;
}

/** The GCRA step: the theoretical arrival time `tat` before and after a request at `now` (ms). */
export function gcra(tat: number | undefined, now: number, limit: RateLimit): { decision: RateDecision; tat: number } {
  const interval = 60_000 / limit.perMinute;
  const tolerance = interval * (limit.burst - 1);
  const start = Math.max(tat ?? now, now);
  const next = start + interval;
  // + 1e-6 ms: the floats can land start − now a hair above the tolerance at the very instant
  // Retry-After named, and a client that waits exactly that long must be let in (fast-check found one).
  if (start - now > tolerance + 1e-6) {
    // The request would take the bucket past its burst: refused, the state stays as it was.
    const retryAfterMs = Math.ceil(start - tolerance - now);
    return { decision: { allowed: false, remaining: 0, retryAfterMs, resetMs: Math.ceil(start - now) }, tat: start };
  }
  const remaining = Math.floor((tolerance - (start - now)) / interval + 1e-9);
  return { decision: { allowed: true, remaining, retryAfterMs: 0, resetMs: Math.ceil(next - now) }, tat: next };
}

// The same step in Redis, atomically, on Redis' clock. KEYS[1] = bucket; ARGV = perMinute, burst.
const GCRA_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = 60000 / tonumber(ARGV[1])
local tolerance = interval * (tonumber(ARGV[2]) - 1)
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
local start = math.max(tat, now)
local nxt = start + interval
if start - now > tolerance + 1e-6 then
  return {0, 0, math.ceil(start - tolerance - now), math.ceil(start - now)}
end
redis.call('SET', KEYS[1], tostring(nxt), 'PX', math.ceil(nxt - now) + 1000)
return {1, math.floor((tolerance - (start - now)) / interval + 1e-9), 0, math.ceil(nxt - now)}
`;

/** Buckets in this process, used while Redis does not answer. */
class LocalBuckets {
  private readonly tats = new Map<string, number>();

  take(bucket: string, limit: RateLimit, now = Date.now()): RateDecision {
    if (this.tats.size > 100_000) this.tats.clear();
    const { decision, tat } = gcra(this.tats.get(bucket), now, limit);
    this.tats.set(bucket, tat);
    return decision;
  }
}

export class RateLimiter {
  private readonly local = new LocalBuckets();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly settings: RateLimitSettings,
    /** How long a Redis answer may take before the local buckets decide. */
    private readonly redisTimeoutMs = 100,
  ) {
    redis.defineCommand('laurelGcra', { numberOfKeys: 1, lua: GCRA_SCRIPT });
  }

  /** The bucket and limit of a caller; undefined = not limited. */
  limitOf(principal: Principal, keyLimitPerMinute?: number | null): { bucket: string; limit: RateLimit } | undefined {
    if (principal.kind === 'member') return this.settings.member.perMinute > 0 ? { bucket: `member:${principal.memberId}`, limit: this.settings.member } : undefined;
    const perMinute = keyLimitPerMinute ?? this.settings.apiKey.perMinute;
    if (perMinute <= 0) return undefined;
    const limit = keyLimitPerMinute ? { perMinute, burst: Math.max(1, Math.ceil(perMinute / 6)) } : this.settings.apiKey;
    return { bucket: `key:${principal.keyId}`, limit };
  }

  /** The bucket of a request nobody is known for: its client address (an IPv6 client by its /64). */
  limitOfAddress(ip: string): { bucket: string; limit: RateLimit } | undefined {
    return this.settings.address.perMinute > 0 ? { bucket: addressBucket(ip), limit: this.settings.address } : undefined;
  }

  async take(bucket: string, limit: RateLimit): Promise<RateDecision> {
    if (this.redis.status !== 'ready') return this.local.take(bucket, limit);
    let timer: NodeJS.Timeout | undefined;
    try {
      const command = (this.redis as unknown as { laurelGcra(key: string, perMinute: number, burst: number): Promise<[number, number, number, number]> }).laurelGcra(
        `${this.prefix}:ratelimit:${bucket}`,
        limit.perMinute,
        limit.burst,
      );
      const timeout = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), this.redisTimeoutMs);
      });
      const answer = await Promise.race([command, timeout]);
      command.catch(() => undefined); // a late failure after the timeout is not an unhandled rejection
      if (!answer) return this.local.take(bucket, limit);
      const [allowed, remaining, retryAfterMs, resetMs] = answer;
      return { allowed: allowed === 1, remaining, retryAfterMs, resetMs };
    } catch {
      return this.local.take(bucket, limit);
    } finally {
      clearTimeout(timer);
    }
  }
}

function setHeaders(reply: FastifyReply, limit: RateLimit, decision: RateDecision): void {
  reply.header('ratelimit-limit', String(limit.burst));
  reply.header('ratelimit-remaining', String(decision.remaining));
  reply.header('ratelimit-reset', String(Math.ceil(decision.resetMs / 1000)));
}

/**
 * The bucket of a client address. IPv4 (also IPv4-mapped IPv6) by address; IPv6 by its /64, the
 * block one subscriber usually holds (counting each of its 2^64 addresses apart limits no one).
 */
export function addressBucket(ip: string): string {
  const v4 = /^(?:::ffff:)?(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (v4) return `ip:${v4[1]}`;
  const address = ip.split('%')[0]!.toLowerCase();
  const [head = '', tail] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `ip6:${groups
    .slice(0, 4)
    .map((g) => (Number.parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}

/** Probes answer whoever asks, however often (a load balancer's health checks share one address). */
const UNLIMITED_PATHS = new Set(['/healthz', '/readyz']);

/**
 * Limits every request after authentication: a principal's requests count against its API key or
 * member; the others (public routes, missing or refused credentials, so also guessing at keys)
 * against the client address.
 */
export function registerRateLimits(app: FastifyInstance, limiter: RateLimiter): void {
  app.addHook('onRequest', async (request, reply) => {
    const principal = request.principal;
    if (!principal && UNLIMITED_PATHS.has(request.url.split('?')[0]!)) return;
    const found = principal ? limiter.limitOf(principal, principal.kind === 'key' ? principal.rateLimitPerMinute : undefined) : limiter.limitOfAddress(request.ip);
    if (!found) return;
    const decision = await limiter.take(found.bucket, found.limit);
    setHeaders(reply, found.limit, decision);
    if (decision.allowed) return;
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    const who = !principal ? 'this address' : principal.kind === 'member' ? 'this member' : 'this API key';
    return sendProblem(
      reply.header('retry-after', String(seconds)),
      problem(429, 'rate_limited', `${who} sent more than ${found.limit.perMinute} requests a minute (bursts of ${found.limit.burst}); retry after ${seconds} s`, {
        retryAfterSeconds: seconds,
        instance: request.url.split('?')[0],
      }),
    );
  });
}
