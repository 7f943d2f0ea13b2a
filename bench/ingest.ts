// Ingestion, import and sweep benchmark:
//   npm run bench:ingest [-- --events N --concurrency C --import N --members M --skip-import --skip-sweeps --only-sweeps --only-import --skip-raw-import --import-trace-gc]
// Every figure is printed beside raw baselines run in the same process on the same PostgreSQL:
// the same rows a purchase writes (event, lot, entry, balance upsert, outbox) with plain
// parameterised SQL and no decisions — one transaction per event, and multi-row per 1,000 — and a
// narrow one-row insert.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
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
import { checkLedgerInvariant, expirePoints, groupCommitStats, ingestPhaseStats, reviewTiers } from '../src/ledger/index.js';
import { PROJECT_ROOT } from '../src/cli/runtime.js';
import type { Pool } from '../src/db/index.js';

const EVENTS = argNumber('--events', 20_000);
const CONCURRENCY = argNumber('--concurrency', 16);
const IMPORT = argNumber('--import', 1_000_000);
const MEMBERS = argNumber('--members', 1_000_000);
const SKIP_IMPORT = process.argv.includes('--skip-import');
const SKIP_SWEEPS = process.argv.includes('--skip-sweeps');
/** Only the sweeps (and their raw UPDATEs): a short A/B run of reviewTiers / expirePoints. */
const ONLY_SWEEPS = process.argv.includes('--only-sweeps');
/** Only the import (no HTTP runs, no sweeps): its rate and its memory at one size. */
const ONLY_IMPORT = process.argv.includes('--only-import');
/** Skip the import's raw baseline (a memory run: the importer alone). */
const SKIP_RAW_IMPORT = process.argv.includes('--skip-raw-import');
/** The importer runs with --trace-gc: its live heap after each full collection, per tenth of the file. */
const IMPORT_TRACE_GC = process.argv.includes('--import-trace-gc');
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
function line(name: string, count: number, run: { ms: number; cpu: CpuReading; latencies?: number[] }, extraCpu = 0): { rate: number; p99: number; cpuMsPerUnit: number } {
  const rate = (count / run.ms) * 1000;
  const p99 = run.latencies ? percentile(run.latencies, 99) : 0;
  const lat = run.latencies ? `  p50 ${percentile(run.latencies, 50).toFixed(2)} ms  p99 ${p99.toFixed(2)} ms` : '';
  console.log(`  ${name.padEnd(52)} ${String(count).padStart(9)} in ${(run.ms / 1000).toFixed(2).padStart(7)} s  ${rate.toFixed(0).padStart(8)} /s${lat}`);
  const perUnit = (seconds: number) => ((seconds * 1000) / count).toFixed(3);
  const bench = run.cpu.bench + extraCpu;
  const total = bench + run.cpu.postgres;
  console.log(
    `  ${''.padEnd(52)} CPU per unit: ${extraCpu > 0 ? 'importer' : 'bench process'} ${perUnit(bench)} ms + PostgreSQL ${perUnit(run.cpu.postgres)} ms` +
      (total > 0 ? ` (bound on ${cpus().length} cores: ${((count * cpus().length) / total).toFixed(0)}/s)` : ''),
  );
  return { rate, p99, cpuMsPerUnit: (total * 1000) / count };
}

/**
 * The sweeps' fair figure under load: CPU per member of the raw UPDATE over CPU per member of the
 * sweep. The raw UPDATE is one statement (one core); the sweep runs two pages at once, so on an
 * idle 2-core machine its wall ratio is about twice this.
 */
function cpuRatio(label: string, raw: { cpuMsPerUnit: number }, real: { cpuMsPerUnit: number }): void {
  console.log(`  ratio ${label} by CPU per member: ${(raw.cpuMsPerUnit / real.cpuMsPerUnit).toFixed(2)} (one core raw vs two pages at once: ≈ half the idle wall ratio)`);
}

/** The same ratio by CPU per event (bench process + PostgreSQL): what a shared machine's load does not move. */
function cpuRatioPerEvent(label: string, raw: { cpuMsPerUnit: number }, real: { cpuMsPerUnit: number }): void {
  console.log(`  ratio ${label} by CPU per event: ${(raw.cpuMsPerUnit / real.cpuMsPerUnit).toFixed(2)} (raw ${raw.cpuMsPerUnit.toFixed(3)} ms, ours ${real.cpuMsPerUnit.toFixed(3)} ms)`);
}

function ratio(label: string, value: number, goal: number): void {
  console.log(`  ratio ${label}: ${value.toFixed(2)} (goal ≥ ${goal.toFixed(2)})${value >= goal ? '' : '  ← goal missed'}`);
}

function load(): string {
  return loadavg()
    .map((l) => l.toFixed(1))
    .join(' ');
}

/** Where the event path's wall time went since `before`: the read, the pure decision, the write. */
function phases(before: typeof ingestPhaseStats): void {
  const d = {
    calls: ingestPhaseStats.calls - before.calls,
    events: ingestPhaseStats.events - before.events,
    readMs: ingestPhaseStats.readMs - before.readMs,
    decideMs: ingestPhaseStats.decideMs - before.decideMs,
    writeMs: ingestPhaseStats.writeMs - before.writeMs,
  };
  if (d.calls === 0) return;
  const per = (ms: number) => `${(ms / d.calls).toFixed(2)} ms/call, ${((ms / d.events) * 1000).toFixed(0)} µs/event`;
  console.log(`  where a call's wall time went (${d.calls} calls, ${(d.events / d.calls).toFixed(1)} events each): read ${per(d.readMs)}; decide ${per(d.decideMs)}; write ${per(d.writeMs)}`);
}

/** A purchase's rows, as the raw baselines write them. */
interface RawEvent {
  key: string;
  member: string;
  amount: number;
  at: Date;
}

const RAW_RESULT = JSON.stringify({
  eventId: 'evt_000000000000000000000000',
  idempotencyKey: 'purchase:x:o',
  memberId: 'x',
  type: 'purchase',
  occurredAt: new Date().toISOString(),
  programVersion: 1,
  replayed: false,
  dryRun: false,
  points: { total: 120, base: 120, bonus: 0, pending: 120, qualifying: 120 },
  entries: [{ idempotencyKey: 'evt_000000000000000000000000:purchase:base', kind: 'earn', amount: 120, qualifyingPoints: 120, pending: true, at: new Date().toISOString(), ruleId: 'purchase', component: 'base', orderId: 'o', rewardId: null }],
  rules: [{ ruleId: 'purchase', status: 'fired', computedPoints: 120, basePoints: 120, bonusPoints: 0 }],
  tier: { from: 'bronze', to: 'bronze', changed: false },
  balance: { available: 0, pending: 120 },
  fingerprint: '00000000000000000000000000000000',
});

/** One transaction per event: BEGIN, five parameterised INSERTs, COMMIT. */
async function rawSingle(db: Pool, e: RawEvent): Promise<void> {
  const client = await db.connect();
  try {
    const id = `raw_${e.key}`;
    const pendingUntil = new Date(e.at.getTime() + 14 * 86_400_000);
    const points = Math.floor(e.amount / 100_000) * 10;
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO events (id, idempotency_key, member_id, type, occurred_at, amount, order_id, properties, source, program_version, result)
       VALUES ($1, $2, $3, 'purchase', $4, $5, $6, '{}', 'api', 1, $7)`,
      [id, e.key, e.member, e.at, e.amount, e.key, RAW_RESULT],
    );
    await client.query(
      `INSERT INTO lots (id, member_id, kind, status, earned_at, expires_at, pending_until, original_points, remaining_points, order_id, order_amount, rule_id)
       VALUES ($1, $2, 'points', 'pending', $3, $4, $5, $6, $6, $7, $8, 'purchase')`,
      [`${id}:purchase:base`, e.member, e.at, new Date(e.at.getTime() + 400 * 86_400_000), pendingUntil, points, e.key, e.amount],
    );
    await client.query(
      `INSERT INTO ledger_entries (idempotency_key, member_id, kind, amount, qualifying_points, pending, at, event_id, rule_id, component, order_id, source, program_version)
       VALUES ($1, $2, 'earn', $3, $3, true, $4, $5, 'purchase', 'base', $6, 'api', 1)`,
      [`${id}:purchase:base`, e.member, points, e.at, id, e.key],
    );
    await client.query(
      `INSERT INTO member_balances (member_id, pending, lifetime_earned, next_review_at) VALUES ($1, $2, $2, 'infinity')
       ON CONFLICT (member_id) DO UPDATE SET pending = member_balances.pending + EXCLUDED.pending, lifetime_earned = member_balances.lifetime_earned + EXCLUDED.lifetime_earned, updated_at = now()`,
      [e.member, points],
    );
    await client.query(`INSERT INTO outbox (queue, job_name, job_id, payload) VALUES ('member-events', 'member-event', $1, $2)`, [`evt-${id}`, JSON.stringify({ eventId: id, memberId: e.member })]);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/** The same rows for many events in one transaction: five multi-row INSERTs (unnest). */
async function rawBatch(db: Pool, events: readonly RawEvent[]): Promise<void> {
  const client = await db.connect();
  try {
    const ids = events.map((e) => `raw_${e.key}`);
    const points = events.map((e) => Math.floor(e.amount / 100_000) * 10);
    const byMember = new Map<string, number>();
    events.forEach((e, i) => byMember.set(e.member, (byMember.get(e.member) ?? 0) + points[i]!));
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO events (id, idempotency_key, member_id, type, occurred_at, amount, order_id, properties, source, program_version, result)
       SELECT id, key, member, 'purchase', at, amount, key, '{}', 'api', 1, $6::jsonb FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::bigint[]) AS x(id, key, member, at, amount)`,
      [ids, events.map((e) => e.key), events.map((e) => e.member), events.map((e) => e.at), events.map((e) => e.amount), RAW_RESULT],
    );
    await client.query(
      `INSERT INTO lots (id, member_id, kind, status, earned_at, expires_at, pending_until, original_points, remaining_points, order_id, order_amount, rule_id)
       SELECT id || ':purchase:base', member, 'points', 'pending', at, at + interval '400 days', at + interval '14 days', points, points, key, amount, 'purchase'
         FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::bigint[], $6::bigint[]) AS x(id, key, member, at, amount, points)`,
      [ids, events.map((e) => e.key), events.map((e) => e.member), events.map((e) => e.at), events.map((e) => e.amount), points],
    );
    await client.query(
      `INSERT INTO ledger_entries (idempotency_key, member_id, kind, amount, qualifying_points, pending, at, event_id, rule_id, component, order_id, source, program_version)
       SELECT id || ':purchase:base', member, 'earn', points, points, true, at, id, 'purchase', 'base', key, 'api', 1
         FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[], $5::bigint[]) AS x(id, key, member, at, points)`,
      [ids, events.map((e) => e.key), events.map((e) => e.member), events.map((e) => e.at), points],
    );
    await client.query(
      `INSERT INTO member_balances (member_id, pending, lifetime_earned, next_review_at) SELECT member, points, points, 'infinity' FROM unnest($1::text[], $2::bigint[]) AS x(member, points)
       ON CONFLICT (member_id) DO UPDATE SET pending = member_balances.pending + EXCLUDED.pending, lifetime_earned = member_balances.lifetime_earned + EXCLUDED.lifetime_earned, updated_at = now()`,
      [[...byMember.keys()], [...byMember.values()]],
    );
    await client.query(
      `INSERT INTO outbox (queue, job_name, job_id, payload) SELECT 'member-events', 'member-event', 'evt-' || id, json_build_object('eventId', id, 'memberId', member)::jsonb FROM unnest($1::text[], $2::text[]) AS x(id, member)`,
      [ids, events.map((e) => e.member)],
    );
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

async function seedMembers(db: Pool, prefix: string, count: number, joined = `now() - interval '2 years'`): Promise<void> {
  await db.query(
    `INSERT INTO members (id, tier_id, joined_at, tier_started_at) SELECT $1 || g, 'bronze', ${joined}, ${joined} FROM generate_series(0, $2 - 1) g`,
    [prefix, count],
  );
  await db.query(`INSERT INTO member_balances (member_id, next_review_at) SELECT $1 || g, now() + interval '1 year' FROM generate_series(0, $2 - 1) g`, [prefix, count]);
}

interface RssSample {
  lines: number;
  mb: number;
}

interface ImportRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Resident set, sampled every second. */
  rss: RssSample[];
  /** With --import-trace-gc: the V8 heap after each full collection (what is really kept). */
  liveHeap: RssSample[];
}

/** A process's resident set now (VmRSS), in MB; undefined once it has exited. */
function residentMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Constant memory, shown: the importer's largest resident set in each tenth of the file (by the
 * lines it had read when sampled). Flat from the first tenth on means nothing grows with the file.
 */
function rssTable(label: string, samples: readonly RssSample[], total: number): void {
  const tenths: number[] = new Array(10).fill(0);
  for (const s of samples) {
    const t = Math.min(9, Math.floor((s.lines / total) * 10));
    tenths[t] = Math.max(tenths[t]!, s.mb);
  }
  console.log(`  importer ${label} (MB), largest per tenth of the file: ${tenths.map((mb) => (mb > 0 ? String(mb) : '–')).join(' ')}`);
}

/** `laurel import events FILE` in a child process, as a user runs it; its own report gives RSS and CPU. */
function runImport(databaseUrl: string, file: string): Promise<ImportRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...(IMPORT_TRACE_GC ? ['--trace-gc'] : []), join(PROJECT_ROOT, 'bin/laurel.js'), 'import', 'events', file, '--skip-bad'], {
      env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: 'error' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    // The importer's resident memory against the lines it has read (its progress line every 5 s).
    const rss: RssSample[] = [];
    const liveHeap: RssSample[] = [];
    let lines = 0;
    const sampler = setInterval(() => {
      const mb = residentMb(child.pid);
      if (mb !== undefined) rss.push({ lines, mb });
    }, 1000);
    let pending = '';
    child.stdout.on('data', (c: Buffer) => {
      pending += c.toString();
      const complete = pending.split('\n');
      pending = complete.pop()!;
      for (const text of complete) {
        // --trace-gc: `[pid:addr:gc] N ms: Mark-Compact 250.1 (262.3) -> 180.2 (262.3) MB, …`
        const gc = /Mark-Compact(?: \(reduce\))? [\d.]+ \([\d.]+\) -> ([\d.]+) \(/.exec(text);
        if (gc) liveHeap.push({ lines, mb: Math.round(Number(gc[1])) });
        else if (!text.includes(': Scavenge ')) stdout += `${text}\n`;
      }
    });
    child.stderr.on('data', (c: Buffer) => {
      const text = c.toString();
      stderr += text;
      const progress = /importing ([\d,]+) lines/.exec(text);
      if (progress) lines = Number(progress[1]!.replace(/,/g, ''));
      process.stderr.write(c);
    });
    child.on('exit', (code) => {
      clearInterval(sampler);
      resolve({ code: code ?? 1, stdout: stdout + pending, stderr, rss, liveHeap });
    });
  });
}

async function main(): Promise<void> {
  console.log(`laurel bench:ingest — ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), node ${process.version}; load average at start ${load()}`);
  const httpRuns = !ONLY_SWEEPS && !ONLY_IMPORT;
  const importRun = !SKIP_IMPORT && !ONLY_SWEEPS;
  const sweepRuns = !SKIP_SWEEPS && !ONLY_IMPORT;
  console.log(`events ${httpRuns ? EVENTS : 'skipped'}, concurrency ${CONCURRENCY}, import ${importRun ? IMPORT : 'skipped'}, sweep members ${sweepRuns ? MEMBERS : 'skipped'}\n`);
  const stack = await startBenchStack();
  const postgresPid = stack.services.find((s) => s.name === 'postgres')?.pid;
  readCpu = () => ({ bench: ownCpuSeconds(), postgres: processTreeCpuSeconds(postgresPid) });
  const config = loadConfig({ DATABASE_URL: stack.databaseUrl, REDIS_URL: stack.redisUrl, TEMPORAL_ADDRESS: stack.temporalAddress, SMTP_URL: stack.smtpUrl, LOG_LEVEL: 'error', PORT: '0' });
  const ctx = await openAppContext(config, { databaseUrl: stack.databaseUrl, redisUrl: stack.redisUrl, temporalAddress: stack.temporalAddress, smtpUrl: stack.smtpUrl }, createLogger('error'));
  const dir = mkdtempSync(join(tmpdir(), 'laurel-bench-ingest-'));
  try {
    const db = ctx.pool;
    await publishProgram(db, await loadProgramFile(join(PROJECT_ROOT, 'examples', 'reference.yaml')), 'bench');
    const key = (await createApiKey(db, { role: 'ingest', name: 'bench' })).key;
    await seedMembers(db, 'h', HTTP_MEMBERS);
    await seedMembers(db, 'x', HTTP_MEMBERS);
    await db.query('ANALYZE');
    const now = Date.now();
    if (httpRuns) {
      const api = await startApiRole(ctx);
      const client = new JsonPoster(api.url, { authorization: `Bearer ${key}` }, CONCURRENCY);

      console.log(`single events, concurrency ${CONCURRENCY}`);
      await db.query(`CREATE UNLOGGED TABLE IF NOT EXISTS bench_raw (key text PRIMARY KEY, member_id text, amount bigint, body jsonb)`);
      const narrow = await pool(EVENTS, CONCURRENCY, async (i) => {
        await db.query(`INSERT INTO bench_raw (key, member_id, amount, body) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING`, [`s${i}`, `h${i % HTTP_MEMBERS}`, 1_250_000, '{}']);
      });
      const a = line('raw INSERT of one narrow row', EVENTS, narrow);
      const sameRows = await pool(EVENTS, CONCURRENCY, (i) => rawSingle(db, { key: `rs${i}`, member: `x${i % HTTP_MEMBERS}`, amount: 1_250_000 + i, at: new Date(now - 3600_000) }));
      const b = line('raw same rows, one transaction per event', EVENTS, sameRows);
      const groups0 = { ...groupCommitStats };
      const phases0 = { ...ingestPhaseStats };
      const http = await pool(EVENTS, CONCURRENCY, async (i) => {
        const res = await client.post('/v1/events', { memberId: `h${i % HTTP_MEMBERS}`, type: 'purchase', amount: 1_250_000 + i, orderId: `o${i}` });
        if (res.status !== 201) throw new Error(`event ${i}: ${res.status} ${res.text}`);
      });
      const c = line('HTTP POST /v1/events (group commit)', EVENTS, http);
      const groups = groupCommitStats.groups - groups0.groups;
      console.log(`  ${groups} groups, ${((groupCommitStats.events - groups0.events) / Math.max(groups, 1)).toFixed(1)} events per group`);
      phases(phases0);
      ratio('HTTP / raw same rows one transaction per event', c.rate / b.rate, 1.0);
      cpuRatioPerEvent('HTTP / raw same rows one transaction per event', b, c);
      console.log(`  p99 ${c.p99.toFixed(1)} ms (goal < 50 ms)${c.p99 < 50 ? '' : '  ← goal missed'}`);
      console.log(`  ratio HTTP / narrow row: ${(c.rate / a.rate).toFixed(2)}\n`);

      console.log(`batches of ${BATCH}`);
      const batches = Math.max(1, Math.floor(EVENTS / BATCH));
      const narrowBatch = await timed(async () => {
        for (let k = 0; k < batches; k++) {
          const keys = Array.from({ length: BATCH }, (_, j) => `b${k}-${j}`);
          await db.query(`INSERT INTO bench_raw (key, member_id, amount, body) SELECT k, 'h1', 1250000, '{}' FROM unnest($1::text[]) k ON CONFLICT DO NOTHING`, [keys]);
        }
      });
      const d = line('raw batched INSERT of narrow rows (unnest)', batches * BATCH, narrowBatch);
      const sameBatch = await timed(async () => {
        for (let k = 0; k < batches; k++) {
          await rawBatch(db, Array.from({ length: BATCH }, (_, j) => ({ key: `rb${k}-${j}`, member: `x${j % HTTP_MEMBERS}`, amount: 990_000, at: new Date(now - 3600_000) })));
        }
      });
      const e = line('raw same rows, multi-row per 1,000', batches * BATCH, sameBatch);
      const phases1 = { ...ingestPhaseStats };
      const batchHttp = await timed(async () => {
        for (let k = 0; k < batches; k++) {
          const events = Array.from({ length: BATCH }, (_, j) => ({ memberId: `h${j % HTTP_MEMBERS}`, type: 'purchase', amount: 990_000, orderId: `bo${k}-${j}` }));
          const res = await client.post('/v1/events/batch', { events });
          if (res.status !== 200) throw new Error(`batch ${k}: ${res.status} ${res.text}`);
        }
      });
      const f = line('HTTP POST /v1/events/batch', batches * BATCH, batchHttp);
      phases(phases1);
      ratio('batch / raw same rows multi-row', f.rate / e.rate, 0.5);
      cpuRatioPerEvent('batch / raw same rows multi-row', e, f);
      console.log(`  ratio batch / narrow rows: ${(f.rate / d.rate).toFixed(3)}\n`);
      // Updates PostgreSQL kept on the page (HOT: no new index entries), migration 0050's fillfactor.
      const hot = await db.query<{ relname: string; upd: number; hot: number }>(
        `SELECT relname, n_tup_upd::int AS upd, n_tup_hot_upd::int AS hot FROM pg_stat_user_tables WHERE relname IN ('members', 'member_balances') ORDER BY relname`,
      );
      console.log(`  HOT updates so far: ${hot.rows.map((r) => `${r.relname} ${r.hot}/${r.upd} (${((100 * r.hot) / Math.max(r.upd, 1)).toFixed(0)}%)`).join(', ')}\n`);
      client.close();
      await api.stop();

    }

    if (importRun) {
      console.log(`import of ${IMPORT} events from a file`);
      const members = Math.max(1, Math.floor(IMPORT / 10));
      await seedMembers(db, 'i', members, `now() - interval '3 years'`);
      // The raw baseline writes to members of its own: on the importer's members its pending lots
      // (due by now) and qualifying points would be read, activated and counted by the import.
      await seedMembers(db, 'ri', members, `now() - interval '3 years'`);
      await db.query('ANALYZE');
      const file = join(dir, 'events.ndjson');
      const out = createWriteStream(file);
      const start = now - 300 * 86_400_000;
      const span = 290 * 86_400_000;
      for (let i = 0; i < IMPORT; i++) {
        const text = `{"memberId":"i${i % members}","type":"purchase","orderId":"im${i}","amount":${300_000 + (i % 13) * 100_000},"occurredAt":"${new Date(start + Math.floor((i / IMPORT) * span)).toISOString()}"}\n`;
        if (!out.write(text)) await new Promise<void>((r) => out.once('drain', () => r()));
      }
      await new Promise<void>((r) => out.end(() => r()));
      const rawImport = await timed(async () => {
        for (let k = 0; k < (SKIP_RAW_IMPORT ? 0 : IMPORT); k += BATCH) {
          await rawBatch(db, Array.from({ length: Math.min(BATCH, IMPORT - k) }, (_, j) => ({ key: `ri${k + j}`, member: `ri${(k + j) % members}`, amount: 300_000 + ((k + j) % 13) * 100_000, at: new Date(start + Math.floor(((k + j) / IMPORT) * span)) })));
        }
      });
      const g = SKIP_RAW_IMPORT ? undefined : line('raw same rows, multi-row per 1,000', IMPORT, rawImport);
      const importer = await timed(() => runImport(stack.databaseUrl, file));
      const report = /peak RSS (\d+) MB, CPU ([\d.]+) s/.exec(importer.result.stderr);
      if (importer.result.code !== 0) throw new Error(`import failed: ${importer.result.stderr.slice(-500)}`);
      const h = line('laurel import events FILE (child process)', IMPORT, importer, Number(report?.[2] ?? 0));
      console.log(`  importer: ${importer.result.stdout.trim()}`);
      console.log(`  importer peak RSS ${report?.[1] ?? '?'} MB (constant memory: the same at 100,000 and 1,000,000 lines)`);
      rssTable('RSS, sampled every second', importer.result.rss, IMPORT);
      if (IMPORT_TRACE_GC) rssTable('V8 heap after each full GC', importer.result.liveHeap, IMPORT);
      if (g) ratio('import / raw same rows multi-row', h.rate / g.rate, 0.5);
      if (g) cpuRatioPerEvent('import / raw same rows multi-row', g, h);
      console.log('');
    }

    if (sweepRuns) {
      console.log(`sweeps over ${MEMBERS} seeded members`);
      const seed = await timed(async () => {
        await db.query(
          `INSERT INTO members (id, tier_id, tier_started_at, joined_at)
           SELECT 's' || g, (ARRAY['bronze','silver','gold','diamond'])[1 + g % 4], now() - interval '2 years', now() - interval '2 years'
             FROM generate_series(1, $1) g`,
          [MEMBERS],
        );
        await db.query(`INSERT INTO member_balances (member_id, available, last_activity_at, next_review_at) SELECT 's' || g, 10, now() - interval '1 month', now() - interval '1 day' FROM generate_series(1, $1) g`, [MEMBERS]);
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
      // Each raw UPDATE and each sweep starts on a vacuumed, analyzed table (as autovacuum keeps it):
      // else the one before leaves a million dead rows whose cleanup — and whose autovacuum's CPU —
      // lands in the next measurement, and statistics change under the sweep's plans mid-run.
      const clean = () => db.query('VACUUM (ANALYZE) members, member_balances, lots, ledger_entries, lot_allocations');
      await clean();
      // The members the review judges (all seeded sweep members are due), their wide rows as before 0075.
      const rawReview = await timed(() => db.query(`UPDATE members SET updated_at = now() WHERE id LIKE 's%'`));
      const i = line('raw UPDATE of the same members', MEMBERS, rawReview);
      await clean();
      const review = await timed(() => reviewTiers(db, asOf));
      const j = line('reviewTiers(asOf), 2 pages at a time', review.result.reviewed, review);
      console.log(`  ${JSON.stringify(review.result)}`);
      ratio('reviewTiers / raw UPDATE', j.rate / i.rate, 0.3);
      cpuRatio('reviewTiers / raw UPDATE', i, j);
      await clean();
      const rawExpire = await timed(() => db.query(`UPDATE lots SET original_points = original_points WHERE expires_at <= $1 AND remaining_points > 0`, [asOf]));
      const k = line('raw UPDATE of the same lots', MEMBERS, rawExpire);
      await clean();
      const expiry = await timed(() => expirePoints(db, asOf));
      const l = line('expirePoints(asOf), 2 pages at a time', expiry.result.members, expiry);
      console.log(`  ${JSON.stringify(expiry.result)}`);
      ratio('expirePoints / raw UPDATE', l.rate / k.rate, 0.3);
      cpuRatio('expirePoints / raw UPDATE', k, l);
      console.log('');
    }
    const violations = await checkLedgerInvariant(db, [...Array.from({ length: HTTP_MEMBERS }, (_, n) => `h${n}`)]);
    console.log(`ledger invariant over the HTTP members: ${violations.length === 0 ? 'holds' : `${violations.length} violations`}`);
    console.log(`peak RSS of the bench process ${peakRssMb()} MB; load average at end ${load()}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await ctx.close();
    await stack.cleanup();
  }
}

await main();
