export { reminderStage, REMINDER_STAGES, type ReminderStage } from './reminder-stage.js';
export { createExpiryActivities, type ExpiryActivities } from './activities.js';
