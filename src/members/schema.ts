import { z } from 'zod';
import { formatLocalDate, toLocalDate } from '../program/calendar.js';
import { TimeZoneSchema } from '../program/schema.js';

export const MemberIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}$/, 'expected 1-128 characters: letters, digits and . _ @ + - (your own member id)');


/** Consent per channel and message kind; marketing needs an explicit opt-in (messaging policies). */
export const ConsentSchema = z.strictObject({
  email: z.strictObject({ marketing: z.boolean().optional(), transactional: z.boolean().optional() }).optional(),
  sms: z.strictObject({ marketing: z.boolean().optional(), transactional: z.boolean().optional() }).optional(),
  inbox: z.strictObject({ marketing: z.boolean().optional(), transactional: z.boolean().optional() }).optional(),
});

/** PUT /v1/members/:id — create or update. Omitted fields keep their value on update. */
export const MemberInputSchema = z.strictObject({
  email: z.email().max(254).nullable().optional(),
  phone: z
    .string()
    .regex(/^\+[1-9]\d{6,14}$/, 'expected an E.164 number such as +989121234567')
    .nullable()
    .optional(),
  firstName: z.string().max(100).nullable().optional(),
  locale: z
    .string()
    .regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'expected a locale such as en or fa-IR')
    .optional(),
  timeZone: TimeZoneSchema.nullable().optional(),
  attributes: z.record(z.string().max(64), z.unknown()).optional(),
  consent: ConsentSchema.optional(),
  joinedAt: z.iso.datetime({ offset: true }).optional(),
  /**
   * A referral code (GET /v1/members/:id/referral of the referrer) the member joined with: the
   * new member becomes that member's referee. Only counts on creation; refused when unknown.
   */
  referralCode: z.string().trim().min(4).max(32).regex(/^[A-Za-z0-9-]+$/, 'expected a referral code such as K7QX4M2A').optional(),
  /** A calendar date (no time zone): birthday journeys run on it in the member's own zone. */
  birthDate: z.iso
    .date('expected a date such as 1990-03-21')
    .refine((d) => d >= '1900-01-01' && d <= latestToday(), 'expected a birth date between 1900-01-01 and today')
    .nullable()
    .optional(),
});

/**
 * Today where it is latest on Earth (UTC+14). A birth date comes without a zone, and a member born
 * today in Tehran after 20:30 UTC is born on what is still tomorrow in UTC.
 */
function latestToday(): string {
  return formatLocalDate(toLocalDate(new Date(), 'Pacific/Kiritimati'));
}

export type MemberInput = z.infer<typeof MemberInputSchema>;
export type Consent = z.infer<typeof ConsentSchema>;

export interface Member {
  id: string;
  email: string | null;
  phone: string | null;
  firstName: string | null;
  locale: string;
  timeZone: string | null;
  attributes: Record<string, unknown>;
  consent: Consent;
  tierId: string;
  tierStartedAt: Date;
  manualTierId: string | null;
  graceUntil: Date | null;
  nextReviewAt: Date;
  joinedAt: Date;
  /** YYYY-MM-DD. */
  birthDate: string | null;
  lastActivityAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}
