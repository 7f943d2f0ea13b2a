import type { LimitPeriod, ProgramDefinition } from '../program/schema.js';
import type { ItemLine } from './items.js';

/** An incoming member event, as the API hands it to the rules (money in integer minor units). */
export interface MemberEvent {
  /** Stable id of the event (derived from its idempotency key); entry keys derive from it. */
  readonly id: string;
  readonly type: string;
  readonly occurredAt: Date;
  readonly amount?: number | null;
  readonly orderId?: string | null;
  readonly properties?: Readonly<Record<string, unknown>>;
  /** A purchase's items, when it lists them (their money adds up to `amount`). */
  readonly items?: readonly ItemLine[];
}

export interface MemberSnapshot {
  readonly id: string;
  readonly tierId: string;
  /** IANA zone; limits count days/weeks/months here. Falls back to the program time zone. */
  readonly timeZone?: string | null;
  readonly joinedAt?: Date | null;
  readonly attributes?: Readonly<Record<string, unknown>>;
}

/**
 * What the member already earned from one rule in one limit period (base points only, pending
 * included, cancelled entries excluded). The SQL layer answers one row per `LimitWindow`.
 */
export interface RuleUsage {
  readonly ruleId: string;
  readonly period: LimitPeriod;
  /** Must equal the `start` of the matching `LimitWindow`; usage for any other period is ignored. */
  readonly periodStart: Date;
  readonly timesFired: number;
  readonly points: number;
}

export interface EarningHistory {
  readonly usage: readonly RuleUsage[];
}

/** One period the SQL layer must count for a limited rule: `[start, end)`; `end` null = open. */
export interface LimitWindow {
  readonly ruleId: string;
  readonly period: LimitPeriod;
  readonly start: Date;
  readonly end: Date | null;
  readonly timeZone: string;
}

export type EntryComponent = 'base' | 'tier_bonus';

/** One earn entry (and lot) to write. Nothing is written by the rules themselves. */
export interface PlannedEarnEntry {
  /** `<eventId>:<ruleId>:<component>`; unique per ledger, so a replayed event writes nothing. */
  readonly idempotencyKey: string;
  readonly ruleId: string;
  readonly component: EntryComponent;
  readonly points: number;
  /** Points that count toward tier qualification (0 for tier bonus and non-qualifying rules). */
  readonly qualifyingPoints: number;
  readonly earnedAt: Date;
  /** Not spendable before this instant; null = spendable at once. */
  readonly pendingUntil: Date | null;
  /** Exclusive expiry instant of the lot; null = no date of its own. */
  readonly expiresAt: Date | null;
  readonly orderId: string | null;
  /** The event amount the points were computed from, for proportional refunds. */
  readonly orderAmount: number | null;
  /** With items: this entry's points attributed to each line (they add up to `points`). */
  readonly linePoints?: readonly number[];
}

export type RuleSkipReason =
  | 'inactive'
  | 'condition_false'
  | 'missing_amount'
  | 'no_items'
  | 'zero_points'
  | 'limit_reached'
  | 'exclusive_rule_won'
  | 'outranked';

export interface RuleOutcome {
  readonly ruleId: string;
  readonly status: 'fired' | 'skipped';
  readonly reason?: RuleSkipReason;
  /** Human-readable explanation (limit period and count, the rule that won, ...). */
  readonly detail?: string;
  /** Base points before limits. */
  readonly computedPoints: number;
  /** Base points awarded (after limits); 0 when skipped. */
  readonly basePoints: number;
  readonly bonusPoints: number;
  /** The limit period that reduced the award, when one did. */
  readonly cappedBy?: LimitPeriod;
}

/** One line of a purchase as the decision saw it: its money, and the points each rule gave it. */
export interface ItemBreakdown {
  readonly line: number;
  readonly sku: string;
  readonly name: string | null;
  readonly category: string | null;
  readonly brand: string | null;
  readonly quantity: number;
  readonly unitPrice: number;
  readonly discount: number;
  /** quantity × unitPrice − discount. */
  readonly amount: number;
  /** Base and bonus points of every rule that fired, attributed to this line. */
  readonly points: number;
  readonly byRule: readonly { readonly ruleId: string; readonly factorPercent: number; readonly base: number; readonly bonus: number }[];
}

export interface EarnDecision {
  readonly programId: string;
  readonly programVersion: number;
  readonly memberId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly evaluatedAt: Date;
  readonly tierId: string;
  readonly earnBonusPercent: number;
  /** Zone the limits were counted in. */
  readonly timeZone: string;
  readonly entries: readonly PlannedEarnEntry[];
  /** With items: the per-line breakdown (the dry run shows it; refunds of items take back exactly these points). */
  readonly items?: readonly ItemBreakdown[];
  /** Every rule triggered by this event type, in declaration order. */
  readonly rules: readonly RuleOutcome[];
  readonly totals: {
    readonly basePoints: number;
    readonly bonusPoints: number;
    readonly points: number;
    readonly pendingPoints: number;
    readonly availablePoints: number;
    readonly qualifyingPoints: number;
  };
}

export interface EvaluateEventInput {
  readonly program: ProgramDefinition;
  readonly programVersion: number;
  readonly member: MemberSnapshot;
  readonly event: MemberEvent;
  readonly history: EarningHistory;
  readonly now: Date;
}
