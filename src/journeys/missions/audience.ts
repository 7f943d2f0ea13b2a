import type { Pool, PoolClient } from '../../db/index.js';
import type { Member } from '../../members/index.js';
import { compileSegmentPredicate, type Segment } from '../../segments/index.js';
import type { Predicate } from '../../program/index.js';
import { evaluatePredicate, type PredicateContext } from '../../rules/index.js';

/** The `member.*` side of a predicate context (what audience and eligibility filters see). */
export function memberFacts(member: Member): PredicateContext['member'] {
  return {
    id: member.id,
    tierId: member.tierId,
    timeZone: member.timeZone ?? null,
    joinedAt: member.joinedAt.toISOString(),
    attributes: member.attributes ?? {},
  };
}

/**
 * Audience and eligibility are member-attribute predicates (tier, attributes) until a segment
 * DSL exists; absent means everyone.
 */
export function inAudience(audience: Predicate | undefined, member: Member): boolean {
  if (!audience) return true;
  return evaluatePredicate(audience, { event: {}, member: memberFacts(member) });
}

/**
 * Membership in a segment (the campaigns' DSL), asked of Postgres for one member: the compiled
 * predicate over `members m`, parameters after the member id. Absent = everyone.
 */
export async function inSegment(db: Pool | PoolClient, segment: Segment | undefined, memberId: string, now: Date): Promise<boolean> {
  if (!segment) return true;
  const { where, params } = compileSegmentPredicate(segment, { now, paramOffset: 1 });
  const { rows } = await db.query<{ ok: boolean }>(`SELECT EXISTS (SELECT 1 FROM members m WHERE m.id = $1 AND ${where}) AS ok`, [memberId, ...params]);
  return rows[0]?.ok ?? false;
}
