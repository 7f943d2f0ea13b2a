// Campaign benchmark: `npm run bench:campaign [-- --members N --concurrency C --worker-heap-mb M]`.
//
// In one run, on a throwaway stack (Postgres, Redis, Temporal) and a fast SMTP sink (its own process):
//  1. raw delivery baseline: N send records written and enqueued straight from this script, delivered
//     by the worker process; time to the last delivery;
//  2. a one-step campaign over a seeded N-member segment: launch → campaign:<id> pages through the
//     segment by keyset, buckets, writes send records, adds delivery jobs → the same worker delivers;
//     time from launch to the last delivery.
// Prints msgs/s of both, their ratio, and the worker process's peak RSS (goal < 400 MB): overall
// (the kernel's high-water mark) and per phase. The worker process runs the worker role (delivery)
// and the journeys role (Temporal worker and its workflow thread), as one deployment would, with its
// V8 heap capped at M MB (default 256; 0 = Node's default, which on this 24 GB VM is 4 GB).
//
// Where the memory goes (measured, 20,000 members): ~180 MB is code once everything is imported
// (tsx, Temporal SDK and its gRPC/proto, BullMQ, pg, nodemailer), the Temporal core and workflow
// thread add ~70 MB, the live JS heap is ~70–100 MB. Without a heap cap the delivery path's
// short-lived garbage (pg parameter buffers, MIME nodes, rendered templates: ~25 KB promoted per
// message) piles up in old space between major GCs, so RSS saw-tooths to ~460 MB; with the cap V8
// collects it earlier at no measurable cost in msgs/s. Diagnostics: BENCH_MEMLOG=<file> logs the
// worker's memory every 2 s; BENCH_HEAPPROF=<file> writes a sampling heap profile that includes
// objects collected by major GCs (what piles up).
import type { ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { argNumber, peakRssMb, startBenchStack, workerHeapCap } from './support/stack.js';
import { startChild } from './support/child.js';

const SELF = fileURLToPath(import.meta.url);
const SINK = fileURLToPath(new URL('./delivery.ts', import.meta.url));

async function runWorker(): Promise<void> {
  const { loadConfig } = await import('../src/config/index.js');
  const { createLogger } = await import('../src/log/index.js');
  const { openAppContext } = await import('../src/app/context.js');
  const { startJourneysRole, startWorkerRole } = await import('../src/roles/index.js');
  if (process.env.BENCH_MEMLOG) appendFileSync(process.env.BENCH_MEMLOG, `stage imports rss ${(process.memoryUsage().rss / 1048576).toFixed(0)}\n`);
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel, 'bench-campaign-worker');
  const ctx = await openAppContext(config, { databaseUrl: config.databaseUrl!, redisUrl: config.redisUrl!, temporalAddress: config.temporalAddress!, smtpUrl: config.smtpUrl! }, logger);
  // Peak RSS sampled every 50 ms, overall and since the last phase mark (SIGUSR2 from the
  // driver prints the phase's peak and starts the next); the kernel's high-water mark (VmHWM)
  // backs the overall figure up, so a spike between samples is not missed.
  let peakRss = process.memoryUsage().rss;
  let phasePeak = peakRss;
  let heapAtPeak = process.memoryUsage().heapUsed;
  let lastLog = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    phasePeak = Math.max(phasePeak, m.rss);
    if (m.rss > peakRss) {
      peakRss = m.rss;
      heapAtPeak = m.heapUsed;
    }
    if (process.env.BENCH_MEMLOG && Date.now() - lastLog > 2000) {
      lastLog = Date.now();
      const mb = (n: number) => (n / 1048576).toFixed(0);
      appendFileSync(process.env.BENCH_MEMLOG, `${new Date().toISOString()} mem rss ${mb(m.rss)} heapTotal ${mb(m.heapTotal)} heapUsed ${mb(m.heapUsed)} external ${mb(m.external)} arrayBuffers ${mb(m.arrayBuffers)}\n`);
    }
  }, 50);
  process.on('SIGUSR2', () => {
    process.stdout.write(`phase-peak ${Math.max(phasePeak, process.memoryUsage().rss)}\n`);
    phasePeak = process.memoryUsage().rss;
  });
  // The workflow bundle is built once by the parent (as a deployment ships a prebuilt bundle), so
  // webpack's peak is not counted as the worker's.
  const bundle = process.env.BENCH_WORKFLOW_BUNDLE ? { code: readFileSync(process.env.BENCH_WORKFLOW_BUNDLE, 'utf8') } : undefined;
  const stage = (what: string) => process.env.BENCH_MEMLOG && appendFileSync(process.env.BENCH_MEMLOG, `stage ${what} rss ${(process.memoryUsage().rss / 1048576).toFixed(0)} heapUsed ${(process.memoryUsage().heapUsed / 1048576).toFixed(0)}\n`);
  stage('context');
  const workerRole = await startWorkerRole(ctx);
  stage('worker role');
  const roles = [workerRole, await startJourneysRole(ctx, bundle)];
  stage('journeys role');
  if (process.env.BENCH_MEMLOG) appendFileSync(process.env.BENCH_MEMLOG, `ready rss ${(process.memoryUsage().rss / 1048576).toFixed(0)}\n`);
  const profiler = process.env.BENCH_HEAPPROF ? new (await import('node:inspector')).Session() : undefined;
  if (profiler) {
    profiler.connect();
    profiler.post('HeapProfiler.startSampling', { samplingInterval: 16384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false } as object);
  }
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => {
    void (async () => {
      if (profiler) {
        await new Promise<void>((resolve) =>
          profiler.post('HeapProfiler.stopSampling', (err, res) => {
            if (!err) writeFileSync(process.env.BENCH_HEAPPROF!, JSON.stringify((res as { profile: unknown }).profile));
            resolve();
          }),
        );
      }
      for (const role of roles.reverse()) await role.stop();
      clearInterval(sampler);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      await ctx.close();
      const hwmKb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? 0);
      process.stdout.write(`rss ${Math.max(peakRss, hwmKb * 1024)} sampled ${peakRss} heap ${heapAtPeak}\n`);
      process.exit(0);
    })();
  });
}

async function main(): Promise<void> {
  const members = argNumber('--members', 100_000);
  const concurrency = argNumber('--concurrency', 50);
  const connections = argNumber('--connections', 10);
  const heapCap = workerHeapCap();
  const { createPool } = await import('../src/db/index.js');
  const { createRedis } = await import('../src/queues/index.js');
  const { createDeliveryQueue, insertSendRecords, enqueueDeliveries } = await import('../src/messaging/index.js');
  const { CampaignDefinitionSchema, saveCampaign, launchCampaign } = await import('../src/journeys/campaigns/index.js');
  const { connectTemporalClient, bundleWorkflows } = await import('../src/journeys/index.js');
  const bundleDir = mkdtempSync(join(tmpdir(), 'laurel-bench-bundle-'));
  const bundlePath = join(bundleDir, 'workflows.js');
  writeFileSync(bundlePath, (await bundleWorkflows()).code);

  const sink = await startChild([SINK, '--sink'], process.env, /port (\d+)\n/);
  const smtpUrl = `smtp://127.0.0.1:${sink.match[1]}`;
  const stack = await startBenchStack();
  const prefix = `bench${Date.now().toString(36)}`;
  const taskQueue = `laurel-${prefix}`;
  const pool = createPool(stack.databaseUrl, 10);
  const redis = createRedis(stack.redisUrl);
  const temporal = await connectTemporalClient(stack.temporalAddress, 'default');
  let worker: ChildProcess | undefined;
  try {
    const seedStart = performance.now();
    for (let i = 0; i < members; i += 10_000) {
      const ids = Array.from({ length: Math.min(10_000, members - i) }, (_, k) => `m${String(i + k).padStart(7, '0')}`);
      await pool.query(
        `INSERT INTO members (id, email, first_name, locale, time_zone, tier_id, consent)
         SELECT id, id || '@bench.test', 'Sam', CASE WHEN right(id, 1) IN ('1','3','5','7','9') THEN 'fa' ELSE 'en' END,
                CASE WHEN right(id, 1) IN ('1','3','5','7','9') THEN 'Asia/Tehran' ELSE 'Europe/London' END,
                (ARRAY['bronze','silver','gold','diamond'])[1 + (substr(id, 2)::int % 4)], '{"email":{"marketing":true}}'
           FROM unnest($1::text[]) AS id`,
        [ids],
      );
    }
    await pool.query('ANALYZE members');
    process.stdout.write(`seeded ${members} members in ${((performance.now() - seedStart) / 1000).toFixed(1)} s\n`);

    const env = {
      ...process.env,
      DATABASE_URL: stack.databaseUrl,
      REDIS_URL: stack.redisUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      SMTP_URL: `${smtpUrl}?maxConnections=${connections}`,
      QUEUE_PREFIX: prefix,
      TEMPORAL_TASK_QUEUE: taskQueue,
      DELIVERY_CONCURRENCY: String(concurrency),
      QUIET_HOURS: 'off',
      FREQUENCY_CAPS: '{}',
      LOG_LEVEL: 'warn',
      BENCH_WORKFLOW_BUNDLE: bundlePath,
    };
    const started = await startChild([SELF, '--worker'], env, /ready\n/, heapCap.nodeOptions);
    worker = started.child;
    const phasePeakMb = async (): Promise<number> => {
      const seen = started.output().match(/phase-peak \d+/g)?.length ?? 0;
      started.child.kill('SIGUSR2');
      for (;;) {
        const peaks = started.output().match(/phase-peak (\d+)/g) ?? [];
        if (peaks.length > seen) return Math.round(Number(peaks[seen]!.split(' ')[1]) / 1048576);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const queue = createDeliveryQueue(redis, prefix);
    const template = { message: 'winback_offer', vars: { bonusPoints: 500, spendThreshold: { amountMinor: '2000000', currency: 'IRT' }, offerEndsAt: '2027-12-04T20:29:59Z' } };

    const waitSent = async (like: string, count = members): Promise<void> => {
      for (;;) {
        const { rows } = await pool.query<{ sent: number; other: number }>(
          `SELECT count(*) FILTER (WHERE status = 'sent')::int AS sent, count(*) FILTER (WHERE status IN ('dead', 'suppressed', 'capped'))::int AS other FROM messages WHERE id LIKE $1`,
          [like],
        );
        const { sent, other } = rows[0]!;
        if (other > 0) throw new Error(`${other} messages did not go out`);
        if (sent >= count) return;
        await new Promise((r) => setTimeout(r, 100));
      }
    };

    // 0. Warm-up (JIT, template compilation, connection pools), not timed: otherwise the phase that
    //    runs first pays for it.
    const warmup = Math.min(2000, members);
    const warmupRequests = Array.from({ length: warmup }, (_, k) => {
      const id = `m${String(k).padStart(7, '0')}`;
      return { id: `warmup.${id}`, message: template.message, channel: 'email' as const, memberId: id, vars: template.vars, category: 'marketing' as const };
    });
    await insertSendRecords(pool, warmupRequests);
    await enqueueDeliveries(queue, warmupRequests.map((r) => r.id));
    await waitSent('warmup.%', warmup);

    // 1. Raw delivery baseline: records and jobs straight from here.
    const mark = (what: string) => process.env.BENCH_MEMLOG && appendFileSync(process.env.BENCH_MEMLOG, `${new Date().toISOString()} phase ${what}\n`);
    const startupPeak = await phasePeakMb();
    mark('raw');
    // Load averages (1, 5, 15 min) at each phase's start and end: others share these cores.
    const loadNow = () => loadavg().map((l) => l.toFixed(1)).join(' ');
    const rawLoad = loadNow();
    const rawStart = performance.now();
    for (let i = 0; i < members; i += 5000) {
      const requests = Array.from({ length: Math.min(5000, members - i) }, (_, k) => {
        const id = `m${String(i + k).padStart(7, '0')}`;
        return { id: `baseline.${id}`, message: template.message, channel: 'email' as const, memberId: id, vars: template.vars, category: 'marketing' as const };
      });
      await insertSendRecords(pool, requests);
      await enqueueDeliveries(queue, requests.map((r) => r.id));
    }
    await waitSent('baseline.%');
    const rawSeconds = (performance.now() - rawStart) / 1000;
    const rawPeak = await phasePeakMb();
    const rawRate = members / rawSeconds;
    process.stdout.write(`raw delivery baseline: ${members} messages in ${rawSeconds.toFixed(1)} s = ${rawRate.toFixed(0)} msgs/s (load average ${rawLoad} → ${loadNow()})\n`);

    // 2. The campaign: launch to last delivery.
    const definition = CampaignDefinitionSchema.parse({
      name: 'Bench',
      segment: { all: [{ tier: { in: ['bronze', 'silver', 'gold', 'diamond'] } }, { consent: { channel: 'email', kind: 'marketing', granted: true } }] },
      variants: [{ key: 'a', percent: 50, template }, { key: 'b', percent: 50, template }],
      holdoutPercent: 0,
      sendRatePerSecond: 100_000,
    });
    await saveCampaign(pool, { id: 'bench', definition, actor: 'bench' });
    mark('campaign');
    const campaignLoad = loadNow();
    const campaignStart = performance.now();
    await launchCampaign({ pool, temporal, taskQueue }, 'bench', { pageSize: 1000 });
    const result = (await temporal.workflow.getHandle('campaign:bench').result()) as { counters: { entered: number; pages: number } };
    const pagedSeconds = (performance.now() - campaignStart) / 1000;
    await waitSent('campaign.bench.%');
    const campaignSeconds = (performance.now() - campaignStart) / 1000;
    const campaignRate = members / campaignSeconds;
    const campaignEndLoad = loadNow();
    const campaignPeak = await phasePeakMb();
    await queue.close();
    const exit = new Promise<void>((resolve) => worker!.once('exit', () => resolve()));
    worker.kill('SIGTERM');
    await exit;
    const final = /rss (\d+) sampled \d+ heap (\d+)/.exec(started.output());
    const rss = Number(final?.[1] ?? NaN);
    const heapAtPeakMb = Math.round(Number(final?.[2] ?? NaN) / 1048576);
    worker = undefined;

    const ratio = campaignRate / rawRate;
    process.stdout.write(`campaign: ${result.counters.entered} members in ${result.counters.pages} pages; audience paged and enqueued in ${pagedSeconds.toFixed(1)} s\n`);
    process.stdout.write(`campaign: launch to last delivery ${campaignSeconds.toFixed(1)} s = ${campaignRate.toFixed(0)} msgs/s (load average ${campaignLoad} → ${campaignEndLoad})\n`);
    process.stdout.write(`ratio campaign/raw: ${ratio.toFixed(2)}\n`);
    process.stdout.write(
      `worker process (delivery + journeys roles, Temporal worker and its workflow thread; V8 heap cap ${heapCap.label}):\n` +
        `  peak RSS ${(rss / 1048576).toFixed(0)} MB (kernel high-water mark; goal < 400 MB) ${rss < 400 * 1048576 ? 'OK' : 'ABOVE GOAL'}; JS heap in use at the sampled peak ${heapAtPeakMb} MB\n` +
        `  peak RSS by phase: startup + warm-up ${startupPeak} MB, raw baseline ${rawPeak} MB, campaign ${campaignPeak} MB\n` +
        `bench driver peak RSS (not the worker; seeds and polls) ${peakRssMb()} MB\n`,
    );
  } finally {
    worker?.kill('SIGKILL');
    redis.disconnect();
    await temporal.connection.close();
    await pool.end();
    sink.child.kill('SIGTERM');
    await stack.cleanup();
    rmSync(bundleDir, { recursive: true, force: true });
  }
}

if (process.argv.includes('--worker')) await runWorker();
else await main();
