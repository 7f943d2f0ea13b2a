import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Pool } from '../../../../src/db/index.js';
import { loadProgramFile, type ProgramDefinition } from '../../../../src/program/index.js';
import { publishProgram } from '../../../../src/program/store.js';
import { PROJECT_ROOT } from '../../../../src/cli/runtime.js';
import type { TestEnv } from '../../../support/test-env.js';
import { createChannels, createReconcilers, MessageDelivery, messagingTemplateSource, parseFrequencyCaps, parseQuietHours, publicBaseUrl } from '../../../../src/messaging/index.js';

export interface SeedMember {
  id: string;
  email?: string | null;
  phone?: string | null;
  firstName?: string | null;
  locale?: string;
  timeZone?: string | null;
  tier?: string;
  consent?: Record<string, unknown>;
  attributes?: Record<string, unknown>;
}

/** Members written straight into the ledger's tables (the ledger API is another issue's). */
export async function seedMembers(pool: Pool, members: readonly SeedMember[]): Promise<void> {
  for (let i = 0; i < members.length; i += 1000) {
    const batch = members.slice(i, i + 1000);
    await pool.query(
      `INSERT INTO members (id, email, phone, first_name, locale, time_zone, tier_id, consent, attributes)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::jsonb[], $9::jsonb[])`,
      [
        batch.map((m) => m.id),
        batch.map((m) => m.email ?? null),
        batch.map((m) => m.phone ?? null),
        batch.map((m) => m.firstName ?? 'Sam'),
        batch.map((m) => m.locale ?? 'en'),
        batch.map((m) => (m.timeZone === undefined ? 'UTC' : m.timeZone)),
        batch.map((m) => m.tier ?? 'bronze'),
        batch.map((m) => JSON.stringify(m.consent ?? {})),
        batch.map((m) => JSON.stringify(m.attributes ?? {})),
      ],
    );
    await pool.query(`INSERT INTO member_balances (member_id, next_review_at) SELECT unnest($1::text[]), now() + interval '1 year'`, [batch.map((m) => m.id)]);
  }
}

export async function publishReferenceProgram(pool: Pool): Promise<ProgramDefinition> {
  const definition = await loadProgramFile(join(PROJECT_ROOT, 'examples', 'reference.yaml'));
  return (await publishProgram(pool, definition, 'test')).definition;
}

const WORKER_SCRIPT = fileURLToPath(new URL('./delivery-worker-process.ts', import.meta.url));

export interface WorkerProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  output: () => string;
}

/** Starts the delivery worker as a separate process against the test env; resolves once it is ready. */
export async function spawnDeliveryWorker(env: TestEnv, overrides: Record<string, string> = {}): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER_SCRIPT], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      DATABASE_URL: env.urls.databaseUrl,
      REDIS_URL: env.urls.redisUrl,
      SMTP_URL: env.urls.smtpUrl,
      TEMPORAL_ADDRESS: env.urls.temporalAddress,
      TEMPORAL_NAMESPACE: env.config.temporalNamespace,
      QUEUE_PREFIX: env.id,
      MAILDEV_API_URL: env.stack.mailboxUrl,
      LOG_LEVEL: 'warn',
      QUIET_HOURS: 'off',
      DELIVERY_LOCK_MS: '3000',
      DELIVERY_BACKOFF_MS: '200',
      ...overrides,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  while (!out.includes('ready\n')) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`delivery worker exited before it was ready:\n${out}`);
    if (Date.now() > deadline) throw new Error(`delivery worker not ready within 60 s:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, exited, output: () => out };
}

export async function countByStatus(pool: Pool, prefix: string): Promise<Record<string, number>> {
  const { rows } = await pool.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM messages WHERE id LIKE $1 GROUP BY status`, [`${prefix}%`]);
  return Object.fromEntries(rows.map((r) => [r.status, r.n]));
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false>, timeoutMs = 60_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface DeliveryOptions {
  now?: () => Date;
  quietHours?: string;
  caps?: string;
  maxAttempts?: number;
}

/** MessageDelivery wired to the test env's real Postgres, SMTP (MailDev) and, when configured, SMS. */
export function makeDelivery(env: TestEnv, options: DeliveryOptions = {}): { delivery: MessageDelivery; close: () => Promise<void> } {
  const m = env.config.messaging;
  const channels = createChannels(env.config, env.urls.smtpUrl, env.ctx.pool);
  const delivery = new MessageDelivery({
    pool: env.ctx.pool,
    channels,
    reconcilers: createReconcilers({ ...env.config, messaging: { ...m, maildevApiUrl: env.stack.mailboxUrl } }),
    templates: messagingTemplateSource(env.ctx.pool).source,
    policy: { quietHours: parseQuietHours(options.quietHours ?? 'off'), caps: parseFrequencyCaps(options.caps ?? m.frequencyCaps) },
    links: { publicUrl: publicBaseUrl(env.config), unsubscribeSecret: m.unsubscribeSecret },
    maxAttempts: options.maxAttempts ?? m.deliveryAttempts,
    logger: env.ctx.logger,
    ...(options.now ? { now: options.now } : {}),
  });
  return { delivery, close: async () => void (await Promise.all([...channels.values()].map((c) => c.close()))) };
}
