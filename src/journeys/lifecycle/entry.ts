import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { withTransaction, type Pool } from '../../db/index.js';
import { inSegment } from '../missions/audience.js';
import { isDateTrigger, journeyWorkflowId } from './definition.js';
import { ENTRY_COLUMNS, entryFromRow, type EntryRecord, type EntryRow, type JourneyRecord } from './store.js';

export interface JourneyStarter {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
}

/** What started an entry: the event or fact id (or date occurrence), when, and what it knew. */
export interface EntryTrigger {
  id: string;
  at: Date;
  context: Record<string, unknown>;
}

/** An entry key usable in workflow and message ids: the trigger id itself when it is plain, else its hash. */
export function entryKeyOf(triggerId: string): string {
  return /^[A-Za-z0-9_-]{1,64}$/.test(triggerId) ? triggerId : `h${createHash('sha1').update(triggerId).digest('hex').slice(0, 16)}`;
}

export type EntryDecision = { entry: EntryRecord; created: boolean } | { entry: undefined; reason: 'not_in_audience' | 'entered_before' | 'in_journey' | 'too_soon' };

/**
 * Lets a member into a journey if its entry rule allows (under a lock on journey and member, so
 * two triggers at once make one entry): `once` → key `once`; `every N days` → not while an entry
 * is running, and not within N days of the last one, keyed by the trigger. The same trigger seen
 * again finds the entry it made.
 */
export async function enterJourney(pool: Pool, journey: JourneyRecord, memberId: string, trigger: EntryTrigger): Promise<EntryDecision> {
  const definition = journey.definition;
  if (isDateTrigger(definition.trigger)) throw new Error(`journey ${journey.id} is entered by the date sweep`);
  if (!(await inSegment(pool, definition.audience, memberId, trigger.at))) return { entry: undefined, reason: 'not_in_audience' };
  return await withTransaction(pool, async (client): Promise<EntryDecision> => {
    await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`journey:${journey.id}:${memberId}`]);
    const { rows } = await client.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM journey_entries WHERE journey_id = $1 AND member_id = $2 ORDER BY entered_at DESC`, [journey.id, memberId]);
    const existing = rows.map(entryFromRow);
    const mine = existing.find((e) => e.triggerId === trigger.id);
    if (mine) return { entry: mine, created: false };
    let key: string;
    if (definition.entry.mode === 'once') {
      if (existing.length > 0) return { entry: undefined, reason: 'entered_before' };
      key = 'once';
    } else {
      if (existing.some((e) => e.status === 'active')) return { entry: undefined, reason: 'in_journey' };
      const last = existing[0];
      if (last && trigger.at.getTime() - last.enteredAt.getTime() < definition.entry.days * 86_400_000) return { entry: undefined, reason: 'too_soon' };
      key = entryKeyOf(trigger.id);
    }
    const inserted = await client.query<EntryRow>(
      `INSERT INTO journey_entries (journey_id, member_id, entry_key, workflow_id, version, trigger_id, context, entered_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING RETURNING ${ENTRY_COLUMNS}`,
      [journey.id, memberId, key, journeyWorkflowId(journey.id, memberId, key), journey.version, trigger.id, JSON.stringify(trigger.context), trigger.at],
    );
    if (!inserted.rows[0]) return { entry: undefined, reason: 'entered_before' };
    return { entry: entryFromRow(inserted.rows[0]), created: true };
  });
}

/** Starts an entry's workflow (once: a second start of the same id is refused) and notes it started. */
export async function startEntryWorkflow(deps: JourneyStarter, workflowId: string): Promise<boolean> {
  let started = true;
  try {
    await deps.temporal.workflow.start('journeyWorkflow', { workflowId, taskQueue: deps.taskQueue, args: [{}], workflowIdReusePolicy: 'REJECT_DUPLICATE' });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    started = false;
  }
  await deps.pool.query(`UPDATE journey_entries SET workflow_started_at = coalesce(workflow_started_at, now()) WHERE workflow_id = $1`, [workflowId]);
  return started;
}

/** Enters the member and starts the entry's workflow; returns the workflow id, if one runs. */
export async function enterAndStart(deps: JourneyStarter, journey: JourneyRecord, memberId: string, trigger: EntryTrigger): Promise<string | undefined> {
  const decision = await enterJourney(deps.pool, journey, memberId, trigger);
  if (!decision.entry || decision.entry.status !== 'active') return undefined;
  await startEntryWorkflow(deps, decision.entry.workflowId);
  return decision.entry.workflowId;
}
