import { ConflictError, LaurelError, NotFoundError, ValidationError } from '../../errors/index.js';
import type { Member } from '../../members/index.js';
import type { ProgramDefinition } from '../../program/index.js';
import { checkPurchaseItems, evaluateEvent, limitWindowsForEvent, type ItemBreakdown, type ItemLine, type LimitWindow, type RuleOutcome, type RuleUsage } from '../../rules/index.js';
import { currentQualificationWindow, decideTier, nextReviewAt, type ActivitySummary, type TimeWindow } from '../../tiers/index.js';
import type { EventInput } from '../event-input.js';
import { activityWithEvent } from './activity.js';
import { decideBonusOffers, offerRuleId, offerUsesOf, type HeldBonusOffer, type OfferOutcome, type PlannedOfferEntry } from '../../offers/bonus.js';
import { MemberLedger } from './member-ledger.js';
import { mulDivFloor } from './integer-math.js';
import { emptyLedgerWrite, type LedgerWrite, type MemberWrite, type TierChangeWrite, type WrittenEntry } from './rows.js';
import type { Lot } from './types.js';

/*
 * THE event decision: (member states, events, program) → (results, rows to write). Pure: no I/O,
 * no clock (the caller passes `now`). The single-event path, the batch path, group commit and the
 * import all call `decideEvents`; the shell in src/ledger/ingest.ts only reads `MemberState`s,
 * calls it, and writes `Decision.write` in one statement.
 *
 * Adding a decision input (offers a member holds, the items of a purchase, ...):
 *  - a fact about the member → a field of `MemberState`, fetched by the shell's read
 *    (`readForEvents` in src/ledger/ingest.ts: one more json_agg keyed by member_id);
 *  - a fact carried by the event → a field of `EventInput` (src/ledger/event-input.ts);
 *  - then use it in `decideEvent` below (pass it on to `evaluateEvent`), and, when it produces
 *    rows of its own, add them to `LedgerWrite` (./rows.ts) and to `writeLedger`.
 */

export interface ProgramInForce {
  version: number;
  definition: ProgramDefinition;
}

/** Everything the decision may look at about one member, as the read found it. */
export interface MemberState {
  member: Member;
  /** The optimistic guard: the write lands only if the member row still has this version. */
  ledgerVersion: number;
  /**
   * The lots these events may touch. A member whose events only earn: its debt lot and the pending
   * lots due by `now` (activation and debt repayment touch nothing else). A member with a refund
   * here, or in debt: every open lot, and every lot of the refunded orders.
   */
  lots: readonly Lot[];
  /** The cached balance row (of all open lots): results report it, and the write adds the change. */
  balance: { available: number; pending: number };
  /** Activity in the qualification window current at `now`. */
  activity: ActivitySummary;
  /** Refunded so far, for each order these events refund. */
  refundedByOrder: ReadonlyMap<string, number>;
  /** The purchases of the orders these events refund: amount (all purchases of the order) and when the first happened. */
  purchases: ReadonlyMap<string, OrderPurchase>;
  /** Qualifying points each earn entry of those orders gave, by entry key (= lot id). */
  qualifyingByLot: ReadonlyMap<string, number>;
  /** Stored usage of the limited rule windows these events touch (`usageKey`); absent = none. */
  ruleUsage: ReadonlyMap<string, { fired: number; points: number }>;
  /** Bonus-rule offers the member holds whose trigger is one of these events' types (src/offers/bonus.ts); absent = none. */
  heldOffers?: readonly HeldBonusOffer[];
  /** The item lines of the purchases of the orders these events refund (absent: none listed items). */
  orderItems?: ReadonlyMap<string, readonly PurchaseLine[]>;
}

/** A purchase line as a refund of items needs it: what it cost, what it earned by lot, what was returned. */
export interface PurchaseLine {
  line: number;
  sku: string;
  name: string | null;
  category: string | null;
  brand: string | null;
  quantity: number;
  unitPrice: number;
  /** The line's money (quantity × unitPrice − discount). */
  amount: number;
  /** Points the line earned, by lot (= earn entry key). */
  lots: Readonly<Record<string, number>>;
  /** Units of the line refunded so far. */
  refunded: number;
}

/**
 * One item line of a purchase or a refund in the event's result (and, exploded by the database, a
 * row of event_items): a purchase line with the points it earned; a refunded line with the money
 * returned and the points taken back (negative), attributed to the purchase line it returns.
 */
export interface ResultItem {
  sku: string;
  name: string | null;
  category: string | null;
  brand: string | null;
  quantity: number;
  unitPrice: number;
  discount: number;
  amount: number;
  points: number;
  /** Points by lot (= earn entry key). */
  lots: Record<string, number>;
  /** Purchases: each fired rule's share of the line (factor, base, bonus). */
  byRule?: readonly { ruleId: string; factorPercent: number; base: number; bonus: number }[];
  /** Refunds: the purchase line returned. */
  purchaseLine?: number;
}

export interface OrderPurchase {
  amount: number;
  occurredAt: Date;
}

/** One event to decide; the shell derives the key, id and fingerprint (hashing is its business). */
export interface EventToDecide {
  input: EventInput;
  key: string;
  eventId: string;
  fingerprint: string;
}

export interface TierOutcome {
  from: string;
  to: string;
  changed: boolean;
}

export interface RefundOutcome {
  orderId: string;
  refundedTotal: number;
  clawback: number;
  cancelledPending: number;
  reversed: number;
  toDebt: number;
  forgiven: number;
}

export interface EventResult {
  eventId: string;
  idempotencyKey: string;
  memberId: string;
  type: string;
  occurredAt: string;
  programVersion: number;
  /** True when this key was ingested before: the original result, nothing written now. */
  replayed: boolean;
  dryRun: boolean;
  points: { total: number; base: number; bonus: number; pending: number; qualifying: number };
  entries: WrittenEntry[];
  rules: readonly RuleOutcome[];
  /** The member's bonus-rule offers this event triggered: applied (points) or skipped (why). */
  offers?: readonly OfferOutcome[];
  refund?: RefundOutcome;
  /** Purchases and refunds that list items: the per-line breakdown. */
  items?: ResultItem[];
  tier: TierOutcome;
  balance: { available: number; pending: number };
  fingerprint: string;
}

export interface DecisionInput {
  program: ProgramInForce;
  now: Date;
  events: readonly EventToDecide[];
  members: ReadonlyMap<string, MemberState>;
  /** Results already stored, by idempotency key: a replay answers with its original. */
  previous: ReadonlyMap<string, EventResult>;
  source: string;
  dryRun: boolean;
  /** Partner keys: the cap on points per UTC day, and what the partner was awarded today so far. */
  partnerCap: { cap: number; awardedToday: number } | null;
}

/** Each event's own answer: a result, or the error that event alone gets. */
export type EventOutcome = { ok: true; result: EventResult } | { ok: false; error: unknown };

export interface Decision {
  outcomes: EventOutcome[];
  /** The rows of every event that succeeded (the outbox is the shell's to add). */
  write: LedgerWrite;
}

/** The key of one limited rule window in `MemberState.ruleUsage`. */
export function usageKey(w: Pick<LimitWindow, 'ruleId' | 'start' | 'end'>): string {
  return `${w.ruleId}|${w.start.toISOString()}|${w.end?.toISOString() ?? ''}`;
}

/** The limited rule windows the events of `member` touch: the shell reads their stored usage. */
export function limitWindowsOf(program: ProgramDefinition, member: Member, events: readonly EventInput[], now: Date): LimitWindow[] {
  const windows = new Map<string, LimitWindow>();
  for (const e of events) {
    const at = e.occurredAt ? new Date(e.occurredAt) : now;
    try {
      for (const w of limitWindowsForEvent({ program, member, eventType: e.type, at })) windows.set(usageKey(w), w);
    } catch (err) {
      // A member with a zone the rules refuse: its events fail on their own, with this error.
      if (!(err instanceof LaurelError)) throw err;
    }
  }
  return [...windows.values()];
}

/** Event types Laurel understands without configuration; a program adds its own through rules and measures. */
export const BUILT_IN_EVENT_TYPES = ['purchase', 'refund', 'review', 'referral', 'profile_completed', 'login'] as const;

export function knownEventTypes(program: ProgramDefinition): Set<string> {
  const known = new Set<string>(BUILT_IN_EVENT_TYPES);
  for (const rule of program.earningRules) known.add(rule.trigger);
  const metric = program.qualification.metric;
  const measures = metric.type === 'hybrid' ? metric.components.map((c) => c.measure) : metric.type === 'any_of' ? metric.criteria.map((c) => c.measure) : [metric];
  for (const m of measures) if (m.type === 'event_count' || m.type === 'event_sum') known.add(m.eventType);
  return known;
}

export function assertKnownType(program: ProgramDefinition, type: string): void {
  if (!knownEventTypes(program).has(type)) {
    // 422: the event is well formed; the program in force does not know its type.
    throw new ValidationError('unknown_event_type', `event type "${type}" is not known to the program (built-in types, rule triggers and qualification events are)`, { type }, 422);
  }
}

/**
 * Decides `events` in order against the members' states, as if each had been sent alone after the
 * ones before it: a later event of a member sees what an earlier one earned (limits, tier, lots).
 * An event that fails leaves no trace; the events after it are decided without it.
 */
export function decideEvents(input: DecisionInput): Decision {
  const { program, now } = input;
  const window = currentQualificationWindow(program.definition, now);
  const known = knownEventTypes(program.definition);
  const working = new Map<string, WorkingMember>();
  // An offer's budget is shared by all its holders: what the events decided so far in this call gave.
  const offerPointsInCall = (ruleId: string): number => {
    let points = 0;
    for (const member of working.values()) for (const e of member.ledger.unsaved()) if (e.ruleId === ruleId && e.kind === 'earn') points += e.amount;
    return points;
  };
  const previous = new Map(input.previous);
  const write = emptyLedgerWrite();
  let partnerPoints = 0;

  const outcomes = input.events.map((event): EventOutcome => {
    const { input: e, key } = event;
    try {
      if (!known.has(e.type)) assertKnownType(program.definition, e.type);
      let state = working.get(e.memberId);
      if (!state) {
        const read = input.members.get(e.memberId);
        if (!read) throw new NotFoundError('unknown_member', `member ${e.memberId} does not exist`, { memberId: e.memberId });
        state = new WorkingMember(read, program, input.source, offerPointsInCall);
        working.set(e.memberId, state);
      }
      const original = previous.get(key);
      if (original) {
        if (original.fingerprint !== event.fingerprint) {
          throw new ConflictError('idempotency_key_reused', `idempotency key "${key}" was already used for a different event`, { eventId: original.eventId });
        }
        return { ok: true, result: { ...original, replayed: true, dryRun: input.dryRun } };
      }
      const undo = state.mark();
      let result: EventResult;
      try {
        result = decideEvent(program, state, event, window, input.dryRun, now);
        if (input.partnerCap && result.points.total > 0) {
          // The partner's points today: stored, plus the events decided so far (this one included).
          const wouldReach = input.partnerCap.awardedToday + partnerPoints + result.points.total;
          if (wouldReach > input.partnerCap.cap) {
            throw new LaurelError('partner_cap_exceeded', `this event would take ${input.source} past its cap of ${input.partnerCap.cap} points today`, {
              status: 422,
              details: { cap: input.partnerCap.cap, wouldReach },
            });
          }
        }
      } catch (err) {
        undo();
        throw err;
      }
      partnerPoints += result.points.total;
      state.touched = true;
      write.events.push({
        id: result.eventId,
        idempotencyKey: key,
        memberId: e.memberId,
        type: e.type,
        occurredAt: new Date(result.occurredAt),
        amount: e.amount ?? null,
        orderId: e.orderId ?? null,
        properties: e.properties ?? {},
        source: input.source,
        programVersion: program.version,
        result,
      });
      previous.set(key, result);
      return { ok: true, result };
    } catch (error) {
      return { ok: false, error };
    }
  });

  // Members in id order: concurrent writers then take row locks in the same order.
  for (const state of [...working.values()].sort((x, y) => (x.member.id < y.member.id ? -1 : x.member.id > y.member.id ? 1 : 0))) {
    if (!state.touched) continue;
    write.members.push(state.write);
    state.ledger.collect(write);
    write.tierChanges.push(...state.tierChanges);
    write.offerUses.push(...offerUsesOf(state.ledger.unsaved(), state.heldOffers));
    for (const orderId of state.refundedOrders) write.orderRefunds.push({ memberId: state.member.id, orderId, refundedTotal: state.refundedByOrder.get(orderId)! });
  }
  return { outcomes, write };
}

/** One member while its events are decided: the read state, changed event by event. */
class WorkingMember {
  member: Member;
  readonly ledger: MemberLedger;
  summary: ActivitySummary;
  write: MemberWrite;
  readonly refundedByOrder: Map<string, number>;
  readonly refundedOrders = new Set<string>();
  readonly purchases: Map<string, OrderPurchase>;
  readonly qualifyingByLot: Map<string, number>;
  readonly ruleUsage: ReadonlyMap<string, { fired: number; points: number }>;
  readonly heldOffers: readonly HeldBonusOffer[];
  readonly orderItems: Map<string, PurchaseLine[]>;
  tierChanges: TierChangeWrite[] = [];
  touched = false;

  constructor(
    read: MemberState,
    program: ProgramInForce,
    source: string,
    readonly offerPointsInCall: (ruleId: string) => number,
  ) {
    this.member = read.member;
    this.ledger = MemberLedger.fromLots(read.lots, {
      memberId: read.member.id,
      returnPolicy: program.definition.returnPolicy,
      programVersion: program.version,
      source,
      balance: read.balance,
    });
    this.summary = read.activity;
    this.write = { id: read.member.id, expectedVersion: read.ledgerVersion, lastActivityAt: null, tier: null, clearGrace: false };
    this.refundedByOrder = new Map(read.refundedByOrder);
    this.purchases = new Map(read.purchases);
    this.qualifyingByLot = new Map(read.qualifyingByLot);
    this.ruleUsage = read.ruleUsage;
    this.heldOffers = read.heldOffers ?? [];
    this.orderItems = new Map([...(read.orderItems ?? new Map<string, readonly PurchaseLine[]>())].map(([order, lines]) => [order, lines.map((l) => ({ ...l }))]));
  }

  /** Undo everything after this call (see MemberLedger.mark). */
  mark(): () => void {
    const undoLedger = this.ledger.mark();
    const member = this.member;
    const summary = this.summary;
    const w = this.write;
    const write: MemberWrite = { id: w.id, expectedVersion: w.expectedVersion, lastActivityAt: w.lastActivityAt, tier: w.tier, clearGrace: w.clearGrace };
    const refundedByOrder = new Map(this.refundedByOrder);
    const refundedOrders = new Set(this.refundedOrders);
    const purchases = new Map(this.purchases);
    const qualifyingByLot = new Map(this.qualifyingByLot);
    const orderItems = new Map([...this.orderItems].map(([order, lines]) => [order, lines.map((l) => ({ ...l }))]));
    const tierChanges = this.tierChanges.length;
    return () => {
      undoLedger();
      this.member = member;
      this.summary = summary;
      this.write = write;
      replace(this.refundedByOrder, refundedByOrder);
      replace(this.refundedOrders, refundedOrders);
      replace(this.purchases, purchases);
      replace(this.qualifyingByLot, qualifyingByLot);
      replace(this.orderItems, orderItems);
      this.tierChanges.length = tierChanges;
    };
  }
}

function replace<K, V>(target: Map<K, V> | Set<K>, source: Map<K, V> | Set<K>): void {
  target.clear();
  if (target instanceof Map) for (const [k, v] of source as Map<K, V>) target.set(k, v);
  else for (const k of source as Set<K>) target.add(k);
}

/** Decides one event against the member's state in memory, and records what to write. */
function decideEvent(program: ProgramInForce, state: WorkingMember, event: EventToDecide, window: TimeWindow, dryRun: boolean, now: Date): EventResult {
  const { input, key, eventId } = event;
  const { ledger } = state;
  const occurredAt = input.occurredAt ? new Date(input.occurredAt) : now;
  const first = ledger.entries.length;
  ledger.prepare(now, `${eventId}:prepare`);
  let rules: readonly RuleOutcome[] = [];
  let offers: readonly OfferOutcome[] = [];
  let refund: RefundOutcome | undefined;
  let items: ResultItem[] | undefined;
  if (input.type === 'refund') {
    ({ refund, items } = applyRefund(state, input, eventId, occurredAt, now));
  } else {
    ({ rules, offers, items } = applyEarningRules(program, state, input, eventId, occurredAt, now));
  }
  const entries = ledger.entries.slice(first);
  const balance = ledger.balance();
  state.summary = activityWithEvent(
    program.definition,
    state.summary,
    window,
    state.member.id,
    { type: input.type, occurredAt, amount: input.amount ?? null, properties: input.properties ?? {} },
    entries,
    balance.available,
  );
  const tier = upgradeTierIfQualified(program, state, occurredAt, now, eventId);
  // In place: `mark` keeps a copy to undo to (no object spread per event: see MemberLedger.record).
  if (!state.write.lastActivityAt || state.write.lastActivityAt < occurredAt) state.write.lastActivityAt = occurredAt;

  const earned = entries.filter((e) => e.kind === 'earn');
  return {
    eventId,
    idempotencyKey: key,
    memberId: state.member.id,
    type: input.type,
    occurredAt: occurredAt.toISOString(),
    programVersion: program.version,
    replayed: false,
    dryRun,
    points: {
      total: earned.reduce((s, e) => s + e.amount, 0),
      base: earned.filter((e) => e.component === 'base').reduce((s, e) => s + e.amount, 0),
      bonus: earned.filter((e) => e.component === 'tier_bonus').reduce((s, e) => s + e.amount, 0),
      pending: earned.filter((e) => e.pending).reduce((s, e) => s + e.amount, 0),
      qualifying: entries.reduce((s, e) => s + e.qualifyingPoints, 0),
    },
    entries,
    rules,
    ...(offers.length > 0 ? { offers } : {}),
    ...(refund ? { refund } : {}),
    ...(items ? { items } : {}),
    tier,
    balance: { available: balance.available, pending: balance.pending },
    fingerprint: event.fingerprint,
  };
}

function applyEarningRules(
  program: ProgramInForce,
  state: WorkingMember,
  input: EventInput,
  eventId: string,
  occurredAt: Date,
  now: Date,
): { rules: readonly RuleOutcome[]; offers: readonly OfferOutcome[]; items: ResultItem[] | undefined } {
  const { member, ledger } = state;
  const lines: ItemLine[] | undefined = input.type === 'purchase' && input.items ? input.items.map((i) => ({ ...i, unitPrice: i.unitPrice! })) : undefined;
  if (lines) checkPurchaseItems(input.amount!, lines);
  const snapshot = { id: member.id, tierId: member.tierId, timeZone: member.timeZone, joinedAt: member.joinedAt, attributes: member.attributes };
  const windows = limitWindowsForEvent({ program: program.definition, member: snapshot, eventType: input.type, at: occurredAt });
  const usage: RuleUsage[] = windows.map((w) => {
    // Stored usage plus what the events decided before this one earned in the window.
    const stored = state.ruleUsage.get(usageKey(w)) ?? { fired: 0, points: 0 };
    const unsaved = ledger.unsaved().filter(
      (e) => e.ruleId === w.ruleId && e.kind === 'earn' && e.component === 'base' && e.at >= w.start && (w.end === null || e.at < w.end),
    );
    return {
      ruleId: w.ruleId,
      period: w.period,
      periodStart: w.start,
      timesFired: stored.fired + new Set(unsaved.map((e) => e.eventId)).size,
      points: stored.points + unsaved.reduce((s, e) => s + e.amount, 0),
    };
  });
  const decision = evaluateEvent({
    program: program.definition,
    programVersion: program.version,
    member: snapshot,
    event: {
      id: eventId,
      type: input.type,
      occurredAt,
      amount: input.amount ?? null,
      orderId: input.orderId ?? null,
      properties: input.properties ?? {},
      ...(lines ? { items: lines } : {}),
    },
    history: { usage },
    now,
  });
  for (const entry of decision.entries) {
    ledger.earn({
      key: entry.idempotencyKey,
      points: entry.points,
      at: entry.earnedAt,
      pendingUntil: entry.pendingUntil,
      expiresAt: entry.expiresAt,
      orderId: entry.orderId,
      orderAmount: entry.orderAmount,
      ruleId: entry.ruleId,
      context: { eventId, ruleId: entry.ruleId, component: entry.component, qualifyingPoints: entry.qualifyingPoints },
      now,
    });
    if (entry.orderId) state.qualifyingByLot.set(entry.idempotencyKey, entry.qualifyingPoints);
  }
  const bonus = applyBonusOffers(
    program,
    state,
    snapshot,
    { id: eventId, type: input.type, occurredAt, amount: input.amount ?? null, orderId: input.orderId ?? null, properties: input.properties ?? {}, ...(lines ? { items: lines } : {}) },
    decision.rules,
    decision.items,
    now,
  );
  const offers = bonus.outcomes;
  if (input.type === 'purchase' && input.orderId) {
    const before = state.purchases.get(input.orderId);
    state.purchases.set(input.orderId, {
      amount: (before?.amount ?? 0) + (input.amount ?? 0),
      occurredAt: before && before.occurredAt < occurredAt ? before.occurredAt : occurredAt,
    });
  }
  if (!decision.items) return { rules: decision.rules, offers, items: undefined };
  // Each line's points by lot: what a refund of the line takes back. Offers' points join the
  // line's points, each offer as a rule of its own (`offer:<id>`).
  const items = decision.items.map((line): ResultItem => {
    const lots: Record<string, number> = {};
    for (const entry of [...decision.entries, ...bonus.entries]) {
      const points = entry.linePoints?.[line.line] ?? 0;
      if (points !== 0) lots[entry.idempotencyKey] = points;
    }
    const { line: _line, ...rest } = line;
    const byOffer = bonus.entries.map((e) => ({ ruleId: e.ruleId, factorPercent: 100, base: e.linePoints?.[line.line] ?? 0, bonus: 0 }));
    if (byOffer.length === 0) return { ...rest, lots };
    return { ...rest, points: rest.points + byOffer.reduce((s, o) => s + o.base, 0), byRule: [...rest.byRule, ...byOffer], lots };
  });
  if (input.orderId) {
    state.orderItems.set(
      input.orderId,
      items.map((item, line) => ({ line, sku: item.sku, name: item.name, category: item.category, brand: item.brand, quantity: item.quantity, unitPrice: item.unitPrice, amount: item.amount, lots: item.lots, refunded: 0 })),
    );
  }
  return { rules: decision.rules, offers, items };
}

/**
 * The member's bonus-rule offers on top of the program's rules (src/offers/bonus.ts decides; only
 * holders have any). Their entries are ordinary earn entries of rule `offer:<id>`, component
 * `offer`; the write tags them with the offer and campaign and counts the use (LedgerWrite.offerUses).
 */
function applyBonusOffers(
  program: ProgramInForce,
  state: WorkingMember,
  member: Parameters<typeof decideBonusOffers>[0]['member'],
  event: Parameters<typeof decideBonusOffers>[0]['event'],
  rules: readonly RuleOutcome[],
  items: readonly ItemBreakdown[] | undefined,
  now: Date,
): { outcomes: readonly OfferOutcome[]; entries: readonly PlannedOfferEntry[] } {
  if (state.heldOffers.length === 0) return { outcomes: [], entries: [] };
  const { ledger } = state;
  const bonus = decideBonusOffers({
    offers: state.heldOffers,
    program: program.definition,
    member,
    event,
    rules,
    ...(items ? { items } : {}),
    decidedEarlier: (offer) => {
      const ruleId = offerRuleId(offer.offerId);
      const mine = ledger.unsaved().filter((e) => e.ruleId === ruleId && e.kind === 'earn');
      return { uses: new Set(mine.map((e) => e.eventId)).size, points: mine.reduce((s, e) => s + e.amount, 0), offerPoints: state.offerPointsInCall(ruleId) };
    },
  });
  for (const entry of bonus.entries) {
    ledger.earn({
      key: entry.idempotencyKey,
      points: entry.points,
      at: entry.earnedAt,
      pendingUntil: entry.pendingUntil,
      expiresAt: entry.expiresAt,
      orderId: entry.orderId,
      orderAmount: entry.orderAmount,
      ruleId: entry.ruleId,
      context: { eventId: event.id, ruleId: entry.ruleId, component: 'offer', qualifyingPoints: 0 },
      now,
    });
    if (entry.orderId) state.qualifyingByLot.set(entry.idempotencyKey, 0);
  }
  return bonus;
}

/**
 * A refund that names its items: each is matched to the purchase's lines (by SKU, and `line` when
 * one SKU has several), must not return more units than are left, and the refund amount must be
 * what those units cost — a line's money returned so far is floor(money × units returned ÷
 * quantity), so a line returned unit by unit gives back exactly its money. The points to take
 * back from each lot are the same share of the line's points, so a partial refund reverses
 * exactly the points of the items it returns. 422 `refund_items_unknown` when the order listed
 * no items, `refund_item_unknown`, `refund_quantity_exceeded`, `refund_items_mismatch`.
 */
function refundItems(state: WorkingMember, input: EventInput, orderId: string): { items: ResultItem[]; clawback: Map<string, number> } {
  const lines = state.orderItems.get(orderId);
  const fail = (code: string, message: string, details: Record<string, unknown> = {}) => new LaurelError(code, message, { status: 422, details: { orderId, ...details } });
  if (!lines || lines.length === 0) throw fail('refund_items_unknown', `order ${orderId} was bought without items: refund it by amount alone`);
  const taken = new Map<number, number>();
  const returned: { line: PurchaseLine; units: number }[] = [];
  input.items!.forEach((item, i) => {
    const candidates = lines.filter((l) => l.sku === item.sku && (item.line === undefined || l.line === item.line));
    if (candidates.length === 0) throw fail('refund_item_unknown', `items[${i}]: order ${orderId} has no line ${item.line ?? ''} with SKU ${item.sku}`.replace('  ', ' '), { sku: item.sku });
    let left = item.quantity;
    for (const line of candidates) {
      const available = line.quantity - line.refunded - (taken.get(line.line) ?? 0);
      const units = Math.min(left, available);
      if (units <= 0) continue;
      taken.set(line.line, (taken.get(line.line) ?? 0) + units);
      returned.push({ line, units });
      left -= units;
      if (left === 0) break;
    }
    if (left > 0) throw fail('refund_quantity_exceeded', `items[${i}]: ${item.quantity} × ${item.sku} is more than order ${orderId} has left to return`, { sku: item.sku });
  });
  // Every lot the order's lines earned is named (0 = nothing back from it); a lot no line earned
  // (an offer's bonus on the whole order) gives back the refunded amount's share, as without items.
  const clawback = new Map<string, number>(lines.flatMap((l) => Object.keys(l.lots).map((lot): [string, number] => [lot, 0])));
  const items: ResultItem[] = [];
  let money = 0;
  // Per line, what is returned now is the difference of the cumulative shares after and before.
  const progress = new Map<number, number>();
  for (const { line, units } of returned) {
    const before = line.refunded + (progress.get(line.line) ?? 0);
    const after = before + units;
    progress.set(line.line, after - line.refunded);
    const amount = mulDivFloor(line.amount, after, line.quantity) - mulDivFloor(line.amount, before, line.quantity);
    money += amount;
    const lots: Record<string, number> = {};
    let points = 0;
    for (const [lotId, earned] of Object.entries(line.lots)) {
      const back = mulDivFloor(earned, after, line.quantity) - mulDivFloor(earned, before, line.quantity);
      if (back === 0) continue;
      lots[lotId] = -back;
      points -= back;
      clawback.set(lotId, (clawback.get(lotId) ?? 0) + back);
    }
    items.push({ sku: line.sku, name: line.name, category: line.category, brand: line.brand, quantity: units, unitPrice: line.unitPrice, discount: 0, amount, points, lots, purchaseLine: line.line });
  }
  if (money !== input.amount) {
    throw fail('refund_items_mismatch', `the returned items are worth ${money}, but amount is ${input.amount}`, { itemsTotal: money, amount: input.amount });
  }
  for (const [lineNo, units] of progress) lines.find((l) => l.line === lineNo)!.refunded += units;
  return { items, clawback };
}

/**
 * A refund names an order of the member's and takes back points in proportion to the money
 * returned. It may not return more money than what remains of the order (422
 * `refund_exceeds_order`), nor happen before the purchase (422 `refund_before_purchase`). Whether it
 * falls inside the return window is judged by when it happened (`occurredAt`), not when it arrived.
 */
function applyRefund(state: WorkingMember, input: EventInput, eventId: string, occurredAt: Date, now: Date): { refund: RefundOutcome; items: ResultItem[] | undefined } {
  const { member, ledger } = state;
  const orderId = input.orderId!;
  const purchase = state.purchases.get(orderId);
  if (!purchase) throw new LaurelError('unknown_order', `member ${member.id} has no purchase with order ${orderId}`, { status: 422, details: { orderId } });
  const refundedBefore = state.refundedByOrder.get(orderId) ?? 0;
  const remaining = Math.max(0, purchase.amount - refundedBefore);
  if (input.amount! > remaining) {
    throw new LaurelError('refund_exceeds_order', `a refund of ${input.amount} exceeds what remains of order ${orderId}: ${remaining} of ${purchase.amount}`, {
      status: 422,
      details: { orderId, orderAmount: purchase.amount, refunded: refundedBefore, remaining, requested: input.amount },
    });
  }
  if (occurredAt < purchase.occurredAt) {
    throw new LaurelError('refund_before_purchase', `the refund happened (${occurredAt.toISOString()}) before order ${orderId} was bought (${purchase.occurredAt.toISOString()})`, {
      status: 422,
      details: { orderId, purchasedAt: purchase.occurredAt.toISOString(), occurredAt: occurredAt.toISOString() },
    });
  }
  const returned = input.items ? refundItems(state, input, orderId) : undefined;
  const plan = ledger.refund({
    key: `${eventId}:reverse`,
    orderId,
    amount: input.amount!,
    refundedBefore,
    at: now,
    returnedAt: occurredAt < now ? occurredAt : now,
    eventId,
    qualifyingByLot: state.qualifyingByLot,
    ...(returned ? { clawback: returned.clawback } : {}),
  });
  state.refundedByOrder.set(orderId, plan.refundedTotal);
  state.refundedOrders.add(orderId);
  return {
    refund: {
      orderId,
      refundedTotal: plan.refundedTotal,
      clawback: plan.totals.clawback,
      cancelledPending: plan.totals.cancelledPending,
      reversed: plan.totals.reversed,
      toDebt: plan.totals.toDebt,
      forgiven: plan.totals.forgiven,
    },
    items: returned?.items,
  };
}

/**
 * Upgrades are immediate (possibly several tiers); downgrades wait for the review. The new tier
 * starts when the event happened — a backdated purchase upgrades as of its `occurredAt` — but never
 * before the member's latest earlier activity (the upgrade cannot predate what completed it),
 * never before the current tier began, and never in the future.
 */
function upgradeTierIfQualified(program: ProgramInForce, state: WorkingMember, occurredAt: Date, now: Date, eventId: string): TierOutcome {
  const { member } = state;
  const decision = decideTier({ program: program.definition, member: { tierId: member.tierId, manualTierId: member.manualTierId }, summary: state.summary });
  const from = member.tierId;
  if (decision.changed) {
    const startedAt = latest(earliest(occurredAt, now), member.tierStartedAt, member.lastActivityAt, state.write.lastActivityAt);
    const nextReview = program.definition.qualification.review.anchor === 'tier_start_date' ? nextReviewAt(program.definition, { joinedAt: member.joinedAt, tierStartedAt: startedAt }, now) : null;
    state.write = { ...state.write, tier: { tierId: decision.toTierId, startedAt, nextReviewAt: nextReview } };
    state.member = { ...member, tierId: decision.toTierId, tierStartedAt: startedAt, graceUntil: null, nextReviewAt: nextReview ?? member.nextReviewAt };
    state.tierChanges.push({
      memberId: member.id,
      fromTier: from,
      toTier: decision.toTierId,
      reason: decision.reason === 'manual_floor' ? 'manual_floor' : 'upgrade',
      at: startedAt,
      programVersion: program.version,
      reviewKey: `event:${eventId}`,
    });
  } else if (decision.clearsGrace && member.graceUntil) {
    state.write = { ...state.write, clearGrace: true };
    state.member = { ...member, graceUntil: null };
  }
  return { from, to: decision.toTierId, changed: decision.changed };
}

function earliest(a: Date, b: Date): Date {
  return a < b ? a : b;
}

function latest(first: Date, ...others: (Date | null)[]): Date {
  let out = first;
  for (const d of others) if (d && d > out) out = d;
  return out;
}
