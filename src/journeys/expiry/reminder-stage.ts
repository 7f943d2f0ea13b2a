/** Reminders go out this many days before points expire (largest first). */
export const REMINDER_STAGES = [30, 7, 1] as const;
export type ReminderStage = (typeof REMINDER_STAGES)[number];

const DAY_MS = 86_400_000;

/**
 * The reminder due for points expiring at `expiresAt` when the sweep runs at `asOf`: the
 * smallest stage that is at least the days left (rounded up). A sweep that missed a day still
 * sends the stage the member is in, and each stage has its own message id, so a member gets
 * each reminder at most once however often the sweep runs. Undefined beyond 30 days or once due.
 */
export function reminderStage(expiresAt: Date, asOf: Date): ReminderStage | undefined {
  const msLeft = expiresAt.getTime() - asOf.getTime();
  if (msLeft <= 0) return undefined;
  const daysLeft = Math.ceil(msLeft / DAY_MS);
  let stage: ReminderStage | undefined;
  for (const s of REMINDER_STAGES) if (daysLeft <= s) stage = s;
  return stage;
}
