import { createHash } from 'node:crypto';
import pg from 'pg';

export type Pool = pg.Pool;
export type PoolClient = pg.PoolClient;

// int8 (bigint) columns hold points and money: parse them as JS numbers only when safe,
// otherwise keep exactness by refusing. Points and minor units stay far below 2^53.
pg.types.setTypeParser(20, (value: string) => {
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${value} exceeds the safe integer range`);
  return n;
});

// date columns (a birth date) are calendar dates with no time zone: keep them as YYYY-MM-DD, never
// as a Date at some zone's midnight.
pg.types.setTypeParser(1082, (value: string) => value);

export function createPool(databaseUrl: string, max = 20): Pool {
  // Prepared statements still plan every execution: their array parameters range from one member
  // to a thousand, and a generic plan would guess a few rows and scan whole tables instead of
  // using the indexes. Naming a statement saves the parse, not the plan.
  // No connectionTimeoutMillis: pg-pool applies it to waiting for a free client too, and a burst of
  // requests beyond the pool's size must queue, not fail. A database that is down refuses at once.
  const pool = new pg.Pool({ connectionString: databaseUrl, max, application_name: 'laurel', options: '-c plan_cache_mode=force_custom_plan', keepAlive: true });
  // An idle client losing its connection (server restart) must not crash the process.
  pool.on('error', () => undefined);
  // Nor a checked-out one: pg-pool takes its own listener off a client while it is lent out, and
  // pg emits 'error' when the backend ends (PostgreSQL restarting), even with a query in flight.
  // The query in flight, or the next one, fails with the error; the release drops the dead client.
  // (The chaos run found it: the worker role died on PostgreSQL's immediate shutdown.)
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

/** Runs `work` in one transaction; rolls back on any error. */
export async function withTransaction<T>(pool: Pool, work: (client: PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * A name for a prepared statement whose text is built at run time (it varies with the program):
 * the same text always gets the same name, so each connection parses and plans it once.
 */
export function preparedName(prefix: string, text: string): string {
  let names = preparedNames.get(prefix);
  if (!names) preparedNames.set(prefix, (names = new Map()));
  let name = names.get(text);
  if (name === undefined) {
    if (names.size >= 1000) names.clear();
    name = `${prefix}_${createHash('sha1').update(text).digest('hex').slice(0, 16)}`;
    names.set(text, name);
  }
  return name;
}

/** Names already hashed: the event read's text is rebuilt per call but takes few distinct values. */
const preparedNames = new Map<string, Map<string, string>>();
