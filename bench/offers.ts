// Offers benchmark: `npm run bench:offers [-- --events N --rounds R --concurrency C --members M --offers K]`.
// Purchase ingestion over HTTP with K active bonus-rule offers held by half of M members (the even
// ones), against the same purchases by members who hold none, in the same process on the same
// PostgreSQL; prints the ratio (goal: offers cost at most 15 % of throughput, ratio ≥ 0.85), the
// ratio by CPU per event (steadier on a loaded machine) and memory. On a shared machine the load
// drifts by more than the effect measured, so the comparison is R interleaved pairs of rounds
// (members without offers, then holders, N / R events each) summed per side; a run before any
// offer exists and one after they are archived are printed beside it.
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { openAppContext } from '../src/app/context.js';
import { createApiKey } from '../src/auth/index.js';
import { PROJECT_ROOT } from '../src/cli/runtime.js';
import { loadConfig } from '../src/config/index.js';
import { createLogger } from '../src/log/index.js';
import { OfferDefinitionSchema, putOffer } from '../src/offers/index.js';
import { loadProgramFile } from '../src/program/index.js';
import { publishProgram } from '../src/program/store.js';
import { startApiRole } from '../src/roles/index.js';
import { ownCpuSeconds, processTreeCpuSeconds } from './support/cpu.js';
import { JsonPoster } from './support/http-client.js';
import { argNumber, peakRssMb, percentile, startBenchStack } from './support/stack.js';

const EVENTS = argNumber('--events', 20_000);
const CONCURRENCY = argNumber('--concurrency', 16);
const MEMBERS = argNumber('--members', 1_000_000);
const OFFERS = argNumber('--offers', 20);
const ROUNDS = argNumber('--rounds', 5);
const WARMUP = Math.min(2000, EVENTS);

type CpuReading = { bench: number; postgres: number };

const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');

/** The kinds of bonus a marketer runs: 2×, +500 over 3,000,000, 10 % extra on a category, 0.5 % of the amount. */
function offerDefinition(i: number, now: number) {
  const window = { validFrom: new Date(now - 86_400_000).toISOString(), validUntil: new Date(now + 30 * 86_400_000).toISOString() };
  const rules = [
    { trigger: 'purchase', effect: { type: 'multiplier', extraPercent: 100 } },
    { trigger: 'purchase', conditions: { field: 'event.amount', op: 'gt', value: 3_000_000 }, effect: { type: 'fixed', points: 500 } },
    { trigger: 'purchase', conditions: { field: 'event.properties.category', op: 'eq', value: 'shoes' }, effect: { type: 'multiplier', extraPercent: 10 } },
    { trigger: 'purchase', effect: { type: 'percent', basisPoints: 5 } },
  ];
  return OfferDefinitionSchema.parse({
    kind: 'bonus_rule',
    name: `Bench offer ${i}`,
    rule: rules[i % rules.length],
    ...window,
    ...(i % 3 === 0 ? { budgetPoints: 1_000_000_000 } : {}),
    ...(i % 5 === 0 ? { usesPerMember: 10 } : {}),
  });
}

async function main(): Promise<void> {
  console.log(`laurel bench:offers — ${cpus().length} cores (${cpus()[0]?.model ?? 'cpu'}), node ${process.version}`);
  console.log(`events ${EVENTS} per run, concurrency ${CONCURRENCY}, members ${MEMBERS}, offers ${OFFERS}\n`);
  const stack = await startBenchStack();
  const postgresPid = stack.services.find((s) => s.name === 'postgres')?.pid;
  const readCpu = (): CpuReading => ({ bench: ownCpuSeconds(), postgres: processTreeCpuSeconds(postgresPid) });
  const config = loadConfig({ DATABASE_URL: stack.databaseUrl, REDIS_URL: stack.redisUrl, TEMPORAL_ADDRESS: stack.temporalAddress, SMTP_URL: stack.smtpUrl, LOG_LEVEL: 'error', PORT: '0' });
  const ctx = await openAppContext(config, { databaseUrl: stack.databaseUrl, redisUrl: stack.redisUrl, temporalAddress: stack.temporalAddress, smtpUrl: stack.smtpUrl }, createLogger('error'));
  try {
    const db = ctx.pool;
    const program = await publishProgram(db, await loadProgramFile(join(PROJECT_ROOT, 'examples', 'reference.yaml')), 'bench');
    const key = (await createApiKey(db, { role: 'ingest', name: 'bench' })).key;
    let t0 = performance.now();
    await db.query(`INSERT INTO members (id, tier_id) SELECT 'm' || g, 'bronze' FROM generate_series(0, $1 - 1) g`, [MEMBERS]);
    await db.query(`INSERT INTO member_balances (member_id, next_review_at) SELECT 'm' || g, now() + interval '1 year' FROM generate_series(0, $1 - 1) g`, [MEMBERS]);
    await db.query('ANALYZE');
    console.log(`seeded ${MEMBERS} members in ${((performance.now() - t0) / 1000).toFixed(1)} s (load ${load()})`);
    const api = await startApiRole(ctx);
    const client = new JsonPoster(api.url, { authorization: `Bearer ${key}` }, CONCURRENCY);

    // Each event is its member's first (as in production), spread over the table: holders are the
    // even members, members without offers the odd ones, each side walked in its own order.
    const half = Math.floor(MEMBERS / 2);
    const walked = { holders: 0, others: 0 };
    const memberOf = (side: keyof typeof walked): string => `m${2 * ((walked[side]++ * 7919) % half) + (side === 'holders' ? 0 : 1)}`;
    type Side = { rate: number; bonus: number; cpuMs: number; count: number; ms: number; cpuS: number };
    const run = async (name: string, count: number, side: keyof typeof walked, quiet = false): Promise<Side> => {
      const latencies: number[] = new Array(count);
      let next = 0;
      let bonus = 0;
      const c0 = readCpu();
      const l0 = load();
      const s0 = performance.now();
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < count) {
            const i = next++;
            const memberId = memberOf(side);
            const s = performance.now();
            const res = await client.post('/v1/events', {
              memberId,
              type: 'purchase',
              amount: 1_250_000 + (i % 8) * 500_000,
              orderId: `${name}-${i}`,
              properties: { category: i % 3 === 0 ? 'shoes' : 'books' },
            });
            latencies[i] = performance.now() - s;
            if (res.status !== 201) throw new Error(`${name} event ${i}: ${res.status} ${res.text}`);
            if (res.text.includes('"component":"offer"')) bonus += 1;
          }
        }),
      );
      const ms = performance.now() - s0;
      const c1 = readCpu();
      const rate = (count / ms) * 1000;
      latencies.sort((a, b) => a - b);
      const perEvent = (s: number) => ((s * 1000) / count).toFixed(3);
      const cpuS = c1.bench - c0.bench + c1.postgres - c0.postgres;
      if (!quiet) {
        console.log(
          `  ${name.padEnd(36)} ${String(count).padStart(7)} in ${(ms / 1000).toFixed(2).padStart(7)} s  ${rate.toFixed(0).padStart(6)} events/s  p50 ${percentile(latencies, 50).toFixed(1)} ms  p99 ${percentile(latencies, 99).toFixed(1)} ms`,
        );
        console.log(
          `  ${''.padEnd(36)} CPU per event: bench process ${perEvent(c1.bench - c0.bench)} ms + PostgreSQL ${perEvent(c1.postgres - c0.postgres)} ms; events with a bonus ${bonus}; load ${l0} → ${load()}`,
        );
      }
      return { rate, bonus, cpuMs: (cpuS * 1000) / count, count, ms, cpuS };
    };
    const sum = (rounds: Side[]): Side => {
      const count = rounds.reduce((a, r) => a + r.count, 0);
      const ms = rounds.reduce((a, r) => a + r.ms, 0);
      const cpuS = rounds.reduce((a, r) => a + r.cpuS, 0);
      return { count, ms, cpuS, rate: (count / ms) * 1000, bonus: rounds.reduce((a, r) => a + r.bonus, 0), cpuMs: (cpuS * 1000) / count };
    };

    console.log('\npurchases over HTTP, one event per member');
    await run('warm-up (no offers)', WARMUP, 'others');
    const before = await run('before any offer exists', EVENTS, 'others');

    t0 = performance.now();
    const now = Date.now();
    for (let i = 0; i < OFFERS; i++) await putOffer(db, { id: `bench-${i}`, definition: offerDefinition(i, now), program: program.definition, actor: 'bench' });
    // Every even member holds one of the offers (a twentieth of them each), as a segment issue would leave it.
    await db.query(
      `INSERT INTO offer_grants (offer_id, member_id, source, max_uses)
       SELECT 'bench-' || (g / 2 % $2), 'm' || g, 'issue', CASE WHEN (g / 2 % $2) % 5 = 0 THEN 10 END FROM generate_series(0, $1 - 1, 2) g`,
      [MEMBERS, OFFERS],
    );
    await db.query('ANALYZE');
    console.log(`  ${OFFERS} offers granted to ${half} members (the even ones) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const perRound = Math.max(1, Math.floor(EVENTS / ROUNDS));
    console.log(`\n${ROUNDS} interleaved pairs of rounds, ${perRound} events each: members without offers, then holders`);
    const others: Side[] = [];
    const holders: Side[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      others.push(await run(`round ${r + 1}: without offers`, perRound, 'others', true));
      holders.push(await run(`round ${r + 1}: holders of ${OFFERS} active offers`, perRound, 'holders', true));
      const [o, h] = [others[r]!, holders[r]!];
      console.log(`  round ${r + 1}: without ${o.rate.toFixed(0)} events/s ${o.cpuMs.toFixed(2)} ms CPU/event · holders ${h.rate.toFixed(0)} events/s ${h.cpuMs.toFixed(2)} ms CPU/event (${h.bonus} bonus) · load ${load()}`);
    }
    const without = sum(others);
    const withOffers = sum(holders);
    console.log(`  without offers (sum)                 ${String(without.count).padStart(7)} ${without.rate.toFixed(0).padStart(6)} events/s  CPU ${without.cpuMs.toFixed(2)} ms per event`);
    console.log(`  holders (sum)                        ${String(withOffers.count).padStart(7)} ${withOffers.rate.toFixed(0).padStart(6)} events/s  CPU ${withOffers.cpuMs.toFixed(2)} ms per event; ${withOffers.bonus} earned a bonus`);
    await db.query(`UPDATE offers SET status = 'archived'`);
    const after = await run('holders, offers archived', perRound, 'holders');

    const ratio = withOffers.rate / without.rate;
    console.log(`\n  ratio holders / without (interleaved) ${ratio.toFixed(2)} (goal ≥ 0.85: offers cost ≤ 15 % of throughput)`);
    // At a shared machine's load throughput swings between runs; CPU per event is steadier.
    console.log(`  by CPU per event (bench process + PostgreSQL), interleaved: without ${without.cpuMs.toFixed(2)} ms, holders ${withOffers.cpuMs.toFixed(2)} ms → ratio ${(without.cpuMs / withOffers.cpuMs).toFixed(2)}`);
    console.log(`  not interleaved, for reference: before any offer ${before.cpuMs.toFixed(2)} ms (${before.rate.toFixed(0)} events/s), holders with offers archived ${after.cpuMs.toFixed(2)} ms (${after.rate.toFixed(0)} events/s)`);
    console.log(`  events that earned an offer bonus: ${withOffers.bonus} of ${withOffers.count}`);
    console.log(`peak RSS ${peakRssMb()} MB`);
    client.close();
    await api.stop();
  } finally {
    await ctx.close();
    await stack.cleanup();
  }
}

await main();
