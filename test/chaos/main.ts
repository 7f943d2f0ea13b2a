// Chaos run: `npm run chaos [-- --seed N --events N --event-members N --campaign-members N
//   --draw-members N --rounds N --concurrency N --short]`.
//
// On a stack of its own (PostgreSQL, Redis with AOF, Temporal, MailDev on free ports; data in a
// temp folder), with the three roles as their own processes: a retrying client sends the events
// while a campaign with an offer, a mission and a draw are in flight, and the seed's schedule
// SIGKILLs and restarts the api, worker and journeys roles and Redis, and stops PostgreSQL with
// `pg_ctl -m immediate`. Prints the faults and the invariants; exits 1 when one is broken.
// Defaults: 10,000 events, a 2,000-member campaign, three rounds of the five faults; --short runs
// the size `npm test` runs (test/integration/chaos/chaos.test.ts).
import { randomInt } from 'node:crypto';
import { LONG_RUN, SHORT_RUN, formatReport, runChaos, type ChaosOptions } from './run.js';
import { parseSeed } from './schedule.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i < 0 ? undefined : process.argv[i + 1];
}

function count(name: string, fallback: number): number {
  const text = arg(name);
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} needs a whole number ≥ 1, got ${text}`);
  return n;
}

async function main(): Promise<number> {
  const base = process.argv.includes('--short') ? SHORT_RUN : LONG_RUN;
  const seed = parseSeed(arg('--seed')) ?? randomInt(0, 2 ** 31);
  const options: ChaosOptions = {
    ...base,
    seed,
    events: count('--events', base.events),
    eventMembers: count('--event-members', base.eventMembers),
    campaignMembers: count('--campaign-members', base.campaignMembers),
    drawMembers: count('--draw-members', base.drawMembers),
    rounds: count('--rounds', base.rounds),
    concurrency: count('--concurrency', base.concurrency),
    log: (line) => process.stdout.write(`${new Date().toISOString().slice(11, 19)} ${line}\n`),
  };
  process.stdout.write(`chaos seed ${seed}\n`);
  const report = await runChaos(options);
  process.stdout.write(`\n${formatReport(report)}\n`);
  return report.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`chaos: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
