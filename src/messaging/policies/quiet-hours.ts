import { calendar } from '../../program/index.js';
import type { Channel, MessageKind } from '../templates/index.js';

/** Local wall-clock window in minutes after midnight; `start > end` wraps past midnight. */
export interface QuietHours {
  startMinute: number;
  endMinute: number;
}

/** `"21:00-08:00"` → the window; `"off"` → undefined. */
export function parseQuietHours(spec: string): QuietHours | undefined {
  if (spec === 'off') return undefined;
  const match = /^(\d{2}):(\d{2})-(\d{2}):(\d{2})$/.exec(spec);
  if (!match) throw new RangeError(`quiet hours must be HH:MM-HH:MM or off, got ${spec}`);
  const [, sh, sm, eh, em] = match.map(Number) as [number, number, number, number, number];
  const window = { startMinute: sh * 60 + sm, endMinute: eh * 60 + em };
  return window.startMinute === window.endMinute ? undefined : window;
}

/**
 * Quiet hours hold marketing messages on every channel and SMS of any kind (a phone buzzing at
 * night); transactional email and inbox messages go out at once.
 */
export function quietHoursApply(kind: MessageKind | 'test', channel: Channel): boolean {
  if (kind === 'test') return false;
  return kind === 'marketing' || channel === 'sms';
}

/**
 * When `now` falls in the member's quiet hours, the instant they end (the message is held until
 * then); undefined when the message may go now.
 */
export function quietHoursRelease(now: Date, timeZone: string, quiet: QuietHours | undefined): Date | undefined {
  if (!quiet) return undefined;
  const local = calendar.toLocalDateTime(now, timeZone);
  const minute = local.hour * 60 + local.minute;
  const wraps = quiet.startMinute > quiet.endMinute;
  const inside = wraps ? minute >= quiet.startMinute || minute < quiet.endMinute : minute >= quiet.startMinute && minute < quiet.endMinute;
  if (!inside) return undefined;
  // The window ends today, or tomorrow when we are in the evening part of a wrapping window.
  const endDate = wraps && minute >= quiet.startMinute ? calendar.addDaysToLocalDate(local, 1) : { year: local.year, month: local.month, day: local.day };
  return calendar.fromLocalDateTime(
    { ...endDate, hour: Math.floor(quiet.endMinute / 60), minute: quiet.endMinute % 60, second: 0, millisecond: 0 },
    timeZone,
  );
}
