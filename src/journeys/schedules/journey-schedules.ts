import { ScheduleAlreadyRunning, type Client } from '@temporalio/client';
import type { Logger } from '../../log/index.js';

export const EXPIRY_SCHEDULE_ID = 'laurel-points-expiry';
export const TIER_REVIEW_SCHEDULE_ID = 'laurel-tier-review';
export const DATE_JOURNEYS_SCHEDULE_ID = 'laurel-date-journeys';

export interface JourneyScheduleOptions {
  taskQueue: string;
  /** Daily run times as cron (UTC). Defaults: expiry 00:15, tier review 00:45. */
  expiryCron?: string;
  tierReviewCron?: string;
  /** Date journeys (birthdays, anniversaries, inactivity) run hourly: each member is judged in their own zone. */
  dateJourneysCron?: string;
}

/**
 * Creates the schedules (daily sweeps, the hourly date journeys) if they do not exist (every journeys process calls this on start;
 * the second caller sees ScheduleAlreadyRunning and leaves the first one alone). Overlap is
 * SKIP: a sweep that runs long never has a twin; a missed run is caught up within a day.
 */
export async function ensureJourneySchedules(client: Client, options: JourneyScheduleOptions, logger: Logger): Promise<string[]> {
  const specs = [
    { scheduleId: EXPIRY_SCHEDULE_ID, workflowType: 'expirySweepWorkflow', workflowId: 'points-expiry', cron: options.expiryCron ?? '15 0 * * *' },
    { scheduleId: TIER_REVIEW_SCHEDULE_ID, workflowType: 'tierReviewWorkflow', workflowId: 'tier-review', cron: options.tierReviewCron ?? '45 0 * * *' },
    { scheduleId: DATE_JOURNEYS_SCHEDULE_ID, workflowType: 'dateJourneysWorkflow', workflowId: 'date-journeys', cron: options.dateJourneysCron ?? '5 * * * *' },
  ];
  const created: string[] = [];
  for (const spec of specs) {
    try {
      await client.schedule.create({
        scheduleId: spec.scheduleId,
        spec: { cronExpressions: [spec.cron] },
        // The schedule appends the scheduled time to the id: `points-expiry-2026-11-25T00:15:00Z`.
        action: { type: 'startWorkflow', workflowType: spec.workflowType, workflowId: spec.workflowId, taskQueue: options.taskQueue, args: [{}] },
        policies: { overlap: 'SKIP', catchupWindow: '1 day' },
      });
      created.push(spec.scheduleId);
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    }
  }
  if (created.length > 0) logger.info({ schedules: created }, 'journey schedules created');
  return created;
}
