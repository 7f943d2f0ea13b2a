import { withTransaction } from '../../db/index.js';
import { lastActivitySql } from '../../members/store.js';
import { compileSegmentPredicate } from '../../segments/index.js';
import { currentProgram } from '../../program/store.js';
import { performImmediateSteps, type Reachable } from './actions.js';
import { isDateTrigger, isImmediate, journeyWorkflowId, type DateTrigger } from './definition.js';
import { startEntryWorkflow, type JourneyStarter } from './entry.js';
import { journeysTriggeredBy, type JourneyRecord } from './store.js';

const PAGE = 2000;
/** The member's spendable balance at entry (messages may quote it). */
const BALANCE = `coalesce((SELECT available FROM member_balances b WHERE b.member_id = m.id), 0)`;

export interface DateSweepCounts {
  journeyId: string;
  entered: number;
  messages: number;
  awards: number;
  started: number;
}

interface DueRow {
  id: string;
  email: string | null;
  phone: string | null;
  entry_key: string;
  context: Record<string, unknown>;
}

/**
 * Who is due for a date journey at `asOf`, one keyset page: members whose local date (their time
 * zone, else the program's) is in the journey's window and whose local hour has reached
 * `atLocalHour` on the first day of it, with no entry for that occurrence yet. The entry key is
 * the occurrence (the birthday's or anniversary's year; the quiet spell's last activity), so an
 * occurrence enters once however often the sweep runs.
 */
function dueSql(trigger: DateTrigger, segmentWhere: string): string {
  const local = `(SELECT ($1::timestamptz AT TIME ZONE coalesce(m.time_zone, $2)) AS lt) l`;
  const notEntered = `NOT EXISTS (SELECT 1 FROM journey_entries e WHERE e.journey_id = $3 AND e.member_id = m.id AND e.entry_key = o.entry_key)`;
  const page = `m.erased_at IS NULL AND m.id > $4 AND ${segmentWhere}`;
  const onTime = (first: string) => `l.lt::date >= ${first} AND (l.lt::date > ${first} OR extract(hour FROM l.lt) >= $6)`;
  switch (trigger.type) {
    case 'birthday':
      return `SELECT m.id, m.email, m.phone, o.entry_key,
                     jsonb_build_object('birthday', (o.day + time '12:00') AT TIME ZONE coalesce(m.time_zone, $2), 'balance', ${BALANCE}) AS context
                FROM members m CROSS JOIN LATERAL ${local}
                CROSS JOIN LATERAL (SELECT y::text AS entry_key, laurel_day_in_year(m.birth_date, y) AS day
                                      FROM (VALUES (extract(year FROM l.lt)::int), (extract(year FROM l.lt)::int + 1)) v(y)) o
               WHERE m.birth_date IS NOT NULL AND ${page}
                 AND ${onTime('o.day - $7::int')} AND l.lt::date <= o.day AND ${notEntered}
               ORDER BY m.id LIMIT $5`;
    case 'anniversary':
      return `SELECT m.id, m.email, m.phone, o.entry_key,
                     jsonb_build_object('anniversary', (o.day + time '12:00') AT TIME ZONE coalesce(m.time_zone, $2), 'years', o.years, 'balance', ${BALANCE}) AS context
                FROM members m CROSS JOIN LATERAL ${local}
                CROSS JOIN LATERAL (SELECT (m.joined_at AT TIME ZONE coalesce(m.time_zone, $2))::date AS joined) j
                CROSS JOIN LATERAL (SELECT y::text AS entry_key, laurel_day_in_year(j.joined, y) AS day, y - extract(year FROM j.joined)::int AS years
                                      FROM (VALUES (extract(year FROM l.lt)::int), (extract(year FROM l.lt)::int + 1)) v(y)) o
               WHERE o.years >= 1 AND ${page}
                 AND ${onTime('o.day - $7::int')} AND l.lt::date <= o.day AND ${notEntered}
               ORDER BY m.id LIMIT $5`;
    case 'inactivity':
      return `SELECT m.id, m.email, m.phone, o.entry_key,
                     jsonb_build_object('lastActivityAt', o.last, 'days', (l.lt::date - (o.last AT TIME ZONE coalesce(m.time_zone, $2))::date), 'balance', ${BALANCE}) AS context
                FROM members m CROSS JOIN LATERAL ${local}
                CROSS JOIN LATERAL (SELECT coalesce(${lastActivitySql('m')}, m.joined_at) AS last) a
                CROSS JOIN LATERAL (SELECT a.last, 'i' || floor(extract(epoch FROM a.last))::bigint AS entry_key,
                                           (a.last AT TIME ZONE coalesce(m.time_zone, $2))::date + $7::int AS day) o
               WHERE ${page} AND ${onTime('o.day')} AND ${notEntered}
               ORDER BY m.id LIMIT $5`;
  }
}

function windowDays(trigger: DateTrigger): number {
  return trigger.type === 'inactivity' ? trigger.days : trigger.daysBefore;
}

/**
 * One date journey at `asOf`, set-based: pages of due members are entered in one statement each;
 * a journey of immediate steps (sends, awards) does them for the whole page in the same
 * transaction and completes the entries — no workflow per member; any other journey starts a
 * workflow per new entry (and any entry a crashed run left unstarted).
 */
export async function runDateJourney(deps: JourneyStarter, journey: JourneyRecord, asOf: Date, programTimeZone: string): Promise<DateSweepCounts> {
  const definition = journey.definition;
  const trigger = definition.trigger;
  if (!isDateTrigger(trigger)) throw new Error(`journey ${journey.id} has no date trigger`);
  const counts: DateSweepCounts = { journeyId: journey.id, entered: 0, messages: 0, awards: 0, started: 0 };
  const immediate = isImmediate(definition);
  const segment = definition.audience ? compileSegmentPredicate(definition.audience, { now: asOf, paramOffset: 7 }) : { where: 'true', params: [] };
  const sql = dueSql(trigger, segment.where);
  let after = '';
  for (;;) {
    const { rows } = await deps.pool.query<DueRow>(sql, [asOf, programTimeZone, journey.id, after, PAGE, trigger.atLocalHour, windowDays(trigger), ...segment.params]);
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.id;
    const inserted = await withTransaction(deps.pool, async (client) => {
      const { rows: entered } = await client.query<{ member_id: string; entry_key: string; workflow_id: string }>(
        `INSERT INTO journey_entries (journey_id, member_id, entry_key, workflow_id, version, trigger_id, context, entered_at)
         SELECT $1, d.member_id, d.entry_key, d.workflow_id, $2, $3 || ':' || d.entry_key, d.context, $4
           FROM unnest($5::text[], $6::text[], $7::text[], $8::jsonb[]) AS d(member_id, entry_key, workflow_id, context)
         ON CONFLICT DO NOTHING RETURNING member_id, entry_key, workflow_id`,
        [journey.id, journey.version, trigger.type, asOf, rows.map((r) => r.id), rows.map((r) => r.entry_key), rows.map((r) => journeyWorkflowId(journey.id, r.id, r.entry_key)), rows.map((r) => JSON.stringify(r.context))],
      );
      if (immediate && entered.length > 0) {
        const byMember = new Map(rows.map((r) => [`${r.id}\u0000${r.entry_key}`, r]));
        const done = await performImmediateSteps(
          client,
          definition,
          entered.map((e) => {
            const due = byMember.get(`${e.member_id}\u0000${e.entry_key}`)!;
            const member: Reachable = { memberId: e.member_id, email: due.email, phone: due.phone };
            return { journeyId: journey.id, journeyName: definition.name, entryKey: e.entry_key, memberId: e.member_id, context: due.context, member };
          }),
        );
        counts.messages += done.messages;
        counts.awards += done.awards;
        const ids = entered.map((e) => e.workflow_id);
        await client.query(
          `INSERT INTO journey_steps (workflow_id, step_id, journey_id, version, step_type, at)
           SELECT w, s.id, $2, $3, s.type, $6 FROM unnest($1::text[]) AS w CROSS JOIN unnest($4::text[], $5::text[]) AS s(id, type) ON CONFLICT DO NOTHING`,
          [ids, journey.id, journey.version, definition.steps.map((s) => s.id), definition.steps.map((s) => s.type), asOf],
        );
        await client.query(
          `UPDATE journey_entries SET status = 'completed', outcome_reason = 'last step done', steps_done = $2, current_step = $3, ended_at = $4
            WHERE workflow_id = ANY($1::text[])`,
          [ids, definition.steps.length, definition.steps[definition.steps.length - 1]!.id, asOf],
        );
      }
      return entered;
    });
    counts.entered += inserted.length;
    if (rows.length < PAGE) break;
  }
  if (!immediate) {
    for (;;) {
      const { rows } = await deps.pool.query<{ workflow_id: string }>(
        `SELECT workflow_id FROM journey_entries WHERE journey_id = $1 AND status = 'active' AND workflow_started_at IS NULL ORDER BY workflow_id LIMIT $2`,
        [journey.id, PAGE],
      );
      if (rows.length === 0) break;
      for (const row of rows) if (await startEntryWorkflow(deps, row.workflow_id)) counts.started += 1;
    }
  }
  return counts;
}

/** Every active date journey at `asOf` (the hourly schedule's run, or a CLI/test run with an explicit asOf). */
export async function runDateJourneys(deps: JourneyStarter, asOf: Date): Promise<DateSweepCounts[]> {
  const journeys = await journeysTriggeredBy(deps.pool, ['birthday', 'anniversary', 'inactivity']);
  if (journeys.length === 0) return [];
  const programTimeZone = (await currentProgram(deps.pool)).definition.timeZone;
  const results: DateSweepCounts[] = [];
  for (const journey of journeys) results.push(await runDateJourney(deps, journey, asOf, programTimeZone));
  return results;
}
