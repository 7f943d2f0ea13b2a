// Ingestion and sweep benchmark: `npm run bench:ingest [-- --events N --concurrency C --members M]`.
// Every figure is printed beside a raw baseline run in the same process on the same PostgreSQL.
import { cpus } from 'node:os';
import { startBenchStack, argNumber, peakRssMb, percentile } from './support/stack.js';
import { JsonPoster } from './support/http-client.js';
import { ownCpuSeconds, processTreeCpuSeconds } from './support/cpu.js';
import { loadConfig } from '../src/config/index.js';
import { createLogger } from '../src/log/index.js';
import { openAppContext } from '../src/app/context.js';
import { startApiRole } from '../src/roles/index.js';
import { createApiKey } from '../src/auth/index.js';
import { loadProgramFile } from '../src/program/index.js';
import { publishProgram } from '../src/program/store.js';
import { expirePoints, reviewTiers } from '../src/ledger/index.js';
import { PROJECT_ROOT } from '../src/cli/runtime.js';
import { join } from 'node:path';

const EVENTS = argNumber('--events', 20_000);
const CONCURRENCY = argNumber('--concurrency', 16);
const MEMBERS = argNumber('--members', 1_000_000);
const BATCH = 1000;
const HTTP_MEMBERS = 1000;

/** CPU seconds so far of this process (the API and the load generator) and of PostgreSQL. */
type CpuReading = { bench: number; postgres: number };
let readCpu: () => CpuReading = () => ({ bench: ownCpuSeconds(), postgres: 0 });

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; result: T; cpu: CpuReading }> {
  const c0 = readCpu();
  const t0 = performance.now();
  const result = await work();
  const ms = performance.now() - t0;
  const c1 = readCpu();
  return { ms, result, cpu: { bench: c1.bench - c0.bench, postgres: c1.postgres - c0.postgres } };
}

/** Runs `total` calls of `one(i)` with `concurrency` in flight; returns per-call latencies (ms). */
async function pool(total: number, concurrency: number, one: (i: number) => Promise<void>): Promise<{ ms: number; latencies: number[]; cpu: CpuReading }> {
  const latencies: number[] = new Array(total);
  let next = 0;
  const run = await timed(() =>
    Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) {
          const i = next++;
          const s = performance.now();
          await one(i);
          latencies[i] = performance.now() - s;
        }
      }),
    ),
  );
  return { ms: run.ms, cpu: run.cpu, latencies: latencies.sort((a, b) => a - b) };
}

/**
 * One result line, and under it the CPU each unit cost this process and PostgreSQL: on a machine
 * of a few cores that, not latency, bounds the rate (cores ÷ CPU per unit).
 */
function line(name: string, count: number, run: { ms: number; cpu: CpuReading; latencies?: number[] }): { rate: number } {
  const rate = (count / run.ms) * 1000;
  const lat = run.latencies ? `  p50 ${percentile(run.latencies, 50).toFixed(2)} ms  p99 ${percentile(run.latencies, 99).toFixed(2)} ms` : '';
  console.log(`  ${name.padEnd(44)} ${String(count).padStart(9)} in ${(run.ms / 1000).toFixed(2).padStart(7)} s  ${rate.toFixed(0).padStart(8)} /s${lat}`);
  const perUnit = (seconds: number) => ((seconds * 1000) / count).toFixed(3);
  const total = run.cpu.bench + run.cpu.postgres;
  console.log(
    `  ${''.padEnd(44)} CPU per unit: bench process ${perUnit(run.cpu.bench)} ms + PostgreSQL ${perUnit(run.cpu.postgres)} ms` +
      (total > 0 ? ` (bound on ${cpus().length} cores: ${((count * cpus().length) / total).toFixed(0)}/s)` : ''),
  );
  return { rate };
}

async function main(): Promise<void> {
  console.log(`laurel bench:ingest — ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), node ${process.version}`);
  console.log(`events ${EVENTS}, concurrency ${CONCURRENCY}, sweep members ${MEMBERS}\n`);
  const stack = await startBenchStack();
  const postgresPid = stack.services.find((s) => s.name === 'postgres')?.pid;
  readCpu = () => ({ bench: ownCpuSeconds(), postgres: processTreeCpuSeconds(postgresPid) });
  const config = loadConfig({ DATABASE_URL: stack.databaseUrl, REDIS_URL: stack.redisUrl, TEMPORAL_ADDRESS: stack.temporalAddress, SMTP_URL: stack.smtpUrl, LOG_LEVEL: 'error', PORT: '0' });
  const ctx = await openAppContext(config, { databaseUrl: stack.databaseUrl, redisUrl: stack.redisUrl, temporalAddress: stack.temporalAddress, smtpUrl: stack.smtpUrl }, createLogger('error'));
  try {
    const db = ctx.pool;
    await publishProgram(db, await loadProgramFile(join(PROJECT_ROOT, 'examples', 'reference.yaml')), 'bench');
    const key = (await createApiKey(db, { role: 'ingest', name: 'bench' })).key;
    await db.query(
      `INSERT INTO members (id, tier_id, next_review_at) SELECT 'h' || g, 'bronze', now() + interval '1 year' FROM generate_series(0, $1 - 1) g`,
      [HTTP_MEMBERS],
    );
    await db.query(`INSERT INTO member_balances (member_id) SELECT id FROM members`);
    const api = await startApiRole(ctx);
    const client = new JsonPoster(api.url, { authorization: `Bearer ${key}` }, CONCURRENCY);

    console.log('single events');
    await db.query(`CREATE UNLOGGED TABLE IF NOT EXISTS bench_raw (key text PRIMARY KEY, member_id text, amount bigint, body jsonb)`);
    const rawSingle = await pool(EVENTS, CONCURRENCY, async (i) => {
      await db.query(`INSERT INTO bench_raw (key, member_id, amount, body) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [`s${i}`, `h${i % HTTP_MEMBERS}`, 1_250_000, '{}']);
    });
    const a = line('raw INSERT … ON CONFLICT DO NOTHING', EVENTS, rawSingle);
    const http = await pool(EVENTS, CONCURRENCY, async (i) => {
      const res = await client.post('/v1/events', { memberId: `h${i % HTTP_MEMBERS}`, type: 'purchase', amount: 1_250_000 + i, orderId: `o${i}` });
      if (res.status !== 201) throw new Error(`event ${i}: ${res.status} ${res.text}`);
    });
    const b = line('HTTP POST /v1/events (rules, lots, tier check)', EVENTS, http);
    console.log(`  ratio ${(b.rate / a.rate).toFixed(2)} (goal ≥ 0.30)\n`);

    console.log(`batches of ${BATCH}`);
    const batches = Math.max(1, Math.floor(EVENTS / BATCH));
    const rawBatch = await timed(async () => {
      for (let k = 0; k < batches; k++) {
        const keys = Array.from({ length: BATCH }, (_, j) => `b${k}-${j}`);
        await db.query(
          `INSERT INTO bench_raw (key, member_id, amount, body) SELECT k, 'h1', 1250000, '{}' FROM unnest($1::text[]) k ON CONFLICT DO NOTHING`,
          [keys],
        );
      }
    });
    const c = line('raw batched INSERT (unnest)', batches * BATCH, rawBatch);
    const batchHttp = await timed(async () => {
      for (let k = 0; k < batches; k++) {
        const events = Array.from({ length: BATCH }, (_, j) => ({ memberId: `h${j % HTTP_MEMBERS}`, type: 'purchase', amount: 990_000, orderId: `bo${k}-${j}` }));
        const res = await client.post('/v1/events/batch', { events });
        if (res.status !== 200) throw new Error(`batch ${k}: ${res.status} ${res.text}`);
      }
    });
    const d = line('HTTP POST /v1/events/batch', batches * BATCH, batchHttp);
    console.log(`  ratio ${(d.rate / c.rate).toFixed(2)} (goal ≥ 0.25)\n`);
    client.close();
    await api.stop();

    console.log(`sweeps over ${MEMBERS} seeded members`);
    const seed = await timed(async () => {
      await db.query(
        `INSERT INTO members (id, tier_id, tier_started_at, joined_at, next_review_at, last_activity_at)
         SELECT 's' || g, (ARRAY['bronze','silver','gold','diamond'])[1 + g % 4], now() - interval '2 years', now() - interval '2 years',
                now() - interval '1 day', now() - interval '1 month'
           FROM generate_series(1, $1) g`,
        [MEMBERS],
      );
      await db.query(`INSERT INTO member_balances (member_id, available) SELECT 's' || g, 10 FROM generate_series(1, $1) g`, [MEMBERS]);
      await db.query(
        `INSERT INTO lots (id, member_id, kind, status, earned_at, expires_at, original_points, remaining_points)
         SELECT 'l' || g, 's' || g, 'points', 'active', now() - interval '13 months', now() - interval '1 hour', 10, 10 FROM generate_series(1, $1) g`,
        [MEMBERS],
      );
      await db.query(
        `INSERT INTO ledger_entries (idempotency_key, member_id, kind, amount, qualifying_points, at, source)
         SELECT 'seed:' || g, 's' || g, 'earn', 10, (g % 1200), now() - interval '200 days', 'seed' FROM generate_series(1, $1) g`,
        [MEMBERS],
      );
      await db.query(`INSERT INTO lot_allocations (entry_seq, lot_id, points) SELECT e.seq, 'l' || substr(e.member_id, 2), 10 FROM ledger_entries e WHERE e.source = 'seed'`);
      await db.query('ANALYZE');
    });
    console.log(`  seeded in ${(seed.ms / 1000).toFixed(1)} s`);
    const asOf = new Date();
    const rawReview = await timed(() => db.query(`UPDATE members SET updated_at = now() WHERE next_review_at <= $1 AND id LIKE 's%'`, [asOf]));
    const e = line('raw UPDATE of the same members', MEMBERS, rawReview);
    const review = await timed(() => reviewTiers(db, asOf));
    const f = line('reviewTiers(asOf)', review.result.reviewed, review);
    console.log(`  ${JSON.stringify(review.result)}`);
    console.log(`  ratio ${(f.rate / e.rate).toFixed(2)}\n`);
    const rawExpire = await timed(() => db.query(`UPDATE lots SET original_points = original_points WHERE expires_at <= $1 AND remaining_points > 0`, [asOf]));
    const g = line('raw UPDATE of the same lots', MEMBERS, rawExpire);
    const expiry = await timed(() => expirePoints(db, asOf));
    const h = line('expirePoints(asOf)', expiry.result.members, expiry);
    console.log(`  ${JSON.stringify(expiry.result)}`);
    console.log(`  ratio ${(h.rate / g.rate).toFixed(2)}\n`);
    console.log(`peak RSS ${peakRssMb()} MB`);
  } finally {
    await ctx.close();
    await stack.cleanup();
  }
}

await main();
