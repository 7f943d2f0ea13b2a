import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { withTransaction, type Pool } from '../../db/index.js';
import type { FanoutHandler, MemberEventJob } from '../../fanout/index.js';
import type { Member } from '../../members/index.js';
import type { StoredEvent } from '../../ledger/index.js';
import type { Weekday } from '../../program/index.js';
import { currentProgram, latestKnownProgram } from '../../program/store.js';
import { evaluatePredicate, resolveField } from '../../rules/index.js';
import { inAudience, inSegment, memberFacts } from './audience.js';
import { MISSION_EVENT_SIGNAL, type MissionEventSignal } from './contract.js';
import type { MissionDefinition } from './definition.js';
import { readMissionEventView, type TriggeredMission } from './fanout-read.js';
import { enrollmentAt, openEnrollmentByPeriodKey, opensByPeriodKey, type EnrollmentRecord } from './store.js';
import { streakPeriodIndex, type StreakCalendar } from './streak.js';

export interface MissionFanoutDeps {
  pool: Pool;
  temporal: Client;
  taskQueue: string;
}


/** What an event adds to a mission: 1 for a count goal, the field's positive integer for a sum. */
export function missionContribution(definition: MissionDefinition, event: StoredEvent, member: Member): number {
  const context = {
    event: { id: event.id, type: event.type, occurredAt: event.occurred_at.toISOString(), amount: event.amount === null ? null : Number(event.amount), orderId: event.order_id, properties: event.properties },
    member: memberFacts(member),
  };
  if (definition.conditions && !evaluatePredicate(definition.conditions, context)) return 0;
  if (definition.goal.type === 'count' || definition.goal.type === 'streak') return 1;
  const value = resolveField(context, definition.goal.field);
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : NaN;
  return Number.isSafeInteger(n) && n > 0 ? n : 0;
}

function withinMissionDates(definition: MissionDefinition, at: Date): boolean {
  if (definition.startsAt && at.getTime() < Date.parse(definition.startsAt)) return false;
  if (definition.endsAt && at.getTime() >= Date.parse(definition.endsAt)) return false;
  return true;
}

/** Signals the enrollment's workflow, starting it if needed; a closed workflow is not restarted. */
export async function signalMission(deps: MissionFanoutDeps, workflowId: string, signal: MissionEventSignal | null): Promise<boolean> {
  try {
    if (signal) {
      await deps.temporal.workflow.signalWithStart('missionWorkflow', {
        workflowId,
        taskQueue: deps.taskQueue,
        args: [{}],
        signal: MISSION_EVENT_SIGNAL,
        signalArgs: [signal],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } else {
      await deps.temporal.workflow.start('missionWorkflow', { workflowId, taskQueue: deps.taskQueue, args: [{}], workflowIdReusePolicy: 'REJECT_DUPLICATE' });
    }
    return true;
  } catch (err) {
    // The period's workflow already finished (completed or closed): late events change nothing.
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}

/**
 * Routes a member event to the member's mission workflows: the enrollment whose period holds the
 * event's time (created on the first matching event), signalled with the event id so a
 * redelivered event counts once. A refund withdraws the refunded purchase from the enrollment
 * that holds the purchase's time; the workflow ignores it if that purchase never counted.
 */
export function createMissionFanoutHandler(deps: MissionFanoutDeps): FanoutHandler {
  return {
    name: 'missions',
    async handle(job: MemberEventJob): Promise<void> {
      // One statement: the event, its member, the missions its type triggers and their enrollments.
      const view = await readMissionEventView(deps.pool, job.eventId);
      if (!view) return;
      const { event, member } = view;
      if (event.type === 'refund') {
        await withdrawRefundedPurchases(deps, event);
        return;
      }
      if (view.missions.length === 0) return;
      // Only a new enrollment needs the program's time zone (for its period); the read brings it then.
      let timeZone: Promise<string> | undefined;
      const programTimeZone = () => (timeZone ??= view.programTimeZone !== null ? Promise.resolve(view.programTimeZone) : currentProgram(deps.pool).then((p) => p.definition.timeZone));
      for (const triggered of view.missions) await countTowardMission(deps, triggered, event, member, programTimeZone);
    },
  };
}

async function countTowardMission(deps: MissionFanoutDeps, triggered: TriggeredMission, event: StoredEvent, member: Member, timeZone: () => Promise<string>): Promise<void> {
  const { mission } = triggered;
  const definition = mission.definition;
  if (!withinMissionDates(definition, event.occurred_at) || !inAudience(definition.audience, member)) return;
  const delta = missionContribution(definition, event, member);
  if (delta <= 0) return;
  if (!(await inSegment(deps.pool, definition.segment, member.id, event.occurred_at))) return;
  if (definition.period.type === 'streak') {
    await countTowardStreak(deps, triggered, event, member, delta);
    return;
  }
  // The enrollment came with the read when the period's exists; the locked transaction only to create it.
  let enrollment = triggered.enrollment;
  if (!enrollment) {
    const zone = await timeZone();
    enrollment = opensByPeriodKey(definition)
      ? (await openEnrollmentByPeriodKey(deps.pool, mission, member.id, event.occurred_at, zone)).enrollment
      : (await withTransaction(deps.pool, (client) => enrollmentAt(client, mission, member.id, event.occurred_at, zone, 'event'))).enrollment;
  }
  if (!enrollment || enrollment.status !== 'active') return;
  await signalMission(deps, enrollment.workflowId, { eventId: event.id, delta, occurredAtMs: event.occurred_at.getTime(), uncount: false });
}

/** The member's days (or weeks) for a streak mission: its own time zone, else the program's. */
export async function streakCalendar(db: Pool, definition: MissionDefinition, memberTimeZone: string | null): Promise<StreakCalendar> {
  if (definition.period.type !== 'streak') throw new Error('not a streak mission');
  const program = (await latestKnownProgram(db)).definition;
  return { unit: definition.period.unit, timeZone: memberTimeZone ?? program.timeZone, weekStartsOn: program.weekStartsOn as Weekday };
}

/**
 * A streak event goes to the member's running attempt with its local period number. An attempt's
 * workflow that closed (the streak broke) between the read and the signal has already closed its
 * window, so the locked lookup then finds or opens the attempt the event belongs to now.
 */
async function countTowardStreak(deps: MissionFanoutDeps, triggered: TriggeredMission, event: StoredEvent, member: Member, delta: number): Promise<void> {
  const { mission } = triggered;
  const cal = await streakCalendar(deps.pool, mission.definition, member.timeZone);
  const signal = { eventId: event.id, delta, occurredAtMs: event.occurred_at.getTime(), uncount: false, period: streakPeriodIndex(event.occurred_at, cal) };
  const locked = async () => (await withTransaction(deps.pool, (client) => enrollmentAt(client, mission, member.id, event.occurred_at, cal.timeZone, 'event', cal.weekStartsOn))).enrollment;
  let enrollment: EnrollmentRecord | undefined = triggered.enrollment ?? (await locked());
  for (let attempt = 0; enrollment && enrollment.status === 'active' && attempt < 3; attempt++) {
    if (await signalMission(deps, enrollment.workflowId, signal)) return;
    const again = await locked();
    if (again?.workflowId === enrollment.workflowId) return;
    enrollment = again;
  }
}

async function withdrawRefundedPurchases(deps: MissionFanoutDeps, refund: StoredEvent): Promise<void> {
  if (!refund.order_id) return;
  const { rows } = await deps.pool.query<{ workflow_id: string; purchase_id: string; occurred_at: Date }>(
    `SELECT e.workflow_id, p.id AS purchase_id, p.occurred_at
       FROM events p
       JOIN mission_enrollments e ON e.member_id = p.member_id AND e.status = 'active'
                                  AND e.starts_at <= p.occurred_at AND p.occurred_at < e.ends_at
       JOIN missions m ON m.id = e.mission_id AND m.definition->>'trigger' = 'purchase'
      WHERE p.member_id = $1 AND p.order_id = $2 AND p.type = 'purchase'`,
    [refund.member_id, refund.order_id],
  );
  for (const row of rows) {
    await signalMission(deps, row.workflow_id, { eventId: row.purchase_id, delta: 0, occurredAtMs: row.occurred_at.getTime(), uncount: true });
  }
}
