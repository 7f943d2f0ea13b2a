import { withTransaction, type Pool, type PoolClient } from '../../db/index.js';
import { appendAudit } from '../../audit/index.js';
import { NotFoundError } from '../../errors/index.js';
import { JourneyInputSchema, isDateTrigger, listenedEventTypes, triggerFactType, type JourneyDefinition } from './definition.js';

export type JourneyStatus = 'active' | 'paused' | 'archived';

export interface JourneyRecord {
  id: string;
  name: string;
  status: JourneyStatus;
  version: number;
  definition: JourneyDefinition;
  createdAt: Date;
  updatedAt: Date;
}

interface JourneyRow {
  id: string;
  name: string;
  status: JourneyStatus;
  version: number;
  definition: unknown;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `id, name, status, version, definition, created_at, updated_at`;

/** Stored definitions were validated on the way in; parsing again applies defaults added since. */
const parsed = new Map<string, { version: number; definition: JourneyDefinition }>();

export function journeyFromRow(row: JourneyRow): JourneyRecord {
  const key = row.id;
  let cached = parsed.get(key);
  if (!cached || cached.version !== row.version) {
    cached = { version: row.version, definition: JourneyInputSchema.parse(row.definition) };
    if (parsed.size > 1000) parsed.clear();
    parsed.set(key, cached);
  }
  return { id: row.id, name: row.name, status: row.status, version: row.version, definition: cached.definition, createdAt: row.created_at, updatedAt: row.updated_at };
}

/** What the triggers of a journey are keyed by in SQL: the event type, the fact type, or the date kind. */
function triggerKey(definition: JourneyDefinition): string {
  const t = definition.trigger;
  if (t.type === 'event') return t.eventType;
  if (isDateTrigger(t)) return t.type;
  return triggerFactType(t)!;
}

/**
 * Creates a journey or stores its next version (the previous ones are kept in journey_versions).
 * Running entries follow the new version from the step they are at. Audit logged.
 */
export async function saveJourney(pool: Pool, id: string, definition: JourneyDefinition, actor: string): Promise<{ journey: JourneyRecord; created: boolean }> {
  return await withTransaction(pool, async (client) => {
    const before = await findJourney(client, id, true);
    const { rows } = await client.query<JourneyRow>(
      `INSERT INTO journeys (id, name, status, version, definition, trigger_kind, trigger_key, listens, created_by)
       VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8)
       ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, status = EXCLUDED.status, version = journeys.version + 1, definition = EXCLUDED.definition,
         trigger_kind = EXCLUDED.trigger_kind, trigger_key = EXCLUDED.trigger_key, listens = EXCLUDED.listens, updated_at = now()
       RETURNING ${COLUMNS}`,
      [id, definition.name, definition.status, JSON.stringify(definition), definition.trigger.type, triggerKey(definition), listenedEventTypes(definition), actor],
    );
    const journey = journeyFromRow(rows[0]!);
    await client.query(`INSERT INTO journey_versions (journey_id, version, definition, created_by) VALUES ($1, $2, $3, $4)`, [id, journey.version, JSON.stringify(definition), actor]);
    await appendAudit(client, {
      actor,
      action: before ? 'journey.update' : 'journey.create',
      subject: `journey:${id}`,
      before: before ? { version: before.version, definition: before.definition } : null,
      after: { version: journey.version, definition },
    });
    return { journey, created: !before };
  });
}

export async function findJourney(db: Pool | PoolClient, id: string, lock = false): Promise<JourneyRecord | undefined> {
  const { rows } = await db.query<JourneyRow>(`SELECT ${COLUMNS} FROM journeys WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
  return rows[0] ? journeyFromRow(rows[0]) : undefined;
}

export async function getJourney(db: Pool | PoolClient, id: string): Promise<JourneyRecord> {
  const journey = await findJourney(db, id);
  if (!journey) throw new NotFoundError('unknown_journey', `journey ${id} does not exist`, { journeyId: id });
  return journey;
}

export async function listJourneys(db: Pool | PoolClient): Promise<JourneyRecord[]> {
  const { rows } = await db.query<JourneyRow>(`SELECT ${COLUMNS} FROM journeys ORDER BY created_at, id`);
  return rows.map(journeyFromRow);
}

/** The active journeys a trigger kind and key start (an event type, a fact type, a date kind). */
export async function journeysTriggeredBy(db: Pool | PoolClient, kinds: readonly string[], key?: string): Promise<JourneyRecord[]> {
  const { rows } = await db.query<JourneyRow>(
    `SELECT ${COLUMNS} FROM journeys WHERE status = 'active' AND trigger_kind = ANY($1::text[]) AND ($2::text IS NULL OR trigger_key = $2) ORDER BY id`,
    [kinds, key ?? null],
  );
  return rows.map(journeyFromRow);
}

export type EntryStatus = 'active' | 'completed' | 'converted' | 'exited' | 'left';

export interface EntryRecord {
  journeyId: string;
  memberId: string;
  entryKey: string;
  workflowId: string;
  version: number;
  triggerId: string | null;
  context: Record<string, unknown>;
  status: EntryStatus;
  currentStep: string | null;
  stepsDone: number;
  enteredAt: Date;
  endedAt: Date | null;
  outcomeReason: string | null;
}

export interface EntryRow {
  journey_id: string;
  member_id: string;
  entry_key: string;
  workflow_id: string;
  version: number;
  trigger_id: string | null;
  context: Record<string, unknown>;
  status: EntryStatus;
  current_step: string | null;
  steps_done: number;
  entered_at: Date;
  ended_at: Date | null;
  outcome_reason: string | null;
}

export const ENTRY_COLUMNS = `journey_id, member_id, entry_key, workflow_id, version, trigger_id, context, status, current_step, steps_done, entered_at, ended_at, outcome_reason`;

export function entryFromRow(r: EntryRow): EntryRecord {
  return {
    journeyId: r.journey_id,
    memberId: r.member_id,
    entryKey: r.entry_key,
    workflowId: r.workflow_id,
    version: r.version,
    triggerId: r.trigger_id,
    context: r.context,
    status: r.status,
    currentStep: r.current_step,
    stepsDone: r.steps_done,
    enteredAt: r.entered_at,
    endedAt: r.ended_at,
    outcomeReason: r.outcome_reason,
  };
}

export async function findEntry(db: Pool | PoolClient, workflowId: string): Promise<EntryRecord | undefined> {
  const { rows } = await db.query<EntryRow>(`SELECT ${ENTRY_COLUMNS} FROM journey_entries WHERE workflow_id = $1`, [workflowId]);
  return rows[0] ? entryFromRow(rows[0]) : undefined;
}

export async function getEntry(db: Pool | PoolClient, workflowId: string): Promise<EntryRecord> {
  const entry = await findEntry(db, workflowId);
  if (!entry) throw new Error(`no journey entry for workflow ${workflowId}`);
  return entry;
}

/** Entries of a journey (newest first) or of a member, with keyset paging on (entered_at, workflow id). */
export async function listEntries(
  db: Pool | PoolClient,
  filter: { journeyId?: string | undefined; memberId?: string | undefined; status?: EntryStatus | undefined; limit: number; before?: { at: Date; workflowId: string } | undefined },
): Promise<EntryRecord[]> {
  const { rows } = await db.query<EntryRow>(
    `SELECT ${ENTRY_COLUMNS} FROM journey_entries
      WHERE ($1::text IS NULL OR journey_id = $1) AND ($2::text IS NULL OR member_id = $2) AND ($3::text IS NULL OR status = $3)
        AND ($4::timestamptz IS NULL OR (entered_at, workflow_id) < ($4::timestamptz, $5::text))
      ORDER BY entered_at DESC, workflow_id DESC LIMIT $6`,
    [filter.journeyId ?? null, filter.memberId ?? null, filter.status ?? null, filter.before?.at ?? null, filter.before?.workflowId ?? null, filter.limit],
  );
  return rows.map(entryFromRow);
}

/** Entries by status, and per step how many entries passed it (from the step log). */
export async function journeyStats(db: Pool | PoolClient, journeyId: string): Promise<{ entries: Record<string, number>; steps: { stepId: string; entries: number }[]; messages: Record<string, number> }> {
  const [byStatus, bySteps, messages] = await Promise.all([
    db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM journey_entries WHERE journey_id = $1 GROUP BY status`, [journeyId]),
    db.query<{ step_id: string; n: number }>(`SELECT step_id, count(*)::int AS n FROM journey_steps WHERE journey_id = $1 GROUP BY step_id ORDER BY step_id`, [journeyId]),
    db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM messages WHERE id LIKE $1 GROUP BY status`, [`journey.${journeyId.replace(/[_%\\]/g, '\\$&')}.%`]),
  ]);
  return {
    entries: Object.fromEntries(byStatus.rows.map((r) => [r.status, r.n])),
    steps: bySteps.rows.map((r) => ({ stepId: r.step_id, entries: r.n })),
    messages: Object.fromEntries(messages.rows.map((r) => [r.status, r.n])),
  };
}
