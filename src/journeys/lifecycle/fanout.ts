import { WorkflowNotFoundError } from '@temporalio/client';
import type { Fact, FactHandler } from '../../facts/index.js';
import type { FanoutHandler, MemberEventJob } from '../../fanout/index.js';
import type { StoredEvent } from '../../ledger/index.js';
import { findMember, memberFromJson, memberJsonSql, type Member } from '../../members/index.js';
import { currentProgram } from '../../program/store.js';
import type { evaluatePredicate } from '../../rules/index.js';
import { JOURNEY_EVENT_SIGNAL, type JourneyEventSignal } from './contract.js';
import { FACT_TRIGGERS, type JourneyDefinition } from './definition.js';
import { enterAndStart, type JourneyStarter } from './entry.js';
import { journeyFromRow, journeysTriggeredBy, type JourneyRecord } from './store.js';
import { conditionsHold, eventTriggerContext, needsTierStanding, tierStanding, type TierStanding } from './trigger-context.js';

interface JourneyJson {
  id: string;
  name: string;
  status: JourneyRecord['status'];
  version: number;
  definition: unknown;
  created_at: string;
  updated_at: string;
}

interface EventViewRow extends StoredEvent {
  member: Parameters<typeof memberFromJson>[0];
  erased: boolean;
  triggered: JourneyJson[] | null;
  listening: { workflow_id: string; trigger_id: string | null; journey: JourneyJson }[] | null;
}

const MEMBER_JSON = memberJsonSql('m');

// The event, its member, the active journeys its type starts and the member's running entries
// that listen for it: one round trip, and nothing more for the (usual) event no journey cares about.
const VIEW_SQL = `
SELECT e.id, e.member_id, e.type, e.occurred_at, e.amount, e.order_id, e.properties, e.result,
       ${MEMBER_JSON} AS member, m.erased_at IS NOT NULL AS erased,
       (SELECT json_agg(j ORDER BY j.id) FROM journeys j WHERE j.status = 'active' AND j.trigger_kind = 'event' AND j.trigger_key = e.type) AS triggered,
       (SELECT json_agg(json_build_object('workflow_id', en.workflow_id, 'trigger_id', en.trigger_id, 'journey', row_to_json(j)))
          FROM journey_entries en JOIN journeys j ON j.id = en.journey_id
         WHERE en.member_id = e.member_id AND en.status = 'active' AND (e.type = ANY(j.listens) OR '*' = ANY(j.listens))) AS listening
  FROM events e JOIN members m ON m.id = e.member_id
 WHERE e.id = $1`;

function journeyFromJson(j: JourneyJson): JourneyRecord {
  return journeyFromRow({ ...j, created_at: new Date(j.created_at), updated_at: new Date(j.updated_at) });
}

/** What a running entry hears of an event: whether it meets the goal, and which waits it ends. */
export function eventSignalFor(definition: JourneyDefinition, event: StoredEvent, member: Member): JourneyEventSignal {
  const context = eventTriggerContext(event, member, { purchaseCount: 0 });
  const matches = (eventType: string, conditions: Parameters<typeof evaluatePredicate>[0] | undefined) =>
    (eventType === '*' || eventType === event.type) && conditionsHold(conditions, context);
  return {
    eventId: event.id,
    eventType: event.type,
    occurredAtMs: event.occurred_at.getTime(),
    goal: definition.goal ? matches(definition.goal.eventType, definition.goal.conditions) : false,
    steps: definition.steps.flatMap((s) => (s.type === 'wait_for_event' && matches(s.eventType, s.conditions) ? [s.id] : [])),
  };
}

async function signalEntry(deps: JourneyStarter, workflowId: string, signal: JourneyEventSignal): Promise<void> {
  try {
    await deps.temporal.workflow.getHandle(workflowId).signal(JOURNEY_EVENT_SIGNAL, signal);
  } catch (err) {
    // The entry's workflow has ended (or not started yet: the entry is then younger than the event).
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
}

/**
 * Member events into journeys: an event that a journey's trigger matches (type, conditions,
 * first of its type) enters the member, within the entry rule, and starts the entry's workflow;
 * running entries that wait for this kind of event, or have it as their goal, are signalled.
 * Idempotent on the event id: an entry remembers the event that made it, and a signal carries
 * the event id, which the workflow counts once.
 */
export function createJourneyFanoutHandler(deps: JourneyStarter): FanoutHandler {
  return {
    name: 'journeys',
    async handle(job: MemberEventJob): Promise<void> {
      const { rows } = await deps.pool.query<EventViewRow>({ name: 'journey_event_view', text: VIEW_SQL, values: [job.eventId] });
      const row = rows[0];
      if (!row || row.erased || (!row.triggered && !row.listening)) return;
      const { member: memberRow, erased: _erased, triggered, listening, ...event } = row;
      const member = memberFromJson(memberRow);
      for (const journey of (triggered ?? []).map(journeyFromJson)) await enterOnEvent(deps, journey, event, member);
      for (const entry of listening ?? []) {
        // The entry this event made does not hear its own trigger.
        if (entry.trigger_id === event.id) continue;
        const signal = eventSignalFor(journeyFromJson(entry.journey).definition, event, member);
        if (signal.goal || signal.steps.length > 0) await signalEntry(deps, entry.workflow_id, signal);
      }
    },
  };
}

async function isErased(deps: JourneyStarter, memberId: string): Promise<boolean> {
  const { rows } = await deps.pool.query<{ erased: boolean }>(`SELECT erased_at IS NOT NULL AS erased FROM members WHERE id = $1`, [memberId]);
  return rows[0]?.erased ?? true;
}

async function enterOnEvent(deps: JourneyStarter, journey: JourneyRecord, event: StoredEvent, member: Member): Promise<void> {
  const trigger = journey.definition.trigger;
  if (trigger.type !== 'event') return;
  // The member's earlier events of this type, only when the trigger asks (first, purchaseCount).
  let earlier = 0;
  if (trigger.first || JSON.stringify(trigger.conditions ?? {}).includes('member.purchaseCount')) {
    const { rows } = await deps.pool.query<{ earlier: number }>(
      `SELECT count(*)::int AS earlier FROM events WHERE member_id = $1 AND type = $2 AND (occurred_at, id) < ($3, $4)`,
      [event.member_id, event.type, event.occurred_at, event.id],
    );
    earlier = rows[0]!.earlier;
  }
  if (trigger.first && earlier > 0) return;
  let standing: TierStanding | undefined;
  if (needsTierStanding(journey.definition)) standing = await tierStanding(deps.pool, (await currentProgram(deps.pool)).definition, member, new Date());
  const context = eventTriggerContext(event, member, { purchaseCount: event.type === 'purchase' ? earlier + 1 : earlier, standing });
  if (!conditionsHold(trigger.conditions, context)) return;
  await enterAndStart(deps, journey, member.id, {
    id: event.id,
    at: event.occurred_at,
    context: {
      eventId: event.id,
      eventType: event.type,
      points: context.event.points,
      ...(standing?.nextTierId ? { nextTier: standing.nextTierId, pointsToNextTier: standing.nextTierGap } : {}),
    },
  });
}

/** Facts into journeys: a member created, a tier changed, a mission completed. */
export function createJourneyFactHandler(deps: JourneyStarter): FactHandler {
  return {
    name: 'journeys',
    async handle(fact: Fact): Promise<void> {
      if (!fact.memberId) return;
      const kind = FACT_TRIGGERS[fact.type as keyof typeof FACT_TRIGGERS];
      if (!kind) return;
      const journeys = await journeysTriggeredBy(deps.pool, [kind], fact.type);
      if (journeys.length === 0) return;
      const member = await findMember(deps.pool, fact.memberId);
      if (!member || (await isErased(deps, member.id))) return;
      for (const journey of journeys) {
        const trigger = journey.definition.trigger;
        const data = fact.data;
        if (trigger.type === 'tier_changed') {
          if (trigger.direction !== 'any' && data.direction !== trigger.direction) continue;
          if (trigger.toTiers && !trigger.toTiers.includes(String(data.toTier))) continue;
        }
        if (trigger.type === 'mission_completed' && trigger.missionId && data.missionId !== trigger.missionId) continue;
        const context: Record<string, unknown> =
          trigger.type === 'tier_changed' ? { fromTier: data.fromTier, toTier: data.toTier } : trigger.type === 'mission_completed' ? { missionId: data.missionId, rewardPoints: data.rewardPoints } : {};
        await enterAndStart(deps, journey, member.id, { id: fact.id, at: new Date(fact.occurredAt), context });
      }
    },
  };
}
