import type { Pool, PoolClient } from '../../db/index.js';
import { ConflictError, NotFoundError } from '../../errors/index.js';
import { MissionInputSchema, type MissionDefinition } from './definition.js';
import type { Weekday } from '../../program/index.js';
import { missionPeriodFor, missionWorkflowId } from './period.js';

export interface MissionRecord {
  id: string;
  name: string;
  status: 'active' | 'archived';
  definition: MissionDefinition;
  createdAt: Date;
}

export interface EnrollmentRecord {
  missionId: string;
  memberId: string;
  periodKey: string;
  workflowId: string;
  startsAt: Date;
  endsAt: Date;
  enrolledBy: 'event' | 'opt_in';
  status: 'active' | 'completed' | 'expired';
  progress: number;
  target: number;
  completedAt: Date | null;
}

interface MissionRow {
  id: string;
  name: string;
  status: 'active' | 'archived';
  definition: unknown;
  created_at: Date;
}

function missionFromRow(row: MissionRow): MissionRecord {
  // Stored definitions were validated on the way in; parsing again applies defaults added since.
  return { id: row.id, name: row.name, status: row.status, definition: MissionInputSchema.parse(row.definition), createdAt: row.created_at };
}

const ENROLLMENT_COLUMNS = `mission_id, member_id, period_key, workflow_id, starts_at, ends_at, enrolled_by, status, progress, target, completed_at`;

interface EnrollmentRow {
  mission_id: string;
  member_id: string;
  period_key: string;
  workflow_id: string;
  starts_at: Date;
  ends_at: Date;
  enrolled_by: 'event' | 'opt_in';
  status: 'active' | 'completed' | 'expired';
  progress: number;
  target: number;
  completed_at: Date | null;
}

function enrollmentFromRow(r: EnrollmentRow): EnrollmentRecord {
  return {
    missionId: r.mission_id,
    memberId: r.member_id,
    periodKey: r.period_key,
    workflowId: r.workflow_id,
    startsAt: r.starts_at,
    endsAt: r.ends_at,
    enrolledBy: r.enrolled_by,
    status: r.status,
    progress: Number(r.progress),
    target: Number(r.target),
    completedAt: r.completed_at,
  };
}

/** An enrollment row read as json inside a bigger statement (timestamps arrive as ISO strings). */
export type EnrollmentJson = Omit<EnrollmentRow, 'starts_at' | 'ends_at' | 'completed_at'> & { starts_at: string; ends_at: string; completed_at: string | null };

export function enrollmentFromJson(r: EnrollmentJson): EnrollmentRecord {
  return enrollmentFromRow({ ...r, starts_at: new Date(r.starts_at), ends_at: new Date(r.ends_at), completed_at: r.completed_at === null ? null : new Date(r.completed_at) });
}

export async function createMission(pool: Pool, definition: MissionDefinition, actor: string): Promise<MissionRecord> {
  const { rows } = await pool.query<MissionRow>(
    `INSERT INTO missions (id, name, definition, created_by) VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING RETURNING id, name, status, definition, created_at`,
    [definition.id, definition.name, JSON.stringify(definition), actor],
  );
  if (!rows[0]) throw new ConflictError('mission_exists', `mission ${definition.id} already exists`, { missionId: definition.id });
  return missionFromRow(rows[0]);
}

export async function findMission(db: Pool | PoolClient, id: string): Promise<MissionRecord | undefined> {
  const { rows } = await db.query<MissionRow>(`SELECT id, name, status, definition, created_at FROM missions WHERE id = $1`, [id]);
  return rows[0] ? missionFromRow(rows[0]) : undefined;
}

export async function getMission(db: Pool | PoolClient, id: string): Promise<MissionRecord> {
  const mission = await findMission(db, id);
  if (!mission) throw new NotFoundError('unknown_mission', `mission ${id} does not exist`, { missionId: id });
  return mission;
}

export async function listMissions(db: Pool | PoolClient, status?: 'active' | 'archived'): Promise<MissionRecord[]> {
  const { rows } = await db.query<MissionRow>(
    `SELECT id, name, status, definition, created_at FROM missions WHERE ($1::text IS NULL OR status = $1) ORDER BY created_at, id`,
    [status ?? null],
  );
  return rows.map(missionFromRow);
}

export async function findEnrollment(db: Pool | PoolClient, workflowId: string): Promise<EnrollmentRecord | undefined> {
  const { rows } = await db.query<EnrollmentRow>(`SELECT ${ENROLLMENT_COLUMNS} FROM mission_enrollments WHERE workflow_id = $1`, [workflowId]);
  return rows[0] ? enrollmentFromRow(rows[0]) : undefined;
}

export async function memberEnrollments(db: Pool | PoolClient, memberId: string, limit = 100): Promise<EnrollmentRecord[]> {
  const { rows } = await db.query<EnrollmentRow>(
    `SELECT ${ENROLLMENT_COLUMNS} FROM mission_enrollments WHERE member_id = $1 ORDER BY ends_at DESC, mission_id LIMIT $2`,
    [memberId, limit],
  );
  return rows.map(enrollmentFromRow);
}

export type EnrollmentDecision = { enrollment: EnrollmentRecord; created: boolean } | { enrollment: undefined; reason: 'opt_in_required' | 'once_used' };

/**
 * Whether the period an event opens is fixed by the event's time alone: calendar months of a
 * recurring, automatically enrolling mission. Then the period key decides everything and the
 * primary key (mission, member, period) makes opening it exactly once without the advisory lock.
 */
export function opensByPeriodKey(definition: MissionDefinition): boolean {
  return definition.period.type === 'calendar_month' && definition.recurrence === 'recurring' && definition.enrollment === 'auto';
}

/**
 * `enrollmentAt` for a mission that `opensByPeriodKey`, in one statement (two when another
 * process opened the period first): inserts the period's enrollment or finds the one there.
 */
export async function openEnrollmentByPeriodKey(db: Pool | PoolClient, mission: MissionRecord, memberId: string, at: Date, timeZone: string): Promise<EnrollmentDecision> {
  const definition = mission.definition;
  if (!opensByPeriodKey(definition)) throw new Error(`mission ${mission.id} does not open periods by key`);
  const period = missionPeriodFor(definition, at, timeZone);
  const workflowId = missionWorkflowId(mission.id, memberId, period.key);
  const inserted = await db.query<EnrollmentRow>(
    `INSERT INTO mission_enrollments (mission_id, member_id, period_key, workflow_id, starts_at, ends_at, enrolled_by, target)
     VALUES ($1, $2, $3, $4, $5, $6, 'event', $7) ON CONFLICT (mission_id, member_id, period_key) DO NOTHING RETURNING ${ENROLLMENT_COLUMNS}`,
    [mission.id, memberId, period.key, workflowId, period.startsAt, period.endsAt, definition.goal.target],
  );
  if (inserted.rows[0]) return { enrollment: enrollmentFromRow(inserted.rows[0]), created: true };
  return { enrollment: (await findEnrollment(db, workflowId))!, created: false };
}

/**
 * The member's enrollment whose period holds `at`, creating it when the mission allows. Runs
 * under a transaction-scoped advisory lock on (mission, member), so two events of one member
 * processed at once cannot open two periods.
 */
export async function enrollmentAt(
  client: PoolClient,
  mission: MissionRecord,
  memberId: string,
  at: Date,
  timeZone: string,
  by: 'event' | 'opt_in',
  weekStartsOn: Weekday = 'monday',
): Promise<EnrollmentDecision> {
  await client.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [`mission:${mission.id}:${memberId}`]);
  const { rows } = await client.query<EnrollmentRow>(
    `SELECT ${ENROLLMENT_COLUMNS} FROM mission_enrollments WHERE mission_id = $1 AND member_id = $2 ORDER BY starts_at DESC`,
    [mission.id, memberId],
  );
  const existing = rows.map(enrollmentFromRow);
  const current = existing.find((e) => e.startsAt.getTime() <= at.getTime() && at.getTime() < e.endsAt.getTime());
  if (current) return { enrollment: current, created: false };
  const definition = mission.definition;
  if (definition.period.type === 'streak') {
    // An event older than the running attempt's start (arrived out of order) but after every
    // closed attempt belongs to the running one: its start moves back to the event's period.
    const running = existing.find((e) => e.status === 'active');
    if (running && at.getTime() < running.startsAt.getTime() && existing.every((e) => e === running || e.endsAt.getTime() <= at.getTime())) {
      const closedEnd = Math.max(0, ...existing.filter((e) => e !== running).map((e) => e.endsAt.getTime()));
      const startsAt = new Date(Math.max(closedEnd, missionPeriodFor(definition, at, timeZone, weekStartsOn).startsAt.getTime()));
      await client.query(`UPDATE mission_enrollments SET starts_at = $2 WHERE workflow_id = $1`, [running.workflowId, startsAt]);
      return { enrollment: { ...running, startsAt }, created: false };
    }
  }
  // A broken streak does not use up a mission that is taken once: only a completed one does.
  const taken = definition.period.type === 'streak' ? existing.some((e) => e.status !== 'expired') : existing.length > 0;
  if (definition.recurrence === 'once' && taken) return { enrollment: undefined, reason: 'once_used' };
  // Opting in once covers the mission's later periods too.
  if (by === 'event' && definition.enrollment === 'opt_in' && !existing.some((e) => e.enrolledBy === 'opt_in')) return { enrollment: undefined, reason: 'opt_in_required' };
  const period = missionPeriodFor(definition, at, timeZone, weekStartsOn);
  // A new streak attempt never reaches back into a closed one's window.
  const closedEnd = Math.max(0, ...existing.map((e) => e.endsAt.getTime()).filter((t) => t <= at.getTime()));
  if (definition.period.type === 'streak' && period.startsAt.getTime() < closedEnd) period.startsAt = new Date(closedEnd);
  // An attempt whose start moved back may have left its key's date behind: a later attempt on that
  // date is numbered (under the lock, so the number is the same for every process).
  if (definition.period.type === 'streak' && existing.some((e) => e.periodKey === period.key)) period.key = `${period.key}-${existing.length + 1}`;
  const workflowId = missionWorkflowId(mission.id, memberId, period.key);
  const inserted = await client.query<EnrollmentRow>(
    `INSERT INTO mission_enrollments (mission_id, member_id, period_key, workflow_id, starts_at, ends_at, enrolled_by, target)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (mission_id, member_id, period_key) DO NOTHING RETURNING ${ENROLLMENT_COLUMNS}`,
    [mission.id, memberId, period.key, workflowId, period.startsAt, period.endsAt, by, definition.goal.target],
  );
  if (inserted.rows[0]) return { enrollment: enrollmentFromRow(inserted.rows[0]), created: true };
  return { enrollment: (await findEnrollment(client, workflowId))!, created: false };
}
