import type { Member } from '../../members/index.js';
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
