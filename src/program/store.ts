import { withTransaction, type Pool, type PoolClient } from '../db/index.js';
import { appendAudit } from '../audit/index.js';
import { ConflictError, NotFoundError } from '../errors/index.js';
import { seedRewardsFromProgram } from '../rewards/catalog.js';
import { validateProgram } from './parse-program.js';
import type { ProgramDefinition } from './schema.js';

export interface ProgramVersion {
  version: number;
  definition: ProgramDefinition;
  createdAt: Date;
  createdBy: string;
}

// Parsed definitions by version and creation instant: a stored version never changes, so this never
// goes stale (the instant tells apart the version 1s of different databases, as tests have them).
const parsed = new Map<string, ProgramDefinition>();
const identity = (version: number, createdAt: Date) => `${version}@${createdAt.getTime()}`;
// The newest version this process has seen: a hint only (see `latestKnownProgram`).
let latestSeen: ProgramVersion | undefined;

function fromRow(row: { version: number; definition: unknown; created_at: Date; created_by: string }): ProgramVersion {
  let definition = parsed.get(identity(row.version, row.created_at));
  if (!definition) {
    definition = validateProgram(row.definition);
    parsed.set(identity(row.version, row.created_at), definition);
  }
  return { version: row.version, definition, createdAt: row.created_at, createdBy: row.created_by };
}

/** The program in force: the newest stored version. */
export async function currentProgram(db: Pool | PoolClient): Promise<ProgramVersion> {
  const { rows } = await db.query<{ version: number; definition: unknown; created_at: Date; created_by: string }>(
    `SELECT version, definition, created_at, created_by FROM program_versions ORDER BY version DESC LIMIT 1`,
  );
  const row = rows[0];
  if (!row) throw new NotFoundError('no_program', 'no program is defined yet: PUT /v1/program (or start with laurel dev, which loads examples/reference.yaml)');
  latestSeen = fromRow(row);
  return latestSeen;
}

/**
 * The newest program this process has seen, without a query when it has seen one. Another process
 * may have published since: callers must check the program in force inside their own read (the
 * event path does, with `isProgramInForce`, and reloads with `currentProgram` when it moved).
 */
export async function latestKnownProgram(db: Pool | PoolClient): Promise<ProgramVersion> {
  return latestSeen ?? (await currentProgram(db));
}

/** Whether `program` is the one `inForce` (version and creation instant, as read from `program_versions`) names. */
export function isProgramInForce(program: ProgramVersion, inForce: { version: number; createdAt: string | Date } | null): boolean {
  return inForce !== null && inForce.version === program.version && new Date(inForce.createdAt).getTime() === program.createdAt.getTime();
}

export async function programVersion(db: Pool | PoolClient, version: number): Promise<ProgramVersion> {
  const { rows } = await db.query<{ version: number; definition: unknown; created_at: Date; created_by: string }>(
    `SELECT version, definition, created_at, created_by FROM program_versions WHERE version = $1`,
    [version],
  );
  const row = rows[0];
  if (!row) throw new NotFoundError('program_version_not_found', `program version ${version} does not exist`);
  return fromRow(row);
}

/**
 * Stores a new version (validated first: a bad program writes nothing). Earlier versions and every
 * entry they produced stay as they were. Rewards of the file that the catalog does not hold yet
 * are added to it (the catalog is then managed through the API).
 */
export async function publishProgram(pool: Pool, input: unknown, actor: string, source?: string): Promise<ProgramVersion> {
  const definition = validateProgram(input);
  const row = await withTransaction(pool, async (client) => {
    // Serializes concurrent publishes: versions are dense and ordered.
    await client.query('LOCK TABLE program_versions IN EXCLUSIVE MODE');
    // A version may not drop a tier members hold (as their tier or their manual floor): they
    // would be left in a tier the program no longer knows.
    const orphaned = await client.query<{ tier: string; members: number }>(
      `SELECT tier, count(*)::int AS members FROM (
         SELECT tier_id AS tier FROM members UNION ALL SELECT manual_tier_id FROM members WHERE manual_tier_id IS NOT NULL
       ) t WHERE tier <> ALL($1::text[]) GROUP BY tier ORDER BY tier`,
      [definition.tiers.map((t) => t.id)],
    );
    if (orphaned.rows.length > 0) {
      const list = orphaned.rows.map((r) => `${r.tier} (${r.members} member${r.members === 1 ? '' : 's'})`).join(', ');
      throw new ConflictError('tier_in_use', `the new program drops tiers members hold: ${list}; keep them, or move those members first`, { tiers: orphaned.rows });
    }
    const { rows } = await client.query<{ version: number; created_at: Date }>(
      `INSERT INTO program_versions (version, definition, source, created_by)
       SELECT coalesce(max(version), 0) + 1, $1, $2, $3 FROM program_versions
       RETURNING version, created_at`,
      [JSON.stringify(definition), source ?? null, actor],
    );
    const stored = rows[0]!;
    await seedRewardsFromProgram(client, definition.rewards, stored.version, actor);
    // The members/sales rollup (report_member_days, 0033) is kept in the program's zone. Before
    // the first event it is built here (nothing to read); with events, the worker rebuilds it
    // (src/reports/rollups.ts) and reports read the events until then.
    const memberDays = await client.query<{ build: boolean }>(
      `SELECT NOT EXISTS (SELECT FROM report_member_days_zone WHERE zone = $1) AND NOT EXISTS (SELECT FROM events) AS build`,
      [definition.timeZone],
    );
    if (memberDays.rows[0]!.build) await client.query(`SELECT rebuild_report_member_days($1)`, [definition.timeZone]);
    await appendAudit(client, { actor, action: 'program.publish', subject: `program:${stored.version}`, after: { version: stored.version, name: definition.name } });
    return stored;
  });
  parsed.set(identity(row.version, row.created_at), definition);
  const published = { version: row.version, definition, createdAt: row.created_at, createdBy: actor };
  if (!latestSeen || latestSeen.version <= published.version) latestSeen = published;
  return published;
}
