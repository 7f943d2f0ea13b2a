import { inject } from 'vitest';
import { describe, expect, it } from 'vitest';
import { SHORT_RUN, formatReport, runChaos } from '../../chaos/run.js';

/** Fixed, so that CI runs the same faults at the same points every time (`npm run chaos` picks its own). */
const SEED = 160_016;

/**
 * The short chaos run (test/chaos/run.ts, `npm run chaos -- --short --seed 160016`): 1,000
 * retrying events to 200 members, a 100-member campaign with a coupon, a mission and a draw, while the api,
 * worker and journeys roles are SIGKILLed and Redis (AOF) and PostgreSQL (immediate stop) are
 * restarted, each once. PostgreSQL and Redis are the run's own; Temporal and MailDev are the
 * suite's (they are not faulted).
 */
describe('chaos (short run)', () => {
  it('kills and restarts every role and service under load; every invariant holds', async () => {
    const stack = inject('stack');
    const report = await runChaos({
      ...SHORT_RUN,
      seed: SEED,
      external: { temporalAddress: stack.temporalAddress, smtpUrl: stack.smtpUrl, mailboxUrl: stack.mailboxUrl },
      log: (line) => process.stderr.write(`${line}\n`),
    });
    const table = formatReport(report);
    console.log(table);
    expect(report.faults.map((f) => f.target).sort()).toEqual(['api', 'journeys', 'postgres', 'redis', 'worker']);
    expect(report.invariants.filter((i) => !i.ok), table).toEqual([]);
  }, 900_000);
});
