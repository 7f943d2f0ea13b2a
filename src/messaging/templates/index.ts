export { CHANNELS, REQUIRED_SECTIONS, ALLOWED_SECTIONS } from './types.js';
export type { Channel, SectionName, MessageKind, RenderMember, MessageLinks, RenderedMessage } from './types.js';
export { DEFAULT_LOCALE, textDirection, intlLocale, localeCandidates, formattingLocale } from './locale.js';
export { formatTemplateFileName, parseTemplateFileName, templateKey, isChannel } from './template-name.js';
export type { TemplateName } from './template-name.js';
export { selectTemplate, selectTemplateName, templateCandidates } from './select-template.js';
export type { TemplateQuery, TemplateSelection } from './select-template.js';
export { InMemoryTemplateSource, layeredTemplateSource } from './template-source.js';
export type { TemplateSource } from './template-source.js';
export { FileTemplateSource, loadTemplateDirectory, BUILT_IN_TEMPLATES_DIR } from './file-template-source.js';
export { parseSections } from './sections.js';
export {
  formatInteger,
  formatMoney,
  formatMoneyValue,
  formatDate,
  formatRelativeDays,
  calendarDaysBetween,
  choosePlural,
  minorUnitsToDecimal,
  currencyExponent,
  toInteger,
} from './formatting.js';
export { localizedTierName, REFERENCE_TIERS } from './tier-names.js';
export { TEMPLATE_HELPERS, ALLOWED_HELPERS, INLINE_HELPERS, BLOCK_HELPERS, safeUrl } from './helpers.js';
export type { HelperContext } from './helpers.js';
export { MESSAGE_REGISTRY, BUILT_IN_MESSAGES, SAMPLE_NOW, messageDefinition, requiredVariables } from './message-registry.js';
export type { MessageDefinition, VariableSpec, VariableType } from './message-registry.js';
export { analyzeTemplate, contextShape, FORBIDDEN_SEGMENTS } from './template-analysis.js';
export type { TemplateIssues, Shape } from './template-analysis.js';
export { createTemplateEnvironment, RUNTIME_SAFETY } from './environment.js';
export { TemplateCache, contentHash } from './template-cache.js';
export { compileTemplateFile, compilePartials, defaultTemplateCache, LAYOUT_PARTIAL } from './compile-template.js';
export type { CompiledTemplate, CompiledPartials } from './compile-template.js';
export { checkVariables } from './check-variables.js';
export { renderMessage } from './render-message.js';
export type { RenderMessageInput } from './render-message.js';
export { validateTemplate } from './validate-template.js';
export type { ValidateTemplateOptions, TemplatePreview } from './validate-template.js';
export { sampleMember, SAMPLE_TIERS, SAMPLE_LOCALES, SAMPLE_LINKS } from './samples.js';
