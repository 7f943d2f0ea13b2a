// Mission fan-out benchmark:
// `npm run bench:missions [-- --members N --events E --concurrency C --dynamic-config KEY=VALUE ...]`.
//
// N members each with a mission workflow, fed E events (E / N per member) through the real
// fan-out path: BullMQ member-event jobs → the missions fan-out handler (one statement reads the
// event, its member, the missions its type triggers and each one's enrollment at the event's time;
// a missing enrollment is opened under its advisory lock; signalWithStart
// `mission:<id>:<member>:<period>`). Beside it, on the same Temporal server, the raw baseline:
// E bare signalWithStart calls to N workflow ids with the same concurrency. Prints events/s of
// both and the ratio. No journeys worker runs during either measurement, so both measure the
// path to an accepted signal, not workflow execution.
//
// `--dynamic-config KEY=VALUE` (repeatable) starts the Temporal dev server with those dynamic
// config values (`--dynamic-config-value`); both paths run against that one server. Tried:
// `history.cacheMaxSize=25000` (the dev server has one history shard whose mutable-state cache
// holds 512 workflows, so with thousands of members signalled in turn most signals miss it): the
// server's CPU per signalWithStart stayed at 5.6–6.2 ms (3,000 members, 6,000 events), so the
// default server is what the figures use.
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { temporalAnswers } from '../src/dev/stack.js';
import { Queue } from 'bullmq';
import { startBenchStack, argNumber, peakRssMb } from './support/stack.js';
import { ownCpuSeconds, processTreeCpuSeconds } from './support/cpu.js';
import { loadConfig } from '../src/config/index.js';
import { createLogger } from '../src/log/index.js';
import { openAppContext } from '../src/app/context.js';
import { createFanoutWorker, type MemberEventJob } from '../src/fanout/index.js';
import { createMission, createMissionFanoutHandler, MissionInputSchema, MISSION_EVENT_SIGNAL } from '../src/journeys/missions/index.js';
import { loadProgramFile } from '../src/program/index.js';
import { publishProgram } from '../src/program/store.js';
import { QUEUES, createRedis, jobId } from '../src/queues/index.js';
import { PROJECT_ROOT } from '../src/cli/runtime.js';
import { ChildService } from '../src/dev/child-service.js';
import { findFreePort } from '../src/dev/ports.js';
import { readToolPaths } from '../src/dev/tools.js';

const MEMBERS = argNumber('--members', 10_000);
const EVENTS = argNumber('--events', 50_000);
const CONCURRENCY = argNumber('--concurrency', 32);
const DYNAMIC_CONFIG = process.argv.flatMap((a, i) => (process.argv[i - 1] === '--dynamic-config' ? [a] : []));

/** A headless in-memory dev server as the bench stack runs it, plus the given dynamic config. */
async function startTemporalWith(dynamicConfig: readonly string[]): Promise<ChildService & { address: string }> {
  const port = await findFreePort();
  const logDir = mkdtempSync(join(tmpdir(), 'laurel-bench-temporal-'));
  const service = ChildService.start({
    name: 'temporal',
    command: readToolPaths(PROJECT_ROOT).temporalCli,
    args: ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn', '--headless', ...dynamicConfig.flatMap((kv) => ['--dynamic-config-value', kv])],
    logFile: join(logDir, 'temporal.log'),
  });
  const address = `127.0.0.1:${port}`;
  await service.waitUntilReady(temporalAnswers(address), 60_000);
  return Object.assign(service, { address });
}

async function main(): Promise<void> {
  console.log(`laurel bench:missions — ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), node ${process.version}`);
  console.log(`members ${MEMBERS}, events ${EVENTS}, concurrency ${CONCURRENCY}\n`);
  if (DYNAMIC_CONFIG.length > 0) console.log(`Temporal dev server dynamic config: ${DYNAMIC_CONFIG.join(' ')}`);
  const temporal = DYNAMIC_CONFIG.length > 0 ? await startTemporalWith(DYNAMIC_CONFIG) : undefined;
  const stack = await startBenchStack(temporal ? { external: { temporalAddress: temporal.address } } : {});
  const urls = { databaseUrl: stack.databaseUrl, redisUrl: stack.redisUrl, temporalAddress: stack.temporalAddress, smtpUrl: stack.smtpUrl };
  const config = loadConfig({ DATABASE_URL: urls.databaseUrl, REDIS_URL: urls.redisUrl, TEMPORAL_ADDRESS: urls.temporalAddress, SMTP_URL: urls.smtpUrl, LOG_LEVEL: 'error', PORT: '0', QUEUE_PREFIX: 'bench' });
  const ctx = await openAppContext(config, urls, createLogger('error'));
  // CPU seconds each party spends per phase: on a shared 2-core machine the rates swing with
  // everyone's load, the CPU each event costs each service does not.
  const pidOf = (name: string) => (name === 'temporal' && temporal ? temporal.pid : stack.services.find((s) => s.name === name)?.pid);
  const cpuNow = () => ({ bench: ownCpuSeconds(), temporal: processTreeCpuSeconds(pidOf('temporal')), postgres: processTreeCpuSeconds(pidOf('postgres')), redis: processTreeCpuSeconds(pidOf('redis')) });
  const cpuPerEvent = (before: ReturnType<typeof cpuNow>, n: number) => {
    const after = cpuNow();
    const ms = (k: keyof typeof after) => (((after[k] - before[k]) * 1000) / n).toFixed(2);
    return `CPU per event: Temporal server ${ms('temporal')} ms, this process ${ms('bench')} ms, Postgres ${ms('postgres')} ms, Redis ${ms('redis')} ms`;
  };
  // Load averages (1, 5, 15 min) at a phase's start and end: others share these cores.
  const loadNow = () => loadavg().map((l) => l.toFixed(1)).join(' ');
  const connection = createRedis(urls.redisUrl);
  try {
    const program = await loadProgramFile(join(PROJECT_ROOT, 'examples', 'reference.yaml'));
    const { version } = await publishProgram(ctx.pool, program, 'bench');
    // A goal nobody reaches here: every event is one more signal, none completes the mission.
    await createMission(
      ctx.pool,
      MissionInputSchema.parse({ id: 'bench', name: 'Bench reviews', trigger: 'review', goal: { type: 'count', target: EVENTS + 1 }, period: { type: 'calendar_month' }, rewardPoints: 1, nudges: { halfway: false, oneAway: false } }),
      'bench',
    );
    const t0 = performance.now();
    await ctx.pool.query(
      `INSERT INTO members (id, tier_id) SELECT 'm' || lpad(i::text, 7, '0'), 'bronze' FROM generate_series(1, $1) i`,
      [MEMBERS],
    );
    await ctx.pool.query(
      `INSERT INTO events (id, idempotency_key, member_id, type, occurred_at, program_version, result)
       SELECT 'evt_bench_' || i, 'bench:' || i, 'm' || lpad((1 + i % $2)::text, 7, '0'), 'review', now(), $3, '{}'
         FROM generate_series(0, $1 - 1) i`,
      [EVENTS, MEMBERS, version],
    );
    console.log(`  seeded ${MEMBERS} members and ${EVENTS} events in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

    // ---- the fan-out path ----
    const handler = createMissionFanoutHandler({ pool: ctx.pool, temporal: ctx.temporal, taskQueue: config.taskQueue });
    const queue = new Queue<MemberEventJob>(QUEUES.memberEvents, { connection: ctx.redis, prefix: config.queuePrefix });
    // Done when the queue holds nothing waiting, active or delayed: polled (4 Hz) rather than
    // followed through QueueEvents, whose stream reads would cost this process and Redis CPU
    // per job that the raw baseline does not pay.
    const drained = async (): Promise<{ failed: number }> => {
      for (;;) {
        const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children', 'failed');
        if ((c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0) + (c['waiting-children'] ?? 0) === 0) return { failed: c.failed ?? 0 };
        await new Promise((r) => setTimeout(r, 250));
      }
    };
    const tFanout = performance.now();
    const cpuFanout = cpuNow();
    const loadFanout = loadNow();
    for (let i = 0; i < EVENTS; i += 1000) {
      const jobs = [];
      for (let j = i; j < Math.min(EVENTS, i + 1000); j += 1) {
        const memberId = `m${String(1 + (j % MEMBERS)).padStart(7, '0')}`;
        jobs.push({ name: 'member-event', data: { eventId: `evt_bench_${j}`, memberId }, opts: { jobId: jobId('evt', `evt_bench_${j}`), removeOnComplete: true } });
      }
      await queue.addBulk(jobs);
    }
    const worker = createFanoutWorker({ connection, prefix: config.queuePrefix, handlers: [handler], logger: ctx.logger, concurrency: CONCURRENCY });
    const { failed } = await drained();
    const fanoutMs = performance.now() - tFanout;
    await worker.close();
    await queue.close();
    const fanoutRate = (EVENTS / fanoutMs) * 1000;
    const enrollments = (await ctx.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM mission_enrollments`)).rows[0]!.n;
    console.log(`  fan-out → signalWithStart       ${String(EVENTS).padStart(7)} events in ${(fanoutMs / 1000).toFixed(2).padStart(7)} s  ${fanoutRate.toFixed(0).padStart(6)} /s  (${enrollments} enrollments, ${failed} failed jobs)`);
    console.log(`    ${cpuPerEvent(cpuFanout, EVENTS)}`);
    console.log(`    load average at start ${loadFanout}, at end ${loadNow()}`);

    // ---- the raw baseline: bare signalWithStart, same server, same concurrency ----
    let next = 0;
    const tRaw = performance.now();
    const cpuRaw = cpuNow();
    const loadRaw = loadNow();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < EVENTS) {
          const i = next++;
          await ctx.temporal.workflow.signalWithStart('missionWorkflow', {
            workflowId: `raw:bench:m${String(1 + (i % MEMBERS)).padStart(7, '0')}`,
            taskQueue: `${config.taskQueue}-raw`,
            args: [{}],
            signal: MISSION_EVENT_SIGNAL,
            signalArgs: [{ eventId: `raw_${i}`, delta: 1, occurredAtMs: Date.now(), uncount: false }],
          });
        }
      }),
    );
    const rawMs = performance.now() - tRaw;
    const rawRate = (EVENTS / rawMs) * 1000;
    console.log(`  raw signalWithStart             ${String(EVENTS).padStart(7)} signals in ${(rawMs / 1000).toFixed(2).padStart(6)} s  ${rawRate.toFixed(0).padStart(6)} /s`);
    console.log(`    ${cpuPerEvent(cpuRaw, EVENTS)}`);
    console.log(`    load average at start ${loadRaw}, at end ${loadNow()}`);
    console.log(`\n  ratio fan-out / raw: ${(fanoutRate / rawRate).toFixed(2)}   peak RSS ${peakRssMb()} MB`);
  } finally {
    connection.disconnect();
    await ctx.close();
    await stack.cleanup();
    await temporal?.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
