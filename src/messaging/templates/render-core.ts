import { ValidationError } from '../../errors/index.js';
import { LAYOUT_PARTIAL, isSingleLine, renderFailure, type CompiledPartials, type CompiledTemplate } from './compile-template.js';
import { RUNTIME_SAFETY } from './environment.js';
import { assertTimeZone } from './formatting.js';
import { safeUrl, type HelperContext } from './helpers.js';
import { formattingLocale, languageOf, textDirection } from './locale.js';
import type { MessageDefinition } from './message-registry.js';
import { localizedTierName } from './tier-names.js';
import type { MessageLinks, RenderMember, RenderedMessage, SectionName } from './types.js';

// C0 controls except tab and newline, DEL, and bidi overrides that could disguise links in text parts.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000B-\u001F\u007F\u202A-\u202E\u2066-\u2069]/g;
const MAX_DEPTH = 8;

/**
 * Copies values into prototype-less objects and strips control characters from strings, so
 * untrusted member attributes can neither smuggle prototype lookups nor break a header line.
 */
export function cleanValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return value.replace(CONTROL_CHARACTERS, '');
  if (value === null || typeof value !== 'object' || value instanceof Date) return value;
  if (depth >= MAX_DEPTH) return undefined;
  if (Array.isArray(value)) return value.map((item) => cleanValue(item, depth + 1));
  const copy = Object.create(null) as Record<string, unknown>;
  for (const [key, item] of Object.entries(value)) copy[key] = cleanValue(item, depth + 1);
  return copy;
}

export function checkMember(member: RenderMember): void {
  const problems: string[] = [];
  if (typeof member?.id !== 'string' || member.id === '') problems.push('member.id');
  if (typeof member?.locale !== 'string') problems.push('member.locale');
  if (typeof member?.tier !== 'string') problems.push('member.tier');
  if (typeof member?.timeZone !== 'string') problems.push('member.timeZone');
  if (problems.length > 0) throw new ValidationError('template_variable_missing', `member is missing ${problems.join(', ')}`, { missing: problems });
  assertTimeZone(member.timeZone);
}

const LAYOUT_LABELS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  en: {
    unsubscribe: 'Unsubscribe',
    preferences: 'Message preferences',
    reason: 'You are receiving this because you are a member of our rewards program.',
  },
  fa: {
    unsubscribe: 'لغو اشتراک',
    preferences: 'تنظیمات پیام‌ها',
    reason: 'این پیام را به‌عنوان عضو باشگاه مشتریان دریافت می‌کنید.',
  },
};

export interface RenderCompiledInput {
  compiled: CompiledTemplate;
  partials: CompiledPartials;
  definition: MessageDefinition;
  templateKey: string;
  /** Locale of the chosen template file. */
  templateLocale: string;
  member: RenderMember;
  vars: Readonly<Record<string, unknown>>;
  now: Date;
  links: MessageLinks;
}

/** Synchronous core shared by renderMessage and validateTemplate: no I/O, no clock. */
export function renderCompiled(input: RenderCompiledInput): RenderedMessage {
  const { member, definition } = input;
  const locale = formattingLocale(input.templateLocale, member.locale);
  const dir = textDirection(input.templateLocale);
  const tierName = member.tierName ?? localizedTierName(member.tier, locale);
  const context = cleanValue({
    ...input.vars,
    member: {
      id: member.id,
      firstName: member.firstName ?? undefined,
      email: member.email ?? undefined,
      phone: member.phone ?? undefined,
      tier: member.tier,
      tierName,
      locale: member.locale,
      timeZone: member.timeZone,
      attributes: member.attributes ?? {},
    },
    links: input.links,
  });
  const laurel: HelperContext = {
    locale,
    timeZone: member.timeZone,
    now: input.now,
    links: input.links,
    kind: definition.kind,
    memberTier: member.tier,
    memberTierName: member.tierName ?? undefined,
  };
  const runtime = { ...RUNTIME_SAFETY, data: { laurel }, partials: { ...input.partials.includable } };
  const rendered: RenderedMessage = { templateKey: input.templateKey, locale: input.templateLocale, dir, kind: definition.kind };
  for (const [name, template] of Object.entries(input.compiled.sections) as [SectionName, NonNullable<CompiledTemplate['sections'][SectionName]>][]) {
    let output: string;
    try {
      output = template(context, runtime);
    } catch (error) {
      throw renderFailure(input.templateKey, name, error);
    }
    rendered[name] = isSingleLine(name) ? output.replace(/\s*[\r\n]+\s*/g, ' ').trim() : output.trim();
  }
  if (rendered.html !== undefined && input.partials.layout) {
    const labels = LAYOUT_LABELS[languageOf(input.templateLocale)] ?? LAYOUT_LABELS.en!;
    const layoutContext = {
      lang: input.templateLocale,
      dir,
      align: dir === 'rtl' ? 'right' : 'left',
      subject: rendered.subject ?? rendered.title ?? '',
      preheader: rendered.text?.split('\n').find((line) => line.trim() !== '')?.slice(0, 140) ?? '',
      content: rendered.html,
      marketing: definition.kind === 'marketing',
      hasUnsubscribe: input.links.unsubscribe !== undefined,
      preferencesUrl: input.links.preferences === undefined ? undefined : safeUrl(input.links.preferences, 'links.preferences'),
      labels,
    };
    try {
      rendered.html = input.partials.layout(cleanValue(layoutContext), { ...RUNTIME_SAFETY, data: { laurel } });
    } catch (error) {
      throw renderFailure(`partials/${LAYOUT_PARTIAL}.hbs`, 'html', error);
    }
  }
  return rendered;
}
