/** The channels a message can be rendered for, and the parts each one needs. */
export const CHANNELS = ['email', 'sms', 'inbox'] as const;
export type Channel = (typeof CHANNELS)[number];

export type SectionName = 'subject' | 'html' | 'text' | 'title' | 'body';

/** Parts a template for the channel must define (email `text` is optional: see templates/README.md). */
export const REQUIRED_SECTIONS: Readonly<Record<Channel, readonly SectionName[]>> = {
  email: ['subject', 'html'],
  sms: ['text'],
  inbox: ['title', 'body'],
};

export const ALLOWED_SECTIONS: Readonly<Record<Channel, readonly SectionName[]>> = {
  email: ['subject', 'html', 'text'],
  sms: ['text'],
  inbox: ['title', 'body'],
};

/** Parts that must come out on one line (mail subject, inbox title). */
export const SINGLE_LINE_SECTIONS: ReadonlySet<SectionName> = new Set(['subject', 'title']);

export type MessageKind = 'transactional' | 'marketing';

/**
 * The member as the renderer sees it. `attributes` are untrusted (imported from the brand's CRM)
 * and are only ever rendered escaped.
 */
export interface RenderMember {
  id: string;
  firstName?: string | null;
  email?: string | null;
  phone?: string | null;
  locale: string;
  /** IANA time zone, e.g. `Asia/Tehran`. Dates and "in N days" are computed in it. */
  timeZone: string;
  tier: string;
  /** The program's display name for the member's tier; defaults to the built-in localized name. */
  tierName?: string | null;
  attributes?: Record<string, unknown> | null;
}

/** Absolute URLs the delivery layer prepares per recipient (signed one-click unsubscribe etc.). */
export interface MessageLinks {
  unsubscribe?: string;
  preferences?: string;
  [name: string]: string | undefined;
}

export interface RenderedMessage {
  subject?: string;
  html?: string;
  text?: string;
  title?: string;
  body?: string;
  /** `<message>/<file name>` of the template that was chosen, e.g. `points_expiring/email.gold.fa.hbs`. */
  templateKey: string;
  /** Locale the content was written in (the template's), which also drove number and date formatting. */
  locale: string;
  dir: 'ltr' | 'rtl';
  kind: MessageKind;
}
