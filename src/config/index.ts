import { createHmac, randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ValidationError } from '../errors/index.js';

/**
 * Every setting Laurel reads from the environment, with its default. The README's configuration
 * table mirrors this schema. A service URL left unset means "spawn it" under `laurel dev` and
 * "required" for the standalone roles.
 */
const envSchema = z.object({
  DATABASE_URL: z.string().url().optional(),
  REDIS_URL: z.string().url().optional(),
  TEMPORAL_ADDRESS: z.string().regex(/^[^:/\s]+:\d+$/, 'expected host:port').optional(),
  SMTP_URL: z.string().url().optional(),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('laurel'),
  QUEUE_PREFIX: z.string().regex(/^[A-Za-z0-9_{}-]+$/).default('laurel'),
  MAIL_FROM: z.string().min(3).default('Laurel <no-reply@laurel.local>'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  PUBLIC_URL: z.string().url().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  LAUREL_DATA_DIR: z.string().default('.laurel'),
  LAUREL_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54320),
  LAUREL_REDIS_PORT: z.coerce.number().int().min(1).max(65535).default(63790),
  LAUREL_TEMPORAL_PORT: z.coerce.number().int().min(1).max(65535).default(7233),
  LAUREL_TEMPORAL_UI_PORT: z.coerce.number().int().min(1).max(65535).default(8233),
  LAUREL_SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(1025),
  LAUREL_MAILBOX_PORT: z.coerce.number().int().min(1).max(65535).default(1080),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(20),
  JOURNEYS_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(1).max(100_000).optional(),
  MEMBER_TOKEN_SECRET: z.string().min(32, 'expected at least 32 characters').optional(),
  MEMBER_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900),
  API_CONTRACT_CHECK: z.enum(['off', 'log', 'strict']).default('off'),
  // Limits of the API (src/api/rate-limit.ts, src/api/json-body.ts, src/auth/api-keys.ts).
  API_RATE_LIMIT_KEY: z.coerce.number().int().min(0).max(100_000_000).default(60_000),
  API_RATE_LIMIT_KEY_BURST: z.coerce.number().int().min(1).max(1_000_000).default(5000),
  API_RATE_LIMIT_MEMBER: z.coerce.number().int().min(0).max(1_000_000).default(600),
  API_RATE_LIMIT_MEMBER_BURST: z.coerce.number().int().min(1).max(100_000).default(60),
  API_RATE_LIMIT_IP: z.coerce.number().int().min(0).max(100_000_000).default(1200),
  API_RATE_LIMIT_IP_BURST: z.coerce.number().int().min(1).max(1_000_000).default(200),
  API_TRUST_PROXY: z
    .string()
    .regex(/^(true|false|\d{1,2}|[0-9A-Fa-f.:/]+(,[0-9A-Fa-f.:/]+)*)$/, 'expected true, false, a hop count, or comma-separated proxy addresses/CIDRs')
    .default('false'),
  API_KEY_CACHE_SECONDS: z.coerce.number().int().min(0).max(3600).default(10),
  API_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(5 * 1024 * 1024),
  API_JSON_MAX_DEPTH: z.coerce.number().int().min(2).max(1000).default(32),
  // Messaging (src/messaging): channels, delivery and policies.
  SMS_WEBHOOK_URL: z.string().url().optional(),
  SMS_WEBHOOK_SECRET: z.string().min(16, 'expected at least 16 characters').optional(),
  MAILDEV_API_URL: z.string().url().optional(),
  UNSUBSCRIBE_SECRET: z.string().min(32, 'expected at least 32 characters').optional(),
  DELIVERY_CONCURRENCY: z.coerce.number().int().min(1).max(1000).optional(),
  DELIVERY_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  DELIVERY_BACKOFF_MS: z.coerce.number().int().min(10).max(3_600_000).default(2000),
  DELIVERY_LOCK_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  DELIVERY_RATE_EMAIL: z.coerce.number().int().min(0).default(0),
  DELIVERY_RATE_SMS: z.coerce.number().int().min(0).default(0),
  DELIVERY_RATE_INBOX: z.coerce.number().int().min(0).default(0),
  QUIET_HOURS: z
    .string()
    .regex(/^(off|([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d)$/, 'expected HH:MM-HH:MM (member local time) or off')
    .default('21:00-08:00'),
  FREQUENCY_CAPS: z.string().optional(),
  NOTIFY_CHANNELS: z.string().regex(/^(email|sms|inbox)(,(email|sms|inbox))*$/, 'expected a comma-separated list of email, sms, inbox').default('email,inbox'),
  POINTS_EARNED_BATCH_SECONDS: z.coerce.number().int().min(1).max(86_400).default(60),
  // Outbound webhooks (src/webhooks).
  WEBHOOK_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(16),
  WEBHOOK_BACKOFF_MS: z.coerce.number().int().min(10).max(3_600_000).default(5000),
  WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  WEBHOOK_CONCURRENCY: z.coerce.number().int().min(1).max(1000).optional(),
  WEBHOOK_ORDER_WINDOW_MS: z.coerce.number().int().min(0).max(60_000).default(1000),
  // Prize draws (src/draws, src/journeys/draws).
  DRAW_KEY: z.string().min(32, 'expected at least 32 characters').optional(),
  DRAND_RELAY_URL: z.string().url().default('https://api.drand.sh'),
  DRAND_EXTRA_CHAINS: z.string().optional(),
  // Web pages (web/): where the build is, and who may frame the member widget.
  WEB_DIR: z.string().optional(),
  WIDGET_FRAME_ANCESTORS: z
    .string()
    .regex(/^(\*|'none'|'self'|(https?:\/\/[^\s;,]+)( https?:\/\/[^\s;,]+)*)$/, "expected *, 'none', 'self' or space-separated origins such as https://shop.example")
    .default('*'),
});

export type Env = z.infer<typeof envSchema>;

export interface LaurelConfig {
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  temporalAddress: string | undefined;
  smtpUrl: string | undefined;
  temporalNamespace: string;
  taskQueue: string;
  queuePrefix: string;
  mailFrom: string;
  host: string;
  port: number;
  publicUrl: string | undefined;
  logLevel: Env['LOG_LEVEL'];
  dataDir: string;
  devPorts: { postgres: number; redis: number; temporal: number; temporalUi: number; smtp: number; mailbox: number };
  workerConcurrency: number;
  /** Workflows the journeys worker keeps in its sticky cache; unset: the worker's default (200). */
  journeysMaxCachedWorkflows: number | undefined;
  /** Signs member tokens. Unset: a random secret per process (tokens die with it; fine for dev). */
  memberTokenSecret: string;
  memberTokenTtlSeconds: number;
  /** Checks each API answer against its route's declared responses and problem codes (tests: strict). */
  apiContractCheck: 'off' | 'log' | 'strict';
  api: ApiLimits;
  messaging: MessagingSettings;
  webhooks: WebhookSettings;
  draws: DrawSettings;
  web: WebSettings;
}

/** Limits of the API. */
export interface ApiLimits {
  /** Per API key (a key's own rate_limit_per_minute wins) and per member (all its tokens): requests a minute, burst; 0 = off. */
  rateLimit: { apiKey: { perMinute: number; burst: number }; member: { perMinute: number; burst: number }; address: { perMinute: number; burst: number } };
  /** Fastify's trustProxy: whose X-Forwarded-For names the client (per-address limits count that address). */
  trustProxy: TrustProxy;
  /** A revoked key stops working in every process within this many milliseconds. */
  keyCacheMs: number;
  bodyLimitBytes: number;
  /** Deepest nesting of arrays and objects a JSON body may have. */
  jsonMaxDepth: number;
}

/** The console, widget and draw pages, built from web/ and served by the api role. */
export interface WebSettings {
  /** The Vite build (web/dist): pages under console/, widget/, draw/ and assets/. */
  dir: string;
  /** CSP frame-ancestors of /widget: the sites that may embed it. */
  widgetFrameAncestors: string;
}

/** Settings of src/webhooks. */
export interface WebhookSettings {
  /** Attempts per delivery before it is dead (the first one included). */
  attempts: number;
  /** Retry n waits about backoffMs * 2^(n-1), at most 6 hours, shortened by up to a fifth at random. */
  backoffMs: number;
  timeoutMs: number;
  concurrency: number;
  /** A fact is first sent this long after it was committed, so earlier facts of its member on slower paths go first. */
  orderWindowMs: number;
}

/** Settings of the prize draws. */
export interface DrawSettings {
  /**
   * The program's draw key: pid = HMAC(key, member id). Unset (dev only): derived from the member
   * token secret, so it is as stable as that secret; pids are stored at the freeze, so the key is
   * only needed then.
   */
  key: string;
  keyDerived: boolean;
  /** drand HTTP relay the draw workflow fetches rounds from. */
  drandRelayUrl: string;
  /** JSON list of further drand chains ({name, chainHash, publicKey, scheme, genesisTime, period}). */
  extraDrandChains: string | undefined;
  /** Where commit and audit records are published as files (`<dir>/<draw id>/`). */
  publishDir: string;
}

/** Settings of src/messaging; the policies parse `quietHours` and `frequencyCaps` themselves. */
export interface MessagingSettings {
  smsWebhookUrl: string | undefined;
  smsWebhookSecret: string | undefined;
  /** MailDev's REST API: the email reconciler looks up Message-IDs there after a crash (dev, tests). */
  maildevApiUrl: string | undefined;
  unsubscribeSecret: string;
  deliveryConcurrency: number;
  deliveryAttempts: number;
  deliveryBackoffMs: number;
  deliveryLockMs: number;
  /** Messages per second per channel across all workers; 0 = unlimited. */
  ratePerSecond: { email: number; sms: number; inbox: number };
  quietHours: string;
  /** JSON: `{"diamond":{"week":1},"bronze":{"week":3,"day":1}}`; unset = the built-in caps. */
  frequencyCaps: string | undefined;
  notifyChannels: ('email' | 'sms' | 'inbox')[];
  pointsEarnedBatchSeconds: number;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): LaurelConfig {
  // Empty strings mean unset: docker compose and shells often pass VAR= for "not given".
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = envSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = issue?.path.join('.') ?? 'environment';
    throw new ValidationError('invalid_config', `${name}: ${issue?.message ?? 'invalid'}`, { issues: parsed.error.issues });
  }
  const e = parsed.data;
  const memberTokenSecret = e.MEMBER_TOKEN_SECRET ?? randomBytes(32).toString('base64url');
  return {
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    temporalAddress: e.TEMPORAL_ADDRESS,
    smtpUrl: e.SMTP_URL,
    temporalNamespace: e.TEMPORAL_NAMESPACE,
    taskQueue: e.TEMPORAL_TASK_QUEUE,
    queuePrefix: e.QUEUE_PREFIX,
    mailFrom: e.MAIL_FROM,
    host: e.HOST,
    port: e.PORT,
    publicUrl: e.PUBLIC_URL,
    logLevel: e.LOG_LEVEL,
    dataDir: e.LAUREL_DATA_DIR,
    devPorts: {
      postgres: e.LAUREL_PG_PORT,
      redis: e.LAUREL_REDIS_PORT,
      temporal: e.LAUREL_TEMPORAL_PORT,
      temporalUi: e.LAUREL_TEMPORAL_UI_PORT,
      smtp: e.LAUREL_SMTP_PORT,
      mailbox: e.LAUREL_MAILBOX_PORT,
    },
    workerConcurrency: e.WORKER_CONCURRENCY,
    journeysMaxCachedWorkflows: e.JOURNEYS_MAX_CACHED_WORKFLOWS,
    memberTokenSecret,
    memberTokenTtlSeconds: e.MEMBER_TOKEN_TTL_SECONDS,
    apiContractCheck: e.API_CONTRACT_CHECK,
    api: {
      rateLimit: {
        apiKey: { perMinute: e.API_RATE_LIMIT_KEY, burst: e.API_RATE_LIMIT_KEY_BURST },
        member: { perMinute: e.API_RATE_LIMIT_MEMBER, burst: e.API_RATE_LIMIT_MEMBER_BURST },
        address: { perMinute: e.API_RATE_LIMIT_IP, burst: e.API_RATE_LIMIT_IP_BURST },
      },
      trustProxy: trustProxyOf(e.API_TRUST_PROXY),
      keyCacheMs: e.API_KEY_CACHE_SECONDS * 1000,
      bodyLimitBytes: e.API_BODY_LIMIT_BYTES,
      jsonMaxDepth: e.API_JSON_MAX_DEPTH,
    },
    messaging: {
      smsWebhookUrl: e.SMS_WEBHOOK_URL,
      smsWebhookSecret: e.SMS_WEBHOOK_SECRET,
      maildevApiUrl: e.MAILDEV_API_URL,
      // Unset: derived from the member token secret (stable when MEMBER_TOKEN_SECRET is set).
      unsubscribeSecret: e.UNSUBSCRIBE_SECRET ?? `unsubscribe:${memberTokenSecret}`,
      deliveryConcurrency: e.DELIVERY_CONCURRENCY ?? e.WORKER_CONCURRENCY,
      deliveryAttempts: e.DELIVERY_ATTEMPTS,
      deliveryBackoffMs: e.DELIVERY_BACKOFF_MS,
      deliveryLockMs: e.DELIVERY_LOCK_MS,
      ratePerSecond: { email: e.DELIVERY_RATE_EMAIL, sms: e.DELIVERY_RATE_SMS, inbox: e.DELIVERY_RATE_INBOX },
      quietHours: e.QUIET_HOURS,
      frequencyCaps: e.FREQUENCY_CAPS,
      notifyChannels: e.NOTIFY_CHANNELS.split(',') as ('email' | 'sms' | 'inbox')[],
      pointsEarnedBatchSeconds: e.POINTS_EARNED_BATCH_SECONDS,
    },
    webhooks: {
      attempts: e.WEBHOOK_ATTEMPTS,
      backoffMs: e.WEBHOOK_BACKOFF_MS,
      timeoutMs: e.WEBHOOK_TIMEOUT_MS,
      concurrency: e.WEBHOOK_CONCURRENCY ?? e.WORKER_CONCURRENCY,
      orderWindowMs: e.WEBHOOK_ORDER_WINDOW_MS,
    },
    draws: {
      key: e.DRAW_KEY ?? createHmac('sha256', memberTokenSecret).update('laurel draw key').digest('base64url'),
      keyDerived: e.DRAW_KEY === undefined,
      drandRelayUrl: e.DRAND_RELAY_URL,
      extraDrandChains: e.DRAND_EXTRA_CHAINS,
      publishDir: `${e.LAUREL_DATA_DIR}/draws`,
    },
    web: {
      dir: e.WEB_DIR ?? fileURLToPath(new URL('../../web/dist', import.meta.url)),
      widgetFrameAncestors: e.WIDGET_FRAME_ANCESTORS,
    },
  };
}

/** The service URLs a role needs, once `laurel dev` has filled in what it spawned. */
export interface ServiceUrls {
  databaseUrl: string;
  redisUrl: string;
  temporalAddress: string;
  smtpUrl: string;
}

export function requireServiceUrls(config: LaurelConfig, needed: readonly (keyof ServiceUrls)[]): ServiceUrls {
  const envName: Record<keyof ServiceUrls, string> = {
    databaseUrl: 'DATABASE_URL',
    redisUrl: 'REDIS_URL',
    temporalAddress: 'TEMPORAL_ADDRESS',
    smtpUrl: 'SMTP_URL',
  };
  for (const key of needed) {
    if (!config[key]) throw new ValidationError('missing_config', `${envName[key]} is not set (or run 'laurel dev' to start the embedded stack)`);
  }
  return {
    databaseUrl: config.databaseUrl ?? '',
    redisUrl: config.redisUrl ?? '',
    temporalAddress: config.temporalAddress ?? '',
    smtpUrl: config.smtpUrl ?? '',
  };
}

export type TrustProxy = boolean | string | ((address: string, hop: number) => boolean);

/** API_TRUST_PROXY as Fastify takes it: a boolean, a hop count, or a list of proxy addresses. */
function trustProxyOf(value: string): TrustProxy {
  if (value === 'true' || value === 'false') return value === 'true';
  if (!/^\d+$/.test(value)) return value;
  // A hop count: trust the n addresses nearest to this server (as proxy-addr counts hops).
  const hops = Number(value);
  return (_address: string, hop: number) => hop < hops;
}
