import type { OutboxJob } from '../../outbox/index.js';
import type { EntryKind, Lot, LotAllocation } from './types.js';

/*
 * The rows a decision asks the shell to write. The pure core fills them; `writeLedger`
 * (src/ledger/ledger-write.ts) writes them all in one statement.
 */

/** One ledger entry as written, for results and the API. */
export interface WrittenEntry {
  idempotencyKey: string;
  kind: EntryKind;
  amount: number;
  qualifyingPoints: number;
  pending: boolean;
  at: Date;
  ruleId: string | null;
  component: string | null;
  orderId: string | null;
  rewardId: string | null;
}

/** The same entry with what the row also records, and its allocations. */
export interface EntryWrite extends WrittenEntry {
  memberId: string;
  eventId: string | null;
  source: string;
  programVersion: number;
  actor: string | null;
  reason: string | null;
  allocations: readonly LotAllocation[];
}

/** What happens to the member row. `expectedVersion` null: the caller holds the row lock already. */
export interface MemberWrite {
  id: string;
  expectedVersion: number | null;
  lastActivityAt: Date | null;
  /** An upgrade: the new tier, its start, and the next review (null keeps the current one). */
  tier: { tierId: string; startedAt: Date; nextReviewAt: Date | null } | null;
  clearGrace: boolean;
}

export interface EventWrite {
  id: string;
  idempotencyKey: string;
  memberId: string;
  type: string;
  occurredAt: Date;
  amount: number | null;
  orderId: string | null;
  properties: Record<string, unknown>;
  source: string;
  programVersion: number;
  result: unknown;
}

/** A job announcing a committed fact, written to the outbox in the same statement. */
export type OutboxWrite = OutboxJob & { memberId: string };

export interface TierChangeWrite {
  memberId: string;
  fromTier: string;
  toTier: string;
  reason: string;
  at: Date;
  programVersion: number;
  reviewKey: string;
}

/** A change of the cached balance row: every field is added to what the row holds. */
export interface BalanceWrite {
  memberId: string;
  available: number;
  pending: number;
  /** Added to the lifetime total. */
  earned: number;
}

/**
 * One use of a held bonus offer: its earn entry (`entryKey`) is tagged with the offer and campaign,
 * the use is an offer_uses row (ref = the event), and the grant's and the budget's counters grow.
 */
export interface OfferUseWrite {
  entryKey: string;
  grantId: number;
  offerId: string;
  campaignId: string | null;
  memberId: string;
  eventId: string;
  orderId: string | null;
  points: number;
  at: Date;
}

export interface LedgerWrite {
  members: MemberWrite[];
  entries: EntryWrite[];
  createdLots: Lot[];
  changedLots: Lot[];
  balances: BalanceWrite[];
  tierChanges: TierChangeWrite[];
  orderRefunds: { memberId: string; orderId: string; refundedTotal: number }[];
  events: EventWrite[];
  outbox: OutboxWrite[];
  offerUses: OfferUseWrite[];
}

export function emptyLedgerWrite(): LedgerWrite {
  return { members: [], entries: [], createdLots: [], changedLots: [], balances: [], tierChanges: [], orderRefunds: [], events: [], outbox: [], offerUses: [] };
}
