import { NotFoundError, ValidationError } from '../../errors/index.js';
import { compilePartials, compileTemplateCached, defaultTemplateCache, LAYOUT_PARTIAL, type CompiledPartials, type CompiledTemplate } from './compile-template.js';
import { checkVariables } from './check-variables.js';
import { DEFAULT_LOCALE } from './locale.js';
import { messageDefinition, type MessageDefinition } from './message-registry.js';
import { checkMember, renderCompiled } from './render-core.js';
import { selectTemplate } from './select-template.js';
import type { TemplateCache } from './template-cache.js';
import type { TemplateSource } from './template-source.js';
import type { Channel, MessageLinks, RenderMember, RenderedMessage } from './types.js';

export interface RenderMessageInput {
  source: TemplateSource;
  message: string;
  channel: Channel;
  member: RenderMember;
  vars?: Readonly<Record<string, unknown>>;
  /** The send time (or the preview's): drives "in N days". Never read from the clock here. */
  now: Date;
  links?: MessageLinks;
  /** Default true: required registry variables must be present and typed. */
  strict?: boolean;
  /** Locale of files without a locale suffix. */
  defaultLocale?: string;
  /** For messages outside the built-in registry (e.g. a campaign's own message). */
  definition?: MessageDefinition;
  cache?: TemplateCache<CompiledTemplate | CompiledPartials>;
}

/**
 * Picks the member's tier/locale variant of the message's template, compiles it (cached by key
 * and content hash) and renders every part. Email html is wrapped in `partials/layout.hbs`.
 */
export async function renderMessage(input: RenderMessageInput): Promise<RenderedMessage> {
  const definition = input.definition ?? messageDefinition(input.message);
  if (!definition) throw new NotFoundError('template_not_found', `unknown message ${input.message}`, { message: input.message });
  checkMember(input.member);
  const vars = input.vars ?? {};
  const links = input.links ?? {};
  if (input.strict ?? true) {
    checkVariables(definition, vars);
    if (definition.kind === 'marketing' && input.channel === 'email' && links.unsubscribe === undefined) {
      throw new ValidationError('template_variable_missing', `${definition.name} is marketing email and needs links.unsubscribe`, { missing: ['links.unsubscribe'] });
    }
  }
  const selection = await selectTemplate(
    input.source,
    { message: input.message, channel: input.channel, tier: input.member.tier, locale: input.member.locale },
    input.defaultLocale ?? DEFAULT_LOCALE,
  );
  const content = await input.source.read(input.message, selection.fileName);
  if (content === undefined) throw new NotFoundError('template_not_found', `template ${selection.templateKey} disappeared`, { templateKey: selection.templateKey });
  const cache = input.cache ?? defaultTemplateCache();
  const partialSources = await input.source.partials();
  const partials = compilePartials(partialSources, cache);
  const compiled = compileTemplateCached(
    selection.templateKey,
    content,
    {
      channel: input.channel,
      definition,
      partialNames: new Set([...partialSources.keys()].filter((name) => name !== LAYOUT_PARTIAL)),
      where: selection.templateKey,
    },
    cache,
  );
  return renderCompiled({
    compiled,
    partials,
    definition,
    templateKey: selection.templateKey,
    templateLocale: selection.locale,
    member: input.member,
    vars,
    now: input.now,
    links,
  });
}
