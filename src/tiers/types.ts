/**
 * A member's activity over the qualification window, as the SQL layer aggregates it. All values
 * are integers (money in minor units). Missing keyed values count as 0.
 */
export interface ActivitySummary {
  /** Qualifying points earned in the window (base points of qualifying rules, net of reversals). */
  readonly qualifyingPoints: number;
  /** The same, split by earning rule id (needed by hybrid / rule-filtered measures). */
  readonly qualifyingPointsByRule?: Readonly<Record<string, number>>;
  /** Net spend in the window, minor units. */
  readonly spend: number;
  readonly transactionCount: number;
  /** Current available balance (not windowed). */
  readonly balance: number;
  /** Event counts in the window by event type (`stay` → 7). */
  readonly eventCounts?: Readonly<Record<string, number>>;
  /** Sums of a numeric property in the window, keyed `eventType.property` (`stay.nights` → 12). */
  readonly eventSums?: Readonly<Record<string, number>>;
}

/** What the tier logic needs to know about a member. */
export interface TierMemberState {
  readonly tierId: string;
  readonly tierStartedAt: Date;
  readonly joinedAt: Date;
  /** A tier assigned by hand; a floor at review when the program says so. */
  readonly manualTierId?: string | null;
  /** Set when a review failed and the grace period runs until this instant. */
  readonly graceUntil?: Date | null;
}

/** `[start, end)`: an event exactly at `start` counts, one exactly at `end` does not. */
export interface TimeWindow {
  readonly start: Date;
  readonly end: Date;
}
