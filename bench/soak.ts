// bench:soak — `npm run bench:soak [-- --minutes 30 --rate 40 --members 2000 --campaign-members 2000]`
//
// A fixed-rate mixed load held for a long while against the three roles as their own processes
// (`laurel api|worker|journeys` on a stack of its own): purchase events (70 %), member summaries
// (20 %) and reward redemptions (10 %), each request with its own idempotency key, plus a campaign
// to `--campaign-members` members launched at the start. Every minute it prints the throughput,
// p50/p99 per route, errors and each role's RSS; at the end the RSS of each role after the first
// minute (warmed up) against the last (goal: growth ≤ 10 %), and the errors (goal: 0).
// Open loop: a request is started every 1/rate s whatever the answers do, so a slower server shows
// as latency and a backlog (counted as "late"), not as a lower offered rate.
// This is a stability benchmark: there is no raw baseline to compare a ratio with; CPU seconds of
// each role per minute are printed beside wall time for a loaded machine.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { createApiKey } from '../src/auth/index.js';
import { createPool } from '../src/db/index.js';
import { findFreePort } from '../src/dev/ports.js';
import { connectTemporalClient } from '../src/journeys/index.js';
import { CampaignDefinitionSchema, launchCampaign, saveCampaign } from '../src/journeys/campaigns/index.js';
import { adjustPoints } from '../src/ledger/index.js';
import { OfferDefinitionSchema, putOffer } from '../src/offers/index.js';
import { publishReferenceProgram, seedMembers } from '../test/integration/messaging/support/fixtures.js';
import { RoleProcess, type RoleName } from '../test/chaos/processes.js';
import { processTreeCpuSeconds } from './support/cpu.js';
import { JsonPoster } from './support/http-client.js';
import { argNumber, percentile, startBenchStack } from './support/stack.js';

const minutes = argNumber('--minutes', 30);
const rate = argNumber('--rate', 40);
const members = argNumber('--members', 2000);
const campaignMembers = argNumber('--campaign-members', 2000);
type Route = 'event' | 'summary' | 'redeem';

const loadNow = () => loadavg().map((l) => l.toFixed(1)).join(' ');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssMb(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : 0;
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  console.log(`bench:soak: ${minutes} min at ${rate} requests/s (70 % events, 20 % summaries, 10 % redemptions), ${members} members, campaign of ${campaignMembers}; load average ${loadNow()}`);
  const stack = await startBenchStack();
  const pool = createPool(stack.databaseUrl, 4);
  const prefix = `soak${randomBytes(3).toString('hex')}`;
  const apiPort = await findFreePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: stack.databaseUrl,
    REDIS_URL: stack.redisUrl,
    TEMPORAL_ADDRESS: stack.temporalAddress,
    SMTP_URL: stack.smtpUrl,
    MAILDEV_API_URL: stack.mailboxUrl,
    QUEUE_PREFIX: prefix,
    TEMPORAL_TASK_QUEUE: `laurel-${prefix}`,
    PORT: String(apiPort),
    LOG_LEVEL: 'warn',
    QUIET_HOURS: 'off',
    FREQUENCY_CAPS: '{}',
    NOTIFY_CHANNELS: 'email',
  };
  const roles: Record<RoleName, RoleProcess> = {
    api: new RoleProcess('api', env, apiUrl),
    worker: new RoleProcess('worker', { ...env, LOG_LEVEL: 'info' }, undefined),
    journeys: new RoleProcess('journeys', { ...env, LOG_LEVEL: 'info' }, undefined),
  };
  let poster: JsonPoster | undefined;
  try {
    const program = await publishReferenceProgram(pool);
    const domain = `${prefix}.soak.test`;
    await seedMembers(pool, Array.from({ length: members }, (_, k) => ({ id: `m${k}`, email: `m${k}@${domain}`, consent: { email: { transactional: true, marketing: true } }, attributes: { cohort: k < campaignMembers ? 'campaign' : 'other' } })));
    // Everyone can redeem from the start: redemptions measure the redemption path, not refusals.
    for (let k = 0; k < members; k++) await adjustPoints(pool, { memberId: `m${k}`, points: 1_000_000, reason: 'soak opening balance', idempotencyKey: `soak-open-${k}`, actor: 'soak' });
    const admin = (await createApiKey(pool, { role: 'admin', name: 'soak' })).key;
    const headers = { authorization: `Bearer ${admin}` };
    const definition = CampaignDefinitionSchema.parse({
      name: 'Soak campaign',
      segment: { attribute: { key: 'cohort', op: 'eq', value: 'campaign' } },
      variants: [{ key: 'a', percent: 100, template: { message: 'offer', vars: {} } }],
      holdoutPercent: 10,
      // Spread over the first half of the run.
      sendRatePerSecond: Math.max(1, Math.ceil(campaignMembers / (minutes * 30))),
    });
    await saveCampaign(pool, { id: 'soak', definition, actor: 'soak' });
    const coupon = OfferDefinitionSchema.parse({ kind: 'coupon', name: 'Soak coupon', campaign: { id: 'soak' }, coupon: { discount: { type: 'percent', percent: 10 }, codes: { source: 'generated', prefix: 'SK-' } } });
    await putOffer(pool, { id: 'soak-coupon', definition: coupon, program, actor: 'soak' });
    const post = new JsonPoster(apiUrl, headers, 64);
    poster = post;
    await Promise.all(Object.values(roles).map((r) => r.start()));
    const temporal = await connectTemporalClient(stack.temporalAddress, 'default');
    await launchCampaign({ pool, temporal, taskQueue: `laurel-${prefix}` }, 'soak', { pageSize: 50 });

    const rssAtStart = Object.fromEntries(Object.entries(roles).map(([n, r]) => [n, rssMb(r.pid)])) as Record<RoleName, number>;
    const cpuAt = () => Object.fromEntries(Object.entries(roles).map(([n, r]) => [n, processTreeCpuSeconds(r.pid)])) as Record<RoleName, number>;
    console.log(`roles up; RSS at start (MB): ${JSON.stringify(rssAtStart)}`);
    console.log('min  req/s  late  errors  event p50/p99 ms  summary p50/p99  redeem p50/p99  RSS api/worker/journeys MB  CPU s api/worker/journeys  load');

    let seq = 0;
    let inFlight = 0;
    let late = 0;
    let errorsTotal = 0;
    const errorSamples: string[] = [];
    let minute: { latencies: Record<Route, number[]>; errors: number; done: number } = { latencies: { event: [], summary: [], redeem: [] }, errors: 0, done: 0 };
    const one = async (i: number): Promise<void> => {
      const member = `m${i % members}`;
      const pick = i % 10;
      const route: Route = pick < 7 ? 'event' : pick < 9 ? 'summary' : 'redeem';
      const started = performance.now();
      let ok = false;
      let what: string;
      inFlight += 1;
      try {
        if (route === 'event') {
          const res = await post.post('/v1/events', { memberId: member, type: 'purchase', amount: 500_000 + (i % 7) * 100_000, orderId: `so${i}`, idempotencyKey: `soak-${i}` });
          ok = res.status === 201;
          what = `${res.status} ${res.text.slice(0, 160)}`;
        } else if (route === 'redeem') {
          const res = await post.post(`/v1/members/${member}/redemptions`, { rewardId: 'free-shipping', quantity: 1, idempotencyKey: `soak-r${i}` });
          ok = res.status === 201;
          what = `${res.status} ${res.text.slice(0, 160)}`;
        } else {
          const res = await fetch(`${apiUrl}/v1/members/${member}/summary`, { headers, signal: AbortSignal.timeout(30_000) });
          what = `${res.status} ${(await res.text()).slice(0, 160)}`;
          ok = res.status === 200;
        }
      } catch (err) {
        what = err instanceof Error ? err.message : String(err);
      } finally {
        inFlight -= 1;
      }
      minute.latencies[route].push(performance.now() - started);
      minute.done += 1;
      if (!ok) {
        minute.errors += 1;
        errorsTotal += 1;
        if (errorSamples.length < 10) errorSamples.push(`${route}: ${what}`);
      }
    };

    const t0 = performance.now();
    const intervalMs = 1000 / rate;
    let cpuBefore = cpuAt();
    let rssAfterFirstMinute: Record<RoleName, number> | undefined;
    let lastRss = rssAtStart;
    for (let m = 1; m <= minutes; m++) {
      const minuteEnd = t0 + m * 60_000;
      while (performance.now() < minuteEnd) {
        const due = t0 + seq * intervalMs;
        const wait = due - performance.now();
        if (wait > 0) await sleep(wait);
        else if (wait < -1000) late += 1;
        void one(seq++);
      }
      const stats = minute;
      minute = { latencies: { event: [], summary: [], redeem: [] }, errors: 0, done: 0 };
      const cpu = cpuAt();
      const rss = Object.fromEntries(Object.entries(roles).map(([n, r]) => [n, rssMb(r.pid)])) as Record<RoleName, number>;
      if (m === 1) rssAfterFirstMinute = rss;
      lastRss = rss;
      const pq = (r: Route) => {
        const sorted = [...stats.latencies[r]].sort((a, b) => a - b);
        return `${percentile(sorted, 50).toFixed(0)}/${percentile(sorted, 99).toFixed(0)}`;
      };
      const cpuLine = (['api', 'worker', 'journeys'] as const).map((n) => (cpu[n] - cpuBefore[n]).toFixed(1)).join('/');
      cpuBefore = cpu;
      console.log(
        `${String(m).padStart(3)}  ${(stats.done / 60).toFixed(1).padStart(5)}  ${String(late).padStart(4)}  ${String(stats.errors).padStart(6)}  ${pq('event').padStart(15)}  ${pq('summary').padStart(15)}  ${pq('redeem').padStart(14)}  ${`${rss.api}/${rss.worker}/${rss.journeys}`.padStart(26)}  ${cpuLine.padStart(24)}  ${loadNow()}`,
      );
    }
    const deadline = Date.now() + 60_000;
    while (inFlight > 0 && Date.now() < deadline) await sleep(100);
    const base = rssAfterFirstMinute ?? rssAtStart;
    console.log('');
    console.log('RSS (MB)   after minute 1  at the end  growth (goal ≤ 10 %)');
    let grew = false;
    for (const n of ['api', 'worker', 'journeys'] as const) {
      const growth = base[n] > 0 ? ((lastRss[n] - base[n]) / base[n]) * 100 : 0;
      if (growth > 10) grew = true;
      console.log(`${n.padEnd(10)} ${String(base[n]).padStart(14)}  ${String(lastRss[n]).padStart(10)}  ${growth.toFixed(1)} %`);
    }
    console.log(`requests ${seq}, errors ${errorsTotal} (goal 0)${errorSamples.length ? `: ${errorSamples.join(' / ')}` : ''}; late starts ${late}; roles that died: ${Object.values(roles).flatMap((r) => r.deaths).length}; load average ${loadNow()}`);
    await temporal.connection.close();
    if (errorsTotal > 0 || grew) process.exitCode = 1;
  } finally {
    poster?.close();
    await Promise.all(Object.values(roles).map((r) => r.stop()));
    await pool.end();
    await stack.cleanup();
  }
}

main().catch((err: unknown) => {
  console.error(`bench:soak: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  process.exit(1);
});
