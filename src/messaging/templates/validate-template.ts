import { NotFoundError, ValidationError } from '../../errors/index.js';
import { compilePartials, compileTemplateFile, LAYOUT_PARTIAL, type CompiledTemplate } from './compile-template.js';
import { canonicalLocale } from './locale.js';
import { messageDefinition, SAMPLE_NOW, type MessageDefinition } from './message-registry.js';
import { renderCompiled } from './render-core.js';
import { SAMPLE_LINKS, SAMPLE_LOCALES, SAMPLE_TIERS, sampleMember } from './samples.js';
import type { Channel, RenderedMessage } from './types.js';

export interface ValidateTemplateOptions {
  message: string;
  channel: Channel;
  /** Shared partials (name → source), e.g. `await source.partials()`; includes `layout` for email. */
  partials?: ReadonlyMap<string, string>;
  /** For messages outside the built-in registry. */
  definition?: MessageDefinition;
  /** Locale the template is written in; defaults to rendering it as each sample locale's. */
  locale?: string;
  tiers?: readonly string[];
  locales?: readonly string[];
  now?: Date;
}

export interface TemplatePreview {
  tier: string;
  locale: string;
  rendered: RenderedMessage;
}

/**
 * What a marketer's template must pass before a campaign launches: parts present, Handlebars
 * syntax, only our helpers, only the message's variables, known partials, no raw output, then a
 * render against a sample member of every tier and locale with the registry's sample context.
 * Throws `template_invalid` with details.unknownHelpers / unknownVariables / unknownPartials /
 * unsafe / renderErrors; returns the previews otherwise.
 */
export function validateTemplate(templateSource: string, options: ValidateTemplateOptions): { previews: TemplatePreview[] } {
  const definition = options.definition ?? messageDefinition(options.message);
  if (!definition) throw new NotFoundError('template_not_found', `unknown message ${options.message}`, { message: options.message });
  const partialSources = options.partials ?? new Map<string, string>();
  const partials = compilePartials(partialSources);
  const compiled: CompiledTemplate = compileTemplateFile(templateSource, {
    channel: options.channel,
    definition,
    partialNames: new Set([...partialSources.keys()].filter((name) => name !== LAYOUT_PARTIAL)),
    where: `${options.message}/${options.channel}`,
  });
  const previews: TemplatePreview[] = [];
  const renderErrors: { tier: string; locale: string; error: string }[] = [];
  for (const tier of options.tiers ?? SAMPLE_TIERS) {
    for (const locale of options.locales ?? SAMPLE_LOCALES) {
      try {
        const rendered = renderCompiled({
          compiled,
          partials,
          definition,
          templateKey: `${options.message}/${options.channel}`,
          templateLocale: canonicalLocale(options.locale ?? locale) ?? locale,
          member: { ...sampleMember(tier, locale), tier },
          vars: definition.sample,
          now: options.now ?? SAMPLE_NOW,
          links: SAMPLE_LINKS,
        });
        previews.push({ tier, locale, rendered });
      } catch (error) {
        renderErrors.push({ tier, locale, error: (error as Error).message });
      }
    }
  }
  if (renderErrors.length > 0) {
    throw new ValidationError('template_invalid', `template fails to render: ${renderErrors[0]!.error}`, {
      unknownHelpers: [],
      unknownVariables: [],
      renderErrors,
    });
  }
  return { previews };
}
