import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { createApiKey } from '../../src/auth/index.js';
import { PROJECT_ROOT } from '../../src/cli/runtime.js';
import { createPool, migrate, type Pool } from '../../src/db/index.js';
import { findFreePort } from '../../src/dev/ports.js';
import { readToolPaths } from '../../src/dev/tools.js';
import { deriveSeed, entriesRoot, expandSlots, freezeEntries, outcomeRecords, runDraw, type DrawAuditRecord } from '../../src/draws/index.js';
import { connectTemporalClient } from '../../src/journeys/index.js';
import { CampaignDefinitionSchema, launchCampaign, saveCampaign } from '../../src/journeys/campaigns/index.js';
import { adjustPoints, checkLedger } from '../../src/ledger/index.js';
import { OfferDefinitionSchema, putOffer } from '../../src/offers/index.js';
import { QUEUES, createRedis } from '../../src/queues/index.js';
import { listMail } from '../support/mailbox.js';
import { publishReferenceProgram, seedMembers } from '../integration/messaging/support/fixtures.js';
import { ChaosServices, RoleProcess, type RoleDeath, type RoleName } from './processes.js';
import { faultSchedule, type Fault, type FaultTarget } from './schedule.js';

export interface ChaosOptions {
  seed: number;
  /** Events the retrying client sends (each with its own idempotency key). */
  events: number;
  /** Members the events go to (round robin), and who may complete the mission. */
  eventMembers: number;
  /** Members of the campaign's segment (10 % of them are held out). */
  campaignMembers: number;
  /** Members entered in the draw (fixed balances: their tickets do not depend on the run). */
  drawMembers: number;
  /** Each round kills every target (api, worker, journeys, redis, postgres) once. */
  rounds: number;
  concurrency: number;
  /** Campaign messages per second (the send spans the ingest rather than finishing first). */
  campaignSendRate: number;
  /** The draw's entry window closes this long after it is created; the reveal follows. */
  drawCloseSeconds: number;
  /** After the load: how long everything may take to finish before the run is called stuck. */
  settleTimeoutMs: number;
  /** Shared, not faulted services (the test suite's); unset: the run starts its own. */
  external?: { temporalAddress: string; smtpUrl: string; mailboxUrl: string };
  log?: (line: string) => void;
}

export const SHORT_RUN: Omit<ChaosOptions, 'seed'> = {
  events: 1000,
  eventMembers: 200,
  campaignMembers: 100,
  drawMembers: 20,
  rounds: 1,
  concurrency: 16,
  campaignSendRate: 20,
  drawCloseSeconds: 20,
  // A journeys kill during a draw activity costs its heartbeat timeout (2 minutes) before the retry.
  settleTimeoutMs: 420_000,
};

export const LONG_RUN: Omit<ChaosOptions, 'seed'> = {
  events: 10_000,
  eventMembers: 3000,
  campaignMembers: 2000,
  drawMembers: 200,
  rounds: 3,
  concurrency: 32,
  campaignSendRate: 20,
  drawCloseSeconds: 60,
  settleTimeoutMs: 600_000,
};

export interface InjectedFault extends Fault {
  /** Seconds since the load started when the target was killed, and how long it took to be back. */
  killedAtS: number;
  backAfterS: number;
  /** Events answered when it fired. */
  answered: number;
}

export interface Invariant {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ChaosReport {
  seed: number;
  options: Omit<ChaosOptions, 'log' | 'external'>;
  faults: InjectedFault[];
  invariants: Invariant[];
  deaths: RoleDeath[];
  client: { statuses: Record<string, number>; connectionErrors: number; retries: number; slowestMs: number };
  seconds: { load: number; settle: number; total: number };
  loadAverage: { start: string; end: string };
  ok: boolean;
}

const MISSION_ID = 'chaos-buys';
const DRAW_ID = 'chaos-draw';
const CAMPAIGN_ID = 'chaos';
const OFFER_ID = 'chaos-coupon';
const DRAW_KEY = 'chaos-draw-key-0123456789abcdef-0123456789';
const DRAW_SECRET = Buffer.from('chaos operator secret, chosen before the entries', 'utf8');
const DRAW_PRIZES = [
  { id: 'first', name: 'First prize', quantity: 1, points: 5000 },
  { id: 'second', name: 'Second prize', quantity: 3, points: 500 },
];
const DRAW_RESERVES = 2;
const TICKETS = { pointsPerTicket: 100, maxPerMember: 20 };
/** A request that takes longer than this is a hung request (an outage must be answered quickly). */
const REQUEST_TIMEOUT_MS = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const loadNow = () => loadavg().map((l) => l.toFixed(1)).join(' ');

/** The mission's target: the members who got one event more than the others complete it, the rest do not. */
export function missionTarget(events: number, members: number): number {
  return Math.ceil(events / members);
}

/** Events member k receives (event i goes to member i mod M). */
export function eventsOfMember(k: number, events: number, members: number): number {
  return Math.floor(events / members) + (k < events % members ? 1 : 0);
}

/** Opening balance of draw member k: tickets 1..maxPerMember+5 (the cap bites for some). */
export function drawBalance(k: number): number {
  return ((k * 7) % (TICKETS.maxPerMember + 5)) * TICKETS.pointsPerTicket + TICKETS.pointsPerTicket + 37;
}

/** The draw's result from the pure core alone: what a run without faults draws. */
export function expectedDrawSlots(drawMembers: number): { seed: string; slots: unknown } {
  const book = freezeEntries(
    Buffer.from(DRAW_KEY, 'utf8'),
    Array.from({ length: drawMembers }, (_, k) => ({ memberId: `d${k}`, weight: BigInt(Math.min(TICKETS.maxPerMember, Math.floor(drawBalance(k) / TICKETS.pointsPerTicket))) })),
  );
  const seed = deriveSeed(DRAW_ID, entriesRoot(book), Buffer.alloc(0), DRAW_SECRET);
  const outcome = runDraw({ seed, book, slots: expandSlots(DRAW_PRIZES.map((p) => ({ id: p.id, quantity: p.quantity })), DRAW_RESERVES), maxWins: 1 });
  return { seed: seed.toString('hex'), slots: outcomeRecords(outcome, book).slots };
}

/**
 * The chaos run: a loaded system (retrying event ingest, a campaign with an offer, a mission, a
 * draw) whose roles and services are killed at points from the seed; then every invariant is
 * checked. Used by `npm run chaos` (long) and by test/integration/chaos/chaos.test.ts (short).
 */
export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const t0 = performance.now();
  const loadStart = loadNow();
  const dataDir = mkdtempSync(join(tmpdir(), 'laurel-chaos-'));
  const ports = { postgres: await findFreePort(), redis: await findFreePort(), temporal: await findFreePort(), temporalUi: await findFreePort(), smtp: await findFreePort(), mailbox: await findFreePort() };
  const apiPort = await findFreePort();
  const apiUrl = `http://127.0.0.1:${apiPort}`;
  const prefix = `chaos${randomBytes(4).toString('hex')}`;
  const domain = `${prefix}.chaos.test`;
  const schedule = faultSchedule(options.seed, { rounds: options.rounds });
  log(`chaos: seed ${options.seed}; ${options.events} events to ${options.eventMembers} members, campaign of ${options.campaignMembers}, draw of ${options.drawMembers}, ${schedule.length} faults`);
  log(`chaos: schedule ${schedule.map((f) => `${f.target}@${(f.at * 100).toFixed(0)}%`).join(' ')}`);

  const services = await ChaosServices.start({ tools: readToolPaths(PROJECT_ROOT), dataDir, ports, external: options.external ?? {} });
  const urls = services.urls;
  // The run's own connections tolerate the outages it causes: every use is retried (`retrying`).
  const pool: Pool = createPool(urls.databaseUrl, 4);
  const redis = createRedis(urls.redisUrl);
  redis.on('error', () => undefined);
  const temporal = await connectTemporalClient(urls.temporalAddress, 'default');
  const taskQueue = `laurel-${prefix}`;
  const roleEnv: NodeJS.ProcessEnv = {
    ...process.env,
    DATABASE_URL: urls.databaseUrl,
    REDIS_URL: urls.redisUrl,
    TEMPORAL_ADDRESS: urls.temporalAddress,
    // The run's own workflow ids (campaign:chaos, draw:chaos-draw) and schedules live in 'default',
    // which the test files (a namespace per vitest worker) do not use; the harness reads it too.
    TEMPORAL_NAMESPACE: 'default',
    SMTP_URL: urls.smtpUrl,
    // A delivery found mid-send after a kill is settled by asking the mailbox (never resent blindly).
    MAILDEV_API_URL: urls.mailboxUrl,
    QUEUE_PREFIX: prefix,
    TEMPORAL_TASK_QUEUE: taskQueue,
    PORT: String(apiPort),
    LOG_LEVEL: 'info',
    QUIET_HOURS: 'off',
    FREQUENCY_CAPS: '{}',
    NOTIFY_CHANNELS: 'email',
    DRAW_KEY,
    LAUREL_DATA_DIR: join(dataDir, 'laurel'),
    API_CONTRACT_CHECK: 'strict',
  };
  const onDeath = (d: RoleDeath) => log(`chaos: ${d.role} DIED by itself (${d.code ?? d.signal}): ${d.tail}`);
  const roles: Record<RoleName, RoleProcess> = {
    api: new RoleProcess('api', { ...roleEnv, LOG_LEVEL: 'warn' }, apiUrl, onDeath),
    worker: new RoleProcess('worker', roleEnv, undefined, onDeath),
    journeys: new RoleProcess('journeys', roleEnv, undefined, onDeath),
  };
  const injected: InjectedFault[] = [];
  const statuses: Record<string, number> = {};
  let connectionErrors = 0;
  let retries = 0;
  let slowestMs = 0;
  let answered = 0;
  let loadSeconds: number | undefined;
  let settleSeconds: number | undefined;
  const invariants: Invariant[] = [];
  try {
    // ---- Setup, before any fault: program, members, mission, draw, campaign + offer.
    await migrate(pool);
    const program = await publishReferenceProgram(pool);
    const tiers = ['bronze', 'silver', 'gold', 'diamond'];
    await seedMembers(pool, Array.from({ length: options.eventMembers }, (_, k) => ({ id: `k${k}`, email: `k${k}@${domain}`, consent: { email: { transactional: true } }, attributes: { cohort: 'events' } })));
    await seedMembers(pool, Array.from({ length: options.campaignMembers }, (_, k) => ({ id: `c${k}`, email: `c${k}@${domain}`, tier: tiers[k % 4]!, consent: { email: { marketing: true, transactional: true } }, attributes: { cohort: 'campaign' } })));
    await seedMembers(pool, Array.from({ length: options.drawMembers }, (_, k) => ({ id: `d${k}`, email: `d${k}@${domain}`, consent: { email: { marketing: true, transactional: true } }, attributes: { cohort: 'draw' } })));
    for (let k = 0; k < options.drawMembers; k++) await adjustPoints(pool, { memberId: `d${k}`, points: drawBalance(k), reason: 'chaos opening balance', idempotencyKey: `chaos-open-d${k}`, actor: 'chaos' });
    const admin = (await createApiKey(pool, { role: 'admin', name: 'chaos' })).key;
    const definition = CampaignDefinitionSchema.parse({
      name: 'Chaos campaign',
      segment: { attribute: { key: 'cohort', op: 'eq', value: 'campaign' } },
      variants: [{ key: 'a', percent: 100, template: { message: 'offer', vars: {} } }],
      holdoutPercent: 10,
      sendRatePerSecond: options.campaignSendRate,
    });
    await saveCampaign(pool, { id: CAMPAIGN_ID, definition, actor: 'chaos' });
    const coupon = OfferDefinitionSchema.parse({ kind: 'coupon', name: 'Chaos coupon', campaign: { id: CAMPAIGN_ID }, coupon: { discount: { type: 'percent', percent: 15 }, codes: { source: 'generated', prefix: 'CH-' } } });
    await putOffer(pool, { id: OFFER_ID, definition: coupon, program, actor: 'chaos' });

    log('chaos: starting roles (api, worker, journeys)');
    await Promise.all(Object.values(roles).map((r) => r.start()));
    const call = async (method: string, path: string, body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> => {
      const res = await fetch(`${apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${admin}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
      const text = await res.text();
      return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    };
    const target = missionTarget(options.events, options.eventMembers);
    const mission = await call('POST', '/v1/missions', { id: MISSION_ID, name: `${target} purchases`, trigger: 'purchase', goal: { type: 'count', target }, period: { type: 'calendar_month' }, rewardPoints: 20 });
    if (mission.status !== 201) throw new Error(`mission not created: ${mission.status} ${JSON.stringify(mission.body)}`);
    const draw = await call('POST', '/v1/draws', {
      id: DRAW_ID,
      name: 'Chaos draw',
      eligibility: { segment: { attribute: { key: 'cohort', op: 'eq', value: 'draw' } } },
      tickets: { type: 'balance', ...TICKETS },
      entryStartsAt: new Date(Date.now() - 3_600_000).toISOString(),
      entryEndsAt: new Date(Date.now() + options.drawCloseSeconds * 1000).toISOString(),
      prizes: DRAW_PRIZES,
      reserves: DRAW_RESERVES,
      randomness: { secretCommitment: createHash('sha256').update(DRAW_SECRET).digest('hex') },
    });
    if (draw.status !== 201) throw new Error(`draw not created: ${draw.status} ${JSON.stringify(draw.body)}`);

    // ---- The load, with faults.
    const loadT0 = performance.now();
    const since = () => (performance.now() - loadT0) / 1000;
    await retrying(() => launchCampaign({ pool, temporal, taskQueue }, CAMPAIGN_ID, { pageSize: 50 }));
    log(`chaos: load started (campaign launched, draw closes in ${options.drawCloseSeconds} s)`);
    let ingestDone = false;

    const send = async (i: number): Promise<void> => {
      const body = JSON.stringify({ memberId: `k${i % options.eventMembers}`, type: 'purchase', amount: 1_000_000 + (i % 13) * 100_000, orderId: `o${i}`, idempotencyKey: `chaos-${i}` });
      for (let attempt = 0; ; attempt++) {
        if (attempt > 0) retries += 1;
        const started = performance.now();
        try {
          const res = await fetch(`${apiUrl}/v1/events`, {
            method: 'POST',
            headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
            body,
            signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
          });
          await res.text();
          slowestMs = Math.max(slowestMs, performance.now() - started);
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          if (res.status === 200 || res.status === 201) {
            answered += 1;
            return;
          }
          // 503 (a service is down, or the ledger is busy) and anything else: retry with the same key.
        } catch (err) {
          slowestMs = Math.max(slowestMs, performance.now() - started);
          if (err instanceof Error && err.name === 'TimeoutError') statuses.hung = (statuses.hung ?? 0) + 1;
          connectionErrors += 1;
        }
        if (attempt > 5000) throw new Error(`event ${i}: gave up after ${attempt} attempts`);
        await sleep(100 + Math.min(900, attempt * 50));
      }
    };

    const inject = async (fault: Fault, onKilled: () => void): Promise<void> => {
      const killedAt = since();
      const at = answered;
      log(`chaos: fault ${fault.index + 1}/${schedule.length}: ${fault.target} at ${answered}/${options.events} events (${killedAt.toFixed(1)} s), down ${fault.downMs} ms`);
      await kill(fault.target);
      onKilled();
      await sleep(fault.downMs);
      await restart(fault.target);
      injected.push({ ...fault, killedAtS: killedAt, backAfterS: since() - killedAt, answered: at });
    };
    const kill = async (t: FaultTarget): Promise<void> => {
      if (t === 'postgres') await services.killPostgres();
      else if (t === 'redis') await services.killRedis();
      else await roles[t].kill();
    };
    const restart = async (t: FaultTarget): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        try {
          if (t === 'postgres' || t === 'redis') await services.restart(t);
          else await roles[t].start();
          return;
        } catch (err) {
          if (attempt >= 3) throw err;
          log(`chaos: ${t} did not come back (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); again`);
          await sleep(1000);
        }
      }
    };

    // The client holds its sending a little past the next fault's point until that fault has fired:
    // a slow restart (a loaded machine) must not let the ingest finish before the faults are in.
    let killed = 0;
    const threshold = (f: Fault) => Math.ceil(f.at * options.events);
    const faults = (async () => {
      for (const fault of schedule) {
        while (!ingestDone && answered < threshold(fault)) await sleep(50);
        await inject(fault, () => (killed += 1));
      }
    })();
    let faultsFailed = false;
    faults.catch(() => (faultsFailed = true));
    const mayRun = (i: number) => {
      const nextFault = schedule[killed];
      return faultsFailed || !nextFault || i < threshold(nextFault) + 2 * options.concurrency;
    };

    // The draw's operator reveals the secret once the entries are frozen (retried through outages).
    const revealDeadline = Date.now() + options.drawCloseSeconds * 1000 + options.settleTimeoutMs;
    const reveal = (async () => {
      while (Date.now() < revealDeadline) {
        try {
          const state = await call('GET', `/v1/public/draws/${DRAW_ID}`);
          if (state.body.status === 'frozen') {
            const res = await call('POST', `/v1/draws/${DRAW_ID}/reveal`, { secret: DRAW_SECRET.toString('hex') });
            if (res.status === 202 || res.body.code === 'draw_already_drawn') return;
          } else if (state.status === 200 && state.body.status !== 'open') {
            return;
          }
        } catch {
          // the api or a service is down: ask again
        }
        await sleep(500);
      }
    })();

    let next = 0;
    const progress = setInterval(() => log(`chaos: ${answered}/${options.events} events answered, ${injected.length}/${schedule.length} faults, ${since().toFixed(0)} s (load ${loadNow()})`), 10_000);
    try {
      await Promise.all(
        Array.from({ length: options.concurrency }, async () => {
          while (next < options.events) {
            if (!mayRun(next)) {
              await sleep(50);
              continue;
            }
            await send(next++);
          }
        }),
      );
      ingestDone = true;
      await faults;
      await reveal;
    } finally {
      clearInterval(progress);
      ingestDone = true;
    }
    loadSeconds = since();
    log(`chaos: load done in ${loadSeconds.toFixed(1)} s; waiting for everything to finish`);

    // ---- Settle: every workflow finished, every job run, the outbox empty.
    const settleT0 = performance.now();
    const completers = Array.from({ length: options.eventMembers }, (_, k) => k).filter((k) => eventsOfMember(k, options.events, options.eventMembers) >= target);
    const queues = Object.values(QUEUES).map((name) => new Queue(name, { connection: redis, prefix }));
    const pending = async () => {
      const { rows } = await pool.query<{ outbox: number; messages: number; dead: number; awards: number; missions: number }>(
        `SELECT (SELECT count(*) FROM outbox WHERE relayed_at IS NULL)::int AS outbox,
                (SELECT count(*) FROM messages WHERE status NOT IN ('sent', 'suppressed', 'capped', 'dead'))::int AS messages,
                (SELECT count(*) FROM messages WHERE status = 'dead')::int AS dead,
                (SELECT count(*) FROM awards WHERE granted_at IS NULL)::int AS awards,
                (SELECT count(*) FROM mission_enrollments WHERE mission_id = $1 AND status = 'completed')::int AS missions`,
        [MISSION_ID],
      );
      let jobs = 0;
      for (const q of queues) jobs += Object.values(await q.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'waiting-children')).reduce((a, b) => a + b, 0);
      return { ...rows[0]!, jobs };
    };
    const workflowDone = async (id: string) => (await temporal.workflow.getHandle(id).describe()).status.name !== 'RUNNING';
    const deadline = Date.now() + options.settleTimeoutMs;
    let last: Awaited<ReturnType<typeof pending>> | undefined;
    let settled = false;
    const settleLog = setInterval(() => log(`chaos: settling ${((performance.now() - settleT0) / 1000).toFixed(0)} s, pending ${JSON.stringify(last)} (load ${loadNow()})`), 10_000);
    while (Date.now() < deadline) {
      try {
        last = await pending();
        if (last.outbox === 0 && last.messages === 0 && last.awards === 0 && last.jobs === 0 && last.missions >= completers.length && (await workflowDone(`campaign:${CAMPAIGN_ID}`)) && (await workflowDone(`draw:${DRAW_ID}`))) {
          // Two quiet reads a moment apart: a job can be between queues (fan-out → award → message).
          await sleep(1500);
          const again = await pending();
          if (again.outbox === 0 && again.messages === 0 && again.awards === 0 && again.jobs === 0) {
            settled = true;
            break;
          }
        }
      } catch {
        // a service is still recovering
      }
      await sleep(500);
    }
    clearInterval(settleLog);
    settleSeconds = (performance.now() - settleT0) / 1000;
    invariants.push({
      name: 'nothing left stuck (outbox drained, no job waiting/active/delayed, every message and award final, none dead, workflows finished)',
      ok: settled && last?.dead === 0,
      detail: settled ? `settled ${settleSeconds.toFixed(1)} s after the load; ${last?.dead ?? '?'} messages dead-lettered` : `after ${settleSeconds.toFixed(0)} s: ${JSON.stringify(last)}`,
    });
    const failedJobs: Record<string, number> = {};
    const failedReasons = new Set<string>();
    for (const q of queues) {
      const n = (await q.getJobCounts('failed')).failed ?? 0;
      if (n > 0) failedJobs[q.name] = n;
      for (const job of n > 0 ? await q.getFailed(0, 20) : []) failedReasons.add(`${q.name}: ${job.failedReason}`);
    }
    await Promise.all(queues.map((q) => q.close()));
    invariants.push({ name: 'no job failed for good (stalled jobs recovered, retries enough)', ok: Object.keys(failedJobs).length === 0, detail: Object.keys(failedJobs).length === 0 ? 'no failed jobs' : `${JSON.stringify(failedJobs)}: ${[...failedReasons].slice(0, 5).join(' / ')}` });

    // ---- Invariants.
    const events = await pool.query<{ events: number; keys: number; unawarded: number; doubled: number; earned: string; expected: string }>(
      `WITH e AS (SELECT id, (result -> 'points' ->> 'total')::bigint AS points FROM events WHERE idempotency_key LIKE 'chaos-%'),
            l AS (SELECT event_id, count(*) FILTER (WHERE component = 'base') AS base, sum(amount) AS amount FROM ledger_entries WHERE kind = 'earn' AND event_id IN (SELECT id FROM e) GROUP BY event_id)
       SELECT (SELECT count(*) FROM e)::int AS events,
              (SELECT count(DISTINCT idempotency_key) FROM events WHERE idempotency_key LIKE 'chaos-%')::int AS keys,
              (SELECT count(*) FROM e LEFT JOIN l ON l.event_id = e.id WHERE coalesce(l.base, 0) = 0)::int AS unawarded,
              (SELECT count(*) FROM e JOIN l ON l.event_id = e.id WHERE l.base > 1 OR l.amount <> e.points)::int AS doubled,
              (SELECT coalesce(sum(amount), 0) FROM l)::text AS earned,
              (SELECT coalesce(sum(points), 0) FROM e)::text AS expected`,
    );
    const ev = events.rows[0]!;
    invariants.push({
      name: 'events accepted = events recorded, each awarded once',
      ok: answered === options.events && ev.events === options.events && ev.keys === options.events && ev.unawarded === 0 && ev.doubled === 0 && ev.earned === ev.expected,
      detail: `accepted ${answered}, recorded ${ev.events} (${ev.keys} keys), unawarded ${ev.unawarded}, awarded twice or wrong ${ev.doubled}, points ${ev.earned}/${ev.expected}`,
    });
    const ledger = await checkLedger(pool);
    invariants.push({ name: '`laurel ledger check` holds for every member', ok: ledger.ok, detail: ledger.ok ? `${ledger.members} members balanced` : JSON.stringify(ledger).slice(0, 500) });

    // Campaign: one mail per audience member, none to the holdout, one coupon each.
    const cm = await pool.query<{ member_id: string; holdout: boolean }>(`SELECT member_id, holdout FROM campaign_members WHERE campaign_id = $1`, [CAMPAIGN_ID]);
    const holdout = new Set(cm.rows.filter((r) => r.holdout).map((r) => r.member_id));
    const mails = (await listMail(urls.mailboxUrl)).filter((m) => m.to.some((t) => t.address.endsWith(`@${domain}`)));
    const mailCount = new Map<string, number>();
    for (const m of mails) for (const t of m.to) if (/^c\d+@/.test(t.address) && t.address.endsWith(`@${domain}`)) mailCount.set(t.address, (mailCount.get(t.address) ?? 0) + 1);
    const wrongMail: string[] = [];
    for (let k = 0; k < options.campaignMembers; k++) {
      const want = holdout.has(`c${k}`) ? 0 : 1;
      const got = mailCount.get(`c${k}@${domain}`) ?? 0;
      if (got !== want) wrongMail.push(`c${k}: ${got} (want ${want})`);
    }
    const grants = await pool.query<{ n: number; holdout: number; members: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE member_id = ANY($2::text[]))::int AS holdout, count(DISTINCT member_id)::int AS members FROM offer_grants WHERE offer_id = $1`,
      [OFFER_ID, [...holdout]],
    );
    const audience = cm.rowCount! - holdout.size;
    const g = grants.rows[0]!;
    invariants.push({
      name: 'one mail per campaign member, none to the holdout; one coupon each',
      ok: cm.rowCount === options.campaignMembers && holdout.size > 0 && wrongMail.length === 0 && g.n === audience && g.members === audience && g.holdout === 0,
      detail: `entered ${cm.rowCount}/${options.campaignMembers}, holdout ${holdout.size}, mails ${[...mailCount.values()].reduce((a, b) => a + b, 0)}/${audience}${wrongMail.length ? `, wrong: ${wrongMail.slice(0, 5).join('; ')}` : ''}, coupons ${g.n} to ${g.members} members (${g.holdout} to the holdout)`,
    });

    // Mission: the members with enough events completed it, each rewarded once; nobody else.
    const enrolled = await pool.query<{ member_id: string; status: string }>(`SELECT member_id, status FROM mission_enrollments WHERE mission_id = $1`, [MISSION_ID]);
    const completed = new Set(enrolled.rows.filter((r) => r.status === 'completed').map((r) => r.member_id));
    const expectedCompleted = new Set(completers.map((k) => `k${k}`));
    const missionAwards = await pool.query<{ member_id: string; n: number; granted: number; entries: number }>(
      `SELECT a.member_id, count(*)::int AS n, count(*) FILTER (WHERE a.granted_at IS NOT NULL)::int AS granted,
              (SELECT count(*) FROM ledger_entries le WHERE le.member_id = a.member_id AND le.source = $1)::int AS entries
         FROM awards a WHERE a.source = $1 GROUP BY a.member_id`,
      [`mission:${MISSION_ID}`],
    );
    const badAwards = missionAwards.rows.filter((r) => r.n !== 1 || r.granted !== 1 || r.entries !== 1 || !expectedCompleted.has(r.member_id));
    const sameSet = completed.size === expectedCompleted.size && [...completed].every((m) => expectedCompleted.has(m));
    invariants.push({
      name: 'every mission finished as without faults (same completers, one reward each)',
      ok: sameSet && missionAwards.rowCount === expectedCompleted.size && badAwards.length === 0,
      detail: `completed ${completed.size} (expected ${expectedCompleted.size}${sameSet ? ', the same members' : ', NOT the same members'}), enrolled ${enrolled.rowCount}, rewarded ${missionAwards.rowCount}${badAwards.length ? `, wrong: ${JSON.stringify(badAwards.slice(0, 3))}` : ''}`,
    });

    // Draw: the winners the pure core draws from the same entries and secret; prizes granted once.
    const expected = expectedDrawSlots(options.drawMembers);
    const audit = await call('GET', `/v1/public/draws/${DRAW_ID}/audit`);
    const drawState = await call('GET', `/v1/public/draws/${DRAW_ID}`);
    const prizeSlots = DRAW_PRIZES.reduce((s, p) => s + p.quantity, 0);
    const drawAwards = await pool.query<{ n: number; granted: number; entries: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE granted_at IS NOT NULL)::int AS granted,
              (SELECT count(*) FROM ledger_entries WHERE source = $1)::int AS entries FROM awards WHERE source = $1`,
      [`draw:${DRAW_ID}`],
    );
    const slotsMatch = audit.status === 200 && JSON.stringify((audit.body as unknown as DrawAuditRecord).slots) === JSON.stringify(expected.slots);
    const da = drawAwards.rows[0]!;
    invariants.push({
      name: 'the draw finished as without faults (same winners, each prize once)',
      ok: drawState.body.status === 'closed' && slotsMatch && da.n === prizeSlots && da.granted === prizeSlots && da.entries === prizeSlots,
      detail: `status ${String(drawState.body.status)}, winners ${slotsMatch ? 'equal' : 'DIFFER from'} the pure core's, prizes awarded ${da.granted}/${prizeSlots} (${da.entries} ledger entries)`,
    });

    const deaths = Object.values(roles).flatMap((r) => r.deaths);
    invariants.push({ name: 'no role died by itself (only the kills)', ok: deaths.length === 0, detail: deaths.length === 0 ? 'none' : deaths.map((d) => `${d.role} exited ${d.code ?? d.signal}: ${d.tail.slice(0, 1200)}`).join(' / ') });
    const serverErrors = Object.entries(statuses).filter(([s]) => s === 'hung' || (Number(s) >= 500 && s !== '503') || (Number(s) >= 400 && Number(s) < 500));
    invariants.push({
      name: 'the client only saw 200/201, 503 and refused connections (no 500, no 4xx, no hung request)',
      ok: serverErrors.length === 0,
      detail: `answers ${JSON.stringify(statuses)}, connection errors ${connectionErrors}, slowest ${(slowestMs / 1000).toFixed(1)} s`,
    });
    invariants.push({ name: 'every scheduled fault was injected', ok: injected.length === schedule.length, detail: `${injected.length}/${schedule.length}` });
  } finally {
    await Promise.all(Object.values(roles).map((r) => r.stop()));
    redis.disconnect();
    await temporal.connection.close().catch(() => undefined);
    await pool.end().catch(() => undefined);
    await services.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const deaths = Object.values(roles).flatMap((r) => r.deaths);
  return {
    seed: options.seed,
    options: { seed: options.seed, events: options.events, eventMembers: options.eventMembers, campaignMembers: options.campaignMembers, drawMembers: options.drawMembers, rounds: options.rounds, concurrency: options.concurrency, campaignSendRate: options.campaignSendRate, drawCloseSeconds: options.drawCloseSeconds, settleTimeoutMs: options.settleTimeoutMs },
    faults: injected,
    invariants,
    deaths,
    client: { statuses, connectionErrors, retries, slowestMs: Math.round(slowestMs) },
    seconds: { load: loadSeconds ?? 0, settle: settleSeconds ?? 0, total: (performance.now() - t0) / 1000 },
    loadAverage: { start: loadStart, end: loadNow() },
    ok: invariants.length > 0 && invariants.every((i) => i.ok),
  };
}

/** Retries `work` through an outage the run itself caused (its own pool and Temporal client). */
async function retrying<T>(work: () => Promise<T>, attempts = 120): Promise<T> {
  for (let i = 1; ; i++) {
    try {
      return await work();
    } catch (err) {
      if (i >= attempts) throw err;
      await sleep(500);
    }
  }
}

/** The printed summary: the faults injected, then the invariants held. */
export function formatReport(report: ChaosReport): string {
  const lines: string[] = [];
  const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
  lines.push(`chaos seed ${report.seed} — replay with: npm run chaos -- --seed ${report.seed}${report.options.events !== LONG_RUN.events ? ` --events ${report.options.events}` : ''}`);
  lines.push('');
  lines.push('faults injected');
  lines.push(`  ${pad('#', 3)} ${pad('target', 9)} ${pad('at events', 12)} ${pad('at (s)', 8)} ${pad('down (ms)', 10)} back after (s)`);
  for (const f of report.faults) {
    lines.push(`  ${pad(String(f.index + 1), 3)} ${pad(f.target, 9)} ${pad(`${f.answered} (${(f.at * 100).toFixed(0)}%)`, 12)} ${pad(f.killedAtS.toFixed(1), 8)} ${pad(String(f.downMs), 10)} ${f.backAfterS.toFixed(1)}`);
  }
  lines.push('');
  lines.push('invariants');
  for (const i of report.invariants) lines.push(`  ${i.ok ? 'HELD  ' : 'BROKEN'} ${i.name}\n         ${i.detail}`);
  lines.push('');
  lines.push(`client: ${JSON.stringify(report.client.statuses)} answers, ${report.client.connectionErrors} connection errors, ${report.client.retries} retries, slowest request ${(report.client.slowestMs / 1000).toFixed(1)} s`);
  lines.push(`time: load ${report.seconds.load.toFixed(1)} s, settle ${report.seconds.settle.toFixed(1)} s, total ${report.seconds.total.toFixed(1)} s; load average ${report.loadAverage.start} → ${report.loadAverage.end}`);
  lines.push(report.ok ? 'chaos: every invariant held' : 'chaos: INVARIANTS BROKEN');
  return lines.join('\n');
}
