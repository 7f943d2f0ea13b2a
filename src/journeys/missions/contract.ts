// Shared by the mission workflow and the code that signals it; pure data, workflow-safe.

export const MISSION_EVENT_SIGNAL = 'missionEvent';
export const MISSION_PROGRESS_QUERY = 'missionProgress';

/** One event's contribution, or (uncount) the withdrawal of an earlier one after a refund. */
export interface MissionEventSignal {
  eventId: string;
  delta: number;
  occurredAtMs: number;
  uncount: boolean;
  /** Streak missions: the member's local period (day or week number) the event occurred in. */
  period?: number;
}

/** What the workflow needs to run one enrollment (loaded by id, never passed as a payload). */
export interface MissionPlan {
  missionId: string;
  memberId: string;
  missionName: string;
  goalType: 'count' | 'sum' | 'streak';
  /** Streak missions: the local period the attempt started in. */
  firstPeriod?: number;
  target: number;
  rewardPoints: number;
  startsAtMs: number;
  endsAtMs: number;
  lateEventGraceMs: number;
  nudgeHalfway: boolean;
  nudgeOneAway: boolean;
  /** Already completed or closed (a restarted run must not act again). */
  status: 'active' | 'completed' | 'expired';
}

export type MissionNudge = 'halfway' | 'one_away';

export interface MissionProgressView {
  progress: number;
  target: number;
  counted: number;
  completed: boolean;
}
