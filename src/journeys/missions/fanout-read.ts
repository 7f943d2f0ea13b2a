import type { Pool, PoolClient } from '../../db/index.js';
import type { StoredEvent } from '../../ledger/index.js';
import { memberJsonSql, memberFromJson, type Member } from '../../members/index.js';
import { MissionInputSchema, type MissionDefinition } from './definition.js';
import { enrollmentFromJson, type EnrollmentJson, type EnrollmentRecord, type MissionRecord } from './store.js';

/** A triggered mission with the member's enrollment whose period holds the event's time, if any. */
export interface TriggeredMission {
  mission: MissionRecord;
  enrollment: EnrollmentRecord | undefined;
}

/** Everything the fan-out needs about one event, read in one statement. */
export interface MissionEventView {
  event: StoredEvent;
  member: Member;
  missions: TriggeredMission[];
  /** The program's time zone when a triggered mission has no enrollment yet (a new one needs it). */
  programTimeZone: string | null;
}

interface MissionJson {
  id: string;
  name: string;
  status: 'active' | 'archived';
  definition: string;
  created_at: string;
  enrollment: EnrollmentJson | null;
}

interface ViewRow extends StoredEvent {
  member: Parameters<typeof memberFromJson>[0];
  missions: MissionJson[];
  program_time_zone: string | null;
}

const MEMBER_JSON = memberJsonSql('m');

// The event, its member, and the active missions its type triggers (refunds trigger none here;
// they withdraw purchases instead), each with the enrollment whose period holds the event, and
// the program's time zone when one of them has none yet (a new period needs it): one round trip
// instead of four or five. Enrollments are never deleted nor their periods moved, so one found
// here without a lock is the one the locked path would return.
const VIEW_SQL = `
SELECT e.id, e.member_id, e.type, e.occurred_at, e.amount, e.order_id, e.properties, e.result,
       ${MEMBER_JSON} AS member,
       CASE WHEN e.type = 'refund' THEN '[]'::json ELSE coalesce((
         SELECT json_agg(json_build_object(
                  'id', mi.id, 'name', mi.name, 'status', mi.status, 'definition', mi.definition::text, 'created_at', mi.created_at,
                  'enrollment', (SELECT row_to_json(en) FROM (
                     SELECT mission_id, member_id, period_key, workflow_id, starts_at, ends_at, enrolled_by, status, progress, target, completed_at
                       FROM mission_enrollments
                      WHERE mission_id = mi.id AND member_id = e.member_id AND starts_at <= e.occurred_at AND e.occurred_at < ends_at
                      ORDER BY starts_at DESC LIMIT 1) en))
                ORDER BY mi.id)
           FROM missions mi
          WHERE mi.status = 'active' AND mi.definition->>'trigger' = e.type), '[]'::json) END AS missions,
       CASE WHEN e.type <> 'refund' AND EXISTS (
         SELECT 1 FROM missions mi
          WHERE mi.status = 'active' AND mi.definition->>'trigger' = e.type
            AND NOT EXISTS (SELECT 1 FROM mission_enrollments
                             WHERE mission_id = mi.id AND member_id = e.member_id AND starts_at <= e.occurred_at AND e.occurred_at < ends_at))
       THEN (SELECT p.definition->>'timeZone' FROM program_versions p ORDER BY p.version DESC LIMIT 1) END AS program_time_zone
  FROM events e JOIN members m ON m.id = e.member_id
 WHERE e.id = $1`;

/**
 * Parsed definitions by mission id and stored text: a definition is parsed (defaults applied)
 * once, not per event. Keyed by the text, so an edited definition is parsed again.
 */
const parsedDefinitions = new Map<string, { text: string; definition: MissionDefinition }>();
const PARSED_LIMIT = 1000;

function parseDefinition(id: string, text: string): MissionDefinition {
  const cached = parsedDefinitions.get(id);
  if (cached && cached.text === text) return cached.definition;
  const definition = MissionInputSchema.parse(JSON.parse(text));
  if (parsedDefinitions.size >= PARSED_LIMIT) parsedDefinitions.clear();
  parsedDefinitions.set(id, { text, definition });
  return definition;
}

export async function readMissionEventView(db: Pool | PoolClient, eventId: string): Promise<MissionEventView | undefined> {
  const { rows } = await db.query<ViewRow>({ name: 'mission_event_view', text: VIEW_SQL, values: [eventId] });
  const row = rows[0];
  if (!row) return undefined;
  const { member, missions, program_time_zone: programTimeZone, ...event } = row;
  return {
    event,
    programTimeZone,
    member: memberFromJson(member),
    missions: missions.map((m) => ({
      mission: { id: m.id, name: m.name, status: m.status, definition: parseDefinition(m.id, m.definition), createdAt: new Date(m.created_at) },
      enrollment: m.enrollment ? enrollmentFromJson(m.enrollment) : undefined,
    })),
  };
}
