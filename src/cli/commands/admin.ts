import { resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { API_KEY_ROLES } from '../../auth/api-keys.js';
import { loadConfig } from '../../config/index.js';
import { createPool, type Pool } from '../../db/index.js';
import { NotFoundError } from '../../errors/index.js';

/**
 * Admin commands talk to DATABASE_URL, or to the embedded stack's PostgreSQL when it is unset
 * (so `laurel keys create` works next to a running `npm start`).
 */
async function withPool<T>(work: (pool: Pool) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const url = config.databaseUrl ?? `postgres://laurel@127.0.0.1:${config.devPorts.postgres}/laurel`;
  const pool = createPool(url, 4);
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
}

function isoInstant(value: string): Date {
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) throw new InvalidArgumentError('expected an ISO date or instant, such as 2026-12-31 or 2026-12-31T00:00:00Z');
  return date;
}

/** `30d`, `12h`, `90m`, `45s` (or `0`) in milliseconds. */
export function duration(value: string): number {
  if (value === '0') return 0;
  const match = /^(\d{1,9})(d|h|m|s)$/.exec(value);
  if (!match) throw new InvalidArgumentError('expected a duration such as 30d, 12h, 90m or 45s');
  return Number(match[1]) * { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 }[match[2] as 'd' | 'h' | 'm' | 's'];
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

export function registerAdminCommands(program: Command): void {
  const keys = program.command('keys').description('API keys');
  keys
    .command('create')
    .description('create an API key and print it once (only its hash is stored)')
    .requiredOption('--role <role>', `one of ${API_KEY_ROLES.join(', ')}`)
    .option('--name <name>', 'what the key is for', 'cli')
    .option('--partner <id>', 'partner id (partner keys)')
    .option('--daily-cap <points>', 'most points a partner key may award per UTC day', positiveInt)
    .option('--expires-in <duration>', 'the key stops working after this long (30d, 12h, 90m)', duration)
    .option('--rate-limit <per-minute>', 'requests a minute this key may send (default: API_RATE_LIMIT_KEY)', positiveInt)
    .action(async (opts: { role: string; name: string; partner?: string; dailyCap?: number; expiresIn?: number; rateLimit?: number }) => {
      const { createApiKey } = await import('../../auth/index.js');
      const key = await withPool((pool) =>
        createApiKey(pool, {
          role: opts.role,
          name: opts.name,
          partnerId: opts.partner,
          dailyPointCap: opts.dailyCap,
          expiresAt: opts.expiresIn === undefined ? undefined : new Date(Date.now() + opts.expiresIn),
          rateLimitPerMinute: opts.rateLimit,
        }),
      );
      process.stdout.write(`${key.key}\n`);
      const expires = key.expiresAt ? `, expires ${key.expiresAt.toISOString()}` : '';
      process.stderr.write(`laurel: created ${key.role} key ${key.id} (${key.name}${expires}); store it now, it is not shown again\n`);
    });
  keys
    .command('list')
    .description('every API key: role, name, status, created, expires, last used (never the key itself)')
    .option('--json', 'one JSON object a line')
    .action(async (opts: { json?: boolean }) => {
      const { listApiKeys } = await import('../../auth/index.js');
      const list = await withPool((pool) => listApiKeys(pool));
      if (opts.json) {
        for (const k of list) process.stdout.write(`${JSON.stringify(k)}\n`);
        return;
      }
      const at = (d: Date | null) => (d ? d.toISOString().slice(0, 19) + 'Z' : '-');
      const rows = [['ID', 'ROLE', 'NAME', 'STATUS', 'CREATED', 'EXPIRES', 'LAST USED', 'REPLACED BY'], ...list.map((k) => [k.id, k.role, k.name, k.status, at(k.createdAt), at(k.expiresAt), at(k.lastUsedAt), k.replacedBy ?? '-'])];
      const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
      for (const r of rows) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
    });
  keys
    .command('rotate <id>')
    .description('create the replacement of a key and print it once; the old key keeps working during the overlap, then expires')
    .option('--overlap <duration>', 'how long both keys work (30d, 12h, 90m; 0 = the old key stops now)', duration, 24 * 3_600_000)
    .action(async (id: string, opts: { overlap: number }) => {
      const { rotateApiKey } = await import('../../auth/index.js');
      const { created, oldExpiresAt } = await withPool((pool) => rotateApiKey(pool, id, opts.overlap));
      process.stdout.write(`${created.key}\n`);
      process.stderr.write(`laurel: created ${created.role} key ${created.id} replacing ${id}, which stops working at ${oldExpiresAt.toISOString()}; store the new key now, it is not shown again\n`);
    });
  keys
    .command('revoke <id>')
    .description('revoke a key: every api process refuses it within API_KEY_CACHE_SECONDS (default 10 s)')
    .action(async (id: string) => {
      const { revokeApiKey } = await import('../../auth/index.js');
      const revoked = await withPool((pool) => revokeApiKey(pool, id));
      if (!revoked) throw new NotFoundError('unknown_api_key', `no active API key ${id}`);
      process.stderr.write(`laurel: revoked ${id}; every api process refuses it within API_KEY_CACHE_SECONDS\n`);
    });

  const tiers = program.command('tiers').description('tier operations');
  tiers
    .command('review')
    .description('review every member whose tier review is due (set-based)')
    .option('--as-of <instant>', 'review as of this instant', isoInstant)
    .action(async (opts: { asOf?: Date }) => {
      const { reviewTiers } = await import('../../ledger/index.js');
      const counts = await withPool((pool) => reviewTiers(pool, opts.asOf ?? new Date()));
      process.stdout.write(`${JSON.stringify(counts)}\n`);
    });

  const points = program.command('points').description('points operations');
  points
    .command('expire')
    .description('activate pending points whose window closed, cancel material redemptions past their fulfilment deadline, then expire what is due (set-based)')
    .option('--as-of <instant>', 'expire as of this instant', isoInstant)
    .action(async (opts: { asOf?: Date }) => {
      const { activatePendingPoints, expirePoints } = await import('../../ledger/index.js');
      const { cancelOverdueRedemptions } = await import('../../rewards/index.js');
      const asOf = opts.asOf ?? new Date();
      const result = await withPool(async (pool) => ({
        activated: await activatePendingPoints(pool, asOf),
        overdueRedemptionsCancelled: await cancelOverdueRedemptions(pool, asOf),
        expired: await expirePoints(pool, asOf),
      }));
      process.stdout.write(`${JSON.stringify(result)}\n`);
    });

  const ledger = program.command('ledger').description('the points ledger');
  ledger
    .command('check')
    .description('prove, for every member, entries = lots = cached balance (pending apart) and that every ledger reference holds; exit 1 otherwise (run it nightly)')
    .option('--limit <n>', 'most out-of-balance members listed', positiveInt, 100)
    .action(async (opts: { limit: number }) => {
      const { checkLedger } = await import('../../ledger/index.js');
      const report = await withPool((pool) => checkLedger(pool, { limit: opts.limit }));
      process.stdout.write(`${JSON.stringify(report)}\n`);
      if (report.ok) {
        process.stderr.write(`laurel: ledger check: ${report.members.toLocaleString('en-US')} members, every balance = entries = lots, every reference holds\n`);
        return;
      }
      const broken = Object.entries(report.brokenReferences).map(([name, n]) => `${n} rows break ${name}`);
      const first = report.imbalances[0];
      process.stderr.write(
        `laurel: ledger check FAILED: ${report.imbalanced.toLocaleString('en-US')} of ${report.members.toLocaleString('en-US')} members out of balance` +
          (first ? ` (first: ${first.memberId}: entries ${first.entries}, lots ${first.lots}, cached ${first.available === null ? 'missing' : `${first.available}+${first.pending}`}, pending lots ${first.pendingLots})` : '') +
          (broken.length > 0 ? `; ${broken.join('; ')}` : '') +
          '\n',
      );
      process.exitCode = 1;
    });

  program
    .command('program')
    .description('program definitions')
    .command('load <file>')
    .description('validate a program file (YAML or JSON) and store it as the new version')
    .action(async (file: string) => {
      const { loadProgramFile } = await import('../../program/index.js');
      const { publishProgram } = await import('../../program/store.js');
      const definition = await loadProgramFile(resolve(file));
      const version = await withPool((pool) => publishProgram(pool, definition, 'cli', file));
      process.stdout.write(`laurel: program "${definition.name}" stored as version ${version.version}\n`);
    });
}
