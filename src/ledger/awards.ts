import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { withTransaction, type Pool, type PoolClient } from '../db/index.js';
import { getMember } from '../members/index.js';
import { addToOutbox } from '../outbox/index.js';
import { emitFacts, memberFact } from '../facts/index.js';
import { currentProgram } from '../program/store.js';
import { lotExpiresAt } from './core/index.js';
import type { Logger } from '../log/index.js';
import { QUEUES, jobId } from '../queues/index.js';
import { openMemberLedger, writeMemberLedger } from './ledger-write.js';

export interface AwardRequest {
  /** Deterministic and meaningful, e.g. `mission:<id>:<member>:<period>` or `draw:<id>:slot:3`. */
  id: string;
  memberId: string;
  points: number;
  /** Who awards: `mission:<id>`, `contest:<id>`, `draw:<id>`. Recorded as the entry's source. */
  source: string;
  reason: string;
}

export interface AwardJob {
  awardId: string;
}

/**
 * Requests an award in the caller's transaction (row + outbox job with jobId from the award id).
 * Requesting the same id twice is one award.
 */
export async function requestAward(client: PoolClient, award: AwardRequest): Promise<void> {
  await requestAwards(client, [award]);
}

/** Many awards in the caller's transaction, in two statements (set-based journeys). */
export async function requestAwards(client: PoolClient, awards: readonly AwardRequest[]): Promise<void> {
  if (awards.length === 0) return;
  await client.query(
    `INSERT INTO awards (id, member_id, points, source, reason) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[]) ON CONFLICT (id) DO NOTHING`,
    [awards.map((a) => a.id), awards.map((a) => a.memberId), awards.map((a) => a.points), awards.map((a) => a.source), awards.map((a) => a.reason)],
  );
  await addToOutbox(client, awards.map((a) => ({ queue: QUEUES.awards, name: 'award', jobId: jobId('award', a.id), payload: { awardId: a.id } })));
}

/** Requests an award in a transaction of its own (activities call this; safe to retry). */
export async function requestAwardNow(pool: Pool, award: AwardRequest): Promise<void> {
  await withTransaction(pool, (client) => requestAward(client, award));
}

/** Writes the award's ledger entry (once: the entry key is unique and the row records it). */
export async function grantAward(pool: Pool, awardId: string, now = new Date()): Promise<{ granted: boolean; points: number }> {
  return await withTransaction(pool, (client) => grantAwardIn(client, awardId, now));
}

/** grantAward in the caller's transaction (a reversal first makes sure what it reverses was given). */
export async function grantAwardIn(client: PoolClient, awardId: string, now = new Date()): Promise<{ granted: boolean; points: number }> {
  const { rows } = await client.query<{ member_id: string; points: number; source: string; reason: string; granted_at: Date | null }>(
    `SELECT member_id, points, source, reason, granted_at FROM awards WHERE id = $1 FOR UPDATE`,
    [awardId],
  );
  const award = rows[0];
  if (!award) throw new Error(`award ${awardId} does not exist`);
  await getMember(client, award.member_id, true);
  if (award.granted_at) return { granted: false, points: award.points };
  const program = await currentProgram(client);
  const ledger = await openMemberLedger(client, { memberId: award.member_id, returnPolicy: program.definition.returnPolicy, programVersion: program.version, source: award.source });
  ledger.prepare(now, `award:${awardId}:prepare`);
  const key = `award:${awardId}`;
  ledger.earn({
    key,
    points: award.points,
    at: now,
    pendingUntil: null,
    expiresAt: lotExpiresAt(program.definition.expiry, now, program.definition.timeZone),
    orderId: null,
    orderAmount: null,
    ruleId: null,
    context: { reason: award.reason },
  });
  const balance = await writeMemberLedger(client, ledger);
  await client.query(`UPDATE awards SET granted_at = $2, entry_key = $3 WHERE id = $1`, [awardId, now, key]);
  await emitFacts(client, [
    memberFact('points.earned', `points.earned.award.${awardId}`, award.member_id, now, {
      points: award.points,
      pending: false,
      awardId,
      source: award.source,
      balance: { available: balance.available, pending: balance.pending },
    }),
  ]);
  return { granted: true, points: award.points };
}

export function createAwardWorker(deps: { connection: Redis; prefix: string; pool: Pool; logger: Logger; concurrency: number }): Worker<AwardJob> {
  const worker = new Worker<AwardJob>(QUEUES.awards, async (job) => await grantAward(deps.pool, job.data.awardId), {
    connection: deps.connection,
    prefix: deps.prefix,
    concurrency: deps.concurrency,
  });
  worker.on('error', (err) => deps.logger.error({ err }, 'award worker error'));
  return worker;
}
