export { ensureJourneySchedules, EXPIRY_SCHEDULE_ID, TIER_REVIEW_SCHEDULE_ID, DATE_JOURNEYS_SCHEDULE_ID, type JourneyScheduleOptions } from './journey-schedules.js';
