// Campaign benchmark: `npm run bench:campaign [-- --members N --concurrency C]`.
//
// In one run, on a throwaway stack (Postgres, Redis, Temporal) and a fast SMTP sink (its own process):
//  1. raw delivery baseline: N send records written and enqueued straight from this script, delivered
//     by the worker process; time to the last delivery;
//  2. a one-step campaign over a seeded N-member segment: launch → campaign:<id> pages through the
//     segment by keyset, buckets, writes send records, adds delivery jobs → the same worker delivers;
//     time from launch to the last delivery.
// Prints msgs/s of both, their ratio, and the worker process's peak RSS (goal < 400 MB). The worker
// process runs the worker role (delivery) and the journeys role (Temporal), as one deployment would.
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { argNumber, startBenchStack } from './support/stack.js';
import { startChild } from './support/child.js';

const SELF = fileURLToPath(import.meta.url);
const SINK = fileURLToPath(new URL('./delivery.ts', import.meta.url));

async function runWorker(): Promise<void> {
  const { loadConfig } = await import('../src/config/index.js');
  const { createLogger } = await import('../src/log/index.js');
  const { openAppContext } = await import('../src/app/context.js');
  const { startJourneysRole, startWorkerRole } = await import('../src/roles/index.js');
  const config = loadConfig(process.env);
  const logger = createLogger(config.logLevel, 'bench-campaign-worker');
  const ctx = await openAppContext(config, { databaseUrl: config.databaseUrl!, redisUrl: config.redisUrl!, temporalAddress: config.temporalAddress!, smtpUrl: config.smtpUrl! }, logger);
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  // The workflow bundle is built once by the parent (as a deployment ships a prebuilt bundle), so
  // webpack's peak is not counted as the worker's.
  const bundle = process.env.BENCH_WORKFLOW_BUNDLE ? { code: readFileSync(process.env.BENCH_WORKFLOW_BUNDLE, 'utf8') } : undefined;
  const roles = [await startWorkerRole(ctx), await startJourneysRole(ctx, bundle)];
  process.stdout.write('ready\n');
  process.once('SIGTERM', () => {
    void (async () => {
      for (const role of roles.reverse()) await role.stop();
      clearInterval(sampler);
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
      await ctx.close();
      process.stdout.write(`rss ${peakRss}\n`);
      process.exit(0);
    })();
  });
}

async function main(): Promise<void> {
  const members = argNumber('--members', 100_000);
  const concurrency = argNumber('--concurrency', 50);
  const connections = argNumber('--connections', 10);
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
        `INSERT INTO members (id, email, first_name, locale, time_zone, tier_id, consent, next_review_at)
         SELECT id, id || '@bench.test', 'Sam', CASE WHEN right(id, 1) IN ('1','3','5','7','9') THEN 'fa' ELSE 'en' END,
                CASE WHEN right(id, 1) IN ('1','3','5','7','9') THEN 'Asia/Tehran' ELSE 'Europe/London' END,
                (ARRAY['bronze','silver','gold','diamond'])[1 + (substr(id, 2)::int % 4)], '{"email":{"marketing":true}}', now() + interval '1 year'
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
    const started = await startChild([SELF, '--worker'], env, /ready\n/);
    worker = started.child;
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
    const rawRate = members / rawSeconds;
    process.stdout.write(`raw delivery baseline: ${members} messages in ${rawSeconds.toFixed(1)} s = ${rawRate.toFixed(0)} msgs/s\n`);

    // 2. The campaign: launch to last delivery.
    const definition = CampaignDefinitionSchema.parse({
      name: 'Bench',
      segment: { all: [{ tier: { in: ['bronze', 'silver', 'gold', 'diamond'] } }, { consent: { channel: 'email', kind: 'marketing', granted: true } }] },
      variants: [{ key: 'a', percent: 50, template }, { key: 'b', percent: 50, template }],
      holdoutPercent: 0,
      sendRatePerSecond: 100_000,
    });
    await saveCampaign(pool, { id: 'bench', definition, actor: 'bench' });
    const campaignStart = performance.now();
    await launchCampaign({ pool, temporal, taskQueue }, 'bench', { pageSize: 1000 });
    const result = (await temporal.workflow.getHandle('campaign:bench').result()) as { counters: { entered: number; pages: number } };
    const pagedSeconds = (performance.now() - campaignStart) / 1000;
    await waitSent('campaign.bench.%');
    const campaignSeconds = (performance.now() - campaignStart) / 1000;
    const campaignRate = members / campaignSeconds;
    await queue.close();
    const exit = new Promise<void>((resolve) => worker!.once('exit', () => resolve()));
    worker.kill('SIGTERM');
    await exit;
    const rss = Number(/rss (\d+)/.exec(started.output())?.[1] ?? NaN);
    worker = undefined;

    const ratio = campaignRate / rawRate;
    process.stdout.write(`campaign: ${result.counters.entered} members in ${result.counters.pages} pages; audience paged and enqueued in ${pagedSeconds.toFixed(1)} s\n`);
    process.stdout.write(`campaign: launch to last delivery ${campaignSeconds.toFixed(1)} s = ${campaignRate.toFixed(0)} msgs/s\n`);
    process.stdout.write(`ratio campaign/raw: ${ratio.toFixed(2)}\n`);
    process.stdout.write(`worker peak RSS (delivery + journeys in one process): ${(rss / 1024 / 1024).toFixed(0)} MB (goal < 400 MB) ${rss < 400 * 1024 * 1024 ? 'OK' : 'ABOVE GOAL'}\n`);
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
