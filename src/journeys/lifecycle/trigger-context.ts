import type { Pool } from '../../db/index.js';
import { activitySummaries, type StoredEvent } from '../../ledger/index.js';
import type { Member } from '../../members/index.js';
import type { ProgramDefinition } from '../../program/index.js';
import { evaluatePredicate, type PredicateContext } from '../../rules/index.js';
import { currentQualificationWindow, tierProgress } from '../../tiers/index.js';
import { memberFacts } from '../missions/audience.js';
import type { JourneyDefinition } from './definition.js';

/** Where the member stands against the next tier (null at the top tier). */
export interface TierStanding {
  nextTierId: string | null;
  /** What is missing of the next tier's first measure (qualifying points in most programs). */
  nextTierGap: number | null;
}

export async function tierStanding(pool: Pool, program: ProgramDefinition, member: Member, now: Date): Promise<TierStanding> {
  const window = currentQualificationWindow(program, now);
  const summary = (await activitySummaries(pool, program, [member.id], window)).get(member.id);
  if (!summary) return { nextTierId: null, nextTierGap: null };
  const { rows } = await pool.query<{ available: number }>(`SELECT available FROM member_balances WHERE member_id = $1`, [member.id]);
  const progress = tierProgress({
    program,
    member: { tierId: member.tierId, tierStartedAt: member.tierStartedAt, joinedAt: member.joinedAt, manualTierId: member.manualTierId, graceUntil: member.graceUntil },
    summary: { ...summary, balance: rows[0]?.available ?? 0 },
    now,
  });
  if (!progress.nextTier || !progress.toNextTier) return { nextTierId: null, nextTierGap: null };
  // any_of: the smallest gap closes it; otherwise the (single or weighted) measure.
  const gap = progress.metricType === 'any_of' ? Math.min(...progress.toNextTier.map((g) => g.gap)) : (progress.toNextTier[0]?.gap ?? 0);
  return { nextTierId: progress.nextTier.id, nextTierGap: gap };
}

/** Whether a predicate reads the tier standing (it costs a read, so it is computed only then). */
export function needsTierStanding(definition: JourneyDefinition): boolean {
  const text = JSON.stringify(definition.trigger);
  return /member\.(nextTierId|nextTierGap|purchasesToNextTier)/.test(text);
}

/**
 * What an event trigger's conditions see: `event.*` (with `points`, what it earned) and `member.*`
 * (with `purchaseCount` and, when asked for, the tier standing and `purchasesToNextTier`: how
 * many purchases earning what this one did still reach the next tier).
 */
export function eventTriggerContext(event: StoredEvent, member: Member, extra: { purchaseCount: number; standing?: TierStanding | undefined }): PredicateContext {
  const points = event.result?.points?.qualifying ?? 0;
  const standing = extra.standing;
  const purchasesToNextTier = standing?.nextTierGap != null && points > 0 ? Math.ceil(standing.nextTierGap / points) : null;
  return {
    event: {
      id: event.id,
      type: event.type,
      occurredAt: event.occurred_at.toISOString(),
      amount: event.amount === null ? null : Number(event.amount),
      orderId: event.order_id,
      properties: event.properties,
      points: event.result?.points?.total ?? 0,
    },
    member: {
      ...memberFacts(member),
      purchaseCount: extra.purchaseCount,
      ...(standing ? { nextTierId: standing.nextTierId, nextTierGap: standing.nextTierGap, purchasesToNextTier } : {}),
    },
  };
}

export function conditionsHold(conditions: Parameters<typeof evaluatePredicate>[0] | undefined, context: PredicateContext): boolean {
  return !conditions || evaluatePredicate(conditions, context);
}
