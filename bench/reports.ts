// Reports benchmark: `npm run bench:reports [-- --members N --entries N --runs R --interval day|week|month]`.
// `-- --reuse DATABASE_URL,REDIS_URL,TEMPORAL_ADDRESS` times the reports again on a stack a run
// left seeded (`--keep` leaves it running and prints that argument) without seeding again.
// Seeds a year of history (default 1,000,000 members and 10,000,000 ledger entries with items),
// then times every report over the year by day through the API, beside a raw baseline in the same
// run on the same PostgreSQL — `SELECT count(*), sum(…)` over the rows that report reads — and
// the points report for one day. Prints ratios, the load average and peak memory.
import { loadavg } from 'node:os';
import pg from 'pg';
import { openAppContext } from '../src/app/context.js';
import { buildServer } from '../src/api/index.js';
import { createApiKey } from '../src/auth/index.js';
import { PROJECT_ROOT } from '../src/cli/runtime.js';
import { loadConfig } from '../src/config/index.js';
import { createPool, migrate } from '../src/db/index.js';
import { createLogger } from '../src/log/index.js';
import { loadProgramFile } from '../src/program/index.js';
import { publishProgram } from '../src/program/store.js';
import { ownCpuSeconds, processTreeCpuSeconds } from './support/cpu.js';
import { SEED_YEAR, seedReportHistory } from './support/report-seed.js';
import { argNumber, peakRssMb, startBenchStack } from './support/stack.js';
import { join } from 'node:path';

const MEMBERS = argNumber('--members', 1_000_000);
const ENTRIES = argNumber('--entries', 10_000_000);
const RUNS = argNumber('--runs', 3);
const REUSE = process.argv.includes('--reuse') ? process.argv[process.argv.indexOf('--reuse') + 1]!.split(',') : null;
const KEEP = process.argv.includes('--keep');
// `--seed-only`: seed (with --keep: and leave the stack running) without timing anything.
const SEED_ONLY = process.argv.includes('--seed-only');
// `--only campaigns,contests`: time only these reports (the one-day points figure comes with points).
const ONLY = process.argv.includes('--only') ? process.argv[process.argv.indexOf('--only') + 1]!.split(',') : null;
// `--interval week`: each report over the year by week (or month) instead of by day.
const INTERVAL = process.argv.includes('--interval') ? process.argv[process.argv.indexOf('--interval') + 1]! : 'day';
if (!['day', 'week', 'month'].includes(INTERVAL)) throw new Error(`--interval: expected day, week or month, not ${INTERVAL}`);

const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');

let postgresPid: number | undefined;
/** CPU seconds so far of this process and PostgreSQL: on a shared machine a steadier measure than wall time. */
const cpuNow = () => ownCpuSeconds() + processTreeCpuSeconds(postgresPid);

/**
 * The median of `runs` timings (ms) of `work` after one untimed run that warms caches and plans,
 * and the CPU (this process + PostgreSQL) per run.
 */
async function median(work: () => Promise<unknown>): Promise<{ ms: number; cpuMs: number }> {
  await work();
  const times: number[] = [];
  const c0 = cpuNow();
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    await work();
    times.push(performance.now() - t0);
  }
  return { ms: times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!, cpuMs: ((cpuNow() - c0) * 1000) / RUNS };
}

// The rows each report reads, counted and summed the plainest way, over the same year.
const RANGE = `$1::timestamptz AND $2::timestamptz`;
const BASELINES: Record<string, string[]> = {
  points: [`SELECT count(*), sum(amount) FROM ledger_entries WHERE at >= $1 AND at < $2`],
  members: [`SELECT count(*), sum(amount) FROM events WHERE occurred_at >= $1 AND occurred_at < $2`, `SELECT count(*), sum(extract(epoch FROM joined_at)) FROM members WHERE joined_at < $2 AND $1::timestamptz IS NOT NULL`],
  tiers: [
    `SELECT count(*), sum(program_version) FROM tier_reviews WHERE reviewed_at >= $1 AND reviewed_at < $2`,
    `SELECT count(*), sum(id) FROM tier_changes WHERE at >= $1 AND at < $2`,
    `SELECT count(*), sum(progress_points) FROM winbacks WHERE demoted_at >= $1 AND demoted_at < $2`,
  ],
  sales: [
    `SELECT count(*), sum(amount) FROM events WHERE type IN ('purchase', 'refund') AND occurred_at >= $1 AND occurred_at < $2`,
    `SELECT count(*), sum(amount) FROM event_items WHERE occurred_at >= $1 AND occurred_at < $2`,
  ],
  campaigns: [`SELECT count(*), sum(bucket) FROM campaign_members WHERE entered_at >= $1 AND entered_at < $2`],
  missions: [
    `SELECT count(*), sum(progress) FROM mission_enrollments WHERE created_at >= $1 AND created_at < $2`,
    `SELECT count(*), sum(progress) FROM mission_enrollments WHERE completed_at >= $1 AND completed_at < $2`,
  ],
  contests: [`SELECT count(*), sum(delta) FROM contest_contributions WHERE at BETWEEN ${RANGE}`],
};

async function main(): Promise<void> {
  console.log(`bench:reports — ${REUSE ? 'on a stack seeded earlier' : `${MEMBERS.toLocaleString('en')} members, ${ENTRIES.toLocaleString('en')} ledger entries`}; load average ${load()}`);
  const stack = REUSE
    ? { databaseUrl: REUSE[0]!, redisUrl: REUSE[1]!, temporalAddress: REUSE[2]!, smtpUrl: 'smtp://127.0.0.1:1', services: [] as { name: string; pid?: number }[], cleanup: async () => undefined }
    : await startBenchStack();
  if (REUSE) {
    // A database seeded by an older commit gets this commit's migrations (their backfills) first.
    const pool = createPool(REUSE[0]!, 2);
    const t0 = performance.now();
    const { applied } = await migrate(pool);
    await pool.end();
    if (applied.length > 0) console.log(`  migrations applied to the reused database: ${applied.join(', ')} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  const urls = { databaseUrl: stack.databaseUrl, redisUrl: stack.redisUrl, temporalAddress: stack.temporalAddress, smtpUrl: stack.smtpUrl };
  const config = loadConfig({ DATABASE_URL: stack.databaseUrl, REDIS_URL: stack.redisUrl, TEMPORAL_ADDRESS: stack.temporalAddress, SMTP_URL: stack.smtpUrl, LOG_LEVEL: 'error', PORT: '0' });
  const ctx = await openAppContext(config, urls, createLogger('error'));
  const db = new pg.Client({ connectionString: stack.databaseUrl });
  await db.connect();
  postgresPid = stack.services.find((s) => s.name === 'postgres')?.pid;
  try {
    const t0 = performance.now();
    if (!REUSE) {
      await publishProgram(ctx.pool, await loadProgramFile(join(PROJECT_ROOT, 'examples', 'reference.yaml')), 'bench');
      console.log('\nseeding (server side; progress per table):');
      await seedReportHistory(db, { members: MEMBERS, entries: ENTRIES }, (step, ms) => console.log(`  ${step.padEnd(42)} ${(ms / 1000).toFixed(1).padStart(7)} s   load ${load()}`));
    }
    const { rows: sizes } = await db.query<{ entries: string; items: string; events: string; rollup: string }>(
      `SELECT (SELECT count(*) FROM ledger_entries) AS entries, (SELECT count(*) FROM event_items) AS items, (SELECT count(*) FROM events) AS events,
              (SELECT count(*) FROM ledger_rollup) AS rollup`,
    );
    console.log(
      `  ${REUSE ? 'reused' : `seeded in ${((performance.now() - t0) / 1000).toFixed(0)} s`}: ${Number(sizes[0]!.entries).toLocaleString('en')} ledger entries, ${Number(sizes[0]!.events).toLocaleString('en')} events, ` +
        `${Number(sizes[0]!.items).toLocaleString('en')} items; ${Number(sizes[0]!.rollup).toLocaleString('en')} rollup rows`,
    );

    if (ONLY) for (const name of ONLY) if (!(name in BASELINES)) throw new Error(`--only: unknown report ${name}`);
    const app = await buildServer(ctx);
    const { key } = await createApiKey(ctx.pool, { role: 'marketer', name: 'bench' });
    const get = async (url: string) => {
      const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${key}` } });
      if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
      return res.body.length;
    };
    const range = [SEED_YEAR.start, SEED_YEAR.end];
    console.log(`\neach report over ${SEED_YEAR.from}..${SEED_YEAR.to} by ${INTERVAL}${INTERVAL === 'day' ? ' (365 intervals' : ' (Gregorian'}, Asia/Tehran), median of ${RUNS} after a warm-up:`);
    console.log(`  ${'report'.padEnd(10)} ${'report ms'.padStart(10)} ${'raw ms'.padStart(9)} ${'ratio'.padStart(7)} ${'CPU ratio'.padStart(10)}  ${'JSON'.padStart(9)}  load`);
    const results: { name: string; ratio: number }[] = [];
    for (const name of SEED_ONLY ? [] : Object.keys(BASELINES).filter((n) => !ONLY || ONLY.includes(n))) {
      let bytes = 0;
      const report = await median(async () => (bytes = await get(`/v1/reports/${name}?from=${SEED_YEAR.from}&to=${SEED_YEAR.to}&interval=${INTERVAL}`)));
      const raw = await median(async () => {
        for (const sql of BASELINES[name]!) await db.query(sql, range);
      });
      results.push({ name, ratio: report.ms / raw.ms });
      console.log(
        `  ${name.padEnd(10)} ${report.ms.toFixed(0).padStart(10)} ${raw.ms.toFixed(0).padStart(9)} ${(report.ms / raw.ms).toFixed(2).padStart(7)} ${(report.cpuMs / raw.cpuMs).toFixed(2).padStart(10)}  ${(bytes / 1024).toFixed(0).padStart(7)} KB  ${load()}`,
      );
    }
    if (!SEED_ONLY && (!ONLY || ONLY.includes('points'))) {
    const oneDay = await median(() => get(`/v1/reports/points?from=2025-12-31&to=2025-12-31&interval=day`));
    const oneDayRaw = await median(() => db.query(`SELECT count(*), sum(amount) FROM ledger_entries WHERE at >= $1 AND at < $2`, ['2025-12-31T00:00:00+03:30', SEED_YEAR.end]));
    console.log(`\npoints report for one day (2025-12-31): ${oneDay.ms.toFixed(1)} ms through the API (goal < 50 ms); raw count/sum of that day's entries ${oneDayRaw.ms.toFixed(1)} ms`);
    }
    if (results.length > 0) {
      const worst = results.reduce((a, b) => (b.ratio > a.ratio ? b : a));
      console.log(`worst ratio: ${worst.name} ${worst.ratio.toFixed(2)} (goal ≤ 3)`);
    }
    console.log(`peak RSS of this process (API + seeding client): ${peakRssMb()} MB; load average ${load()}`);
    await app.close();
  } finally {
    await db.end();
    await ctx.close();
    if (KEEP && !REUSE) {
      console.log(`\nstack kept running (Ctrl-C stops it); time again with: npm run bench:reports -- --reuse ${stack.databaseUrl},${stack.redisUrl},${stack.temporalAddress}`);
      await new Promise<void>((resolve) => process.once('SIGINT', resolve));
    }
    await stack.cleanup();
  }
}

await main();
