import type { TemplateDelegate } from 'handlebars';
import { LaurelError, ValidationError } from '../../errors/index.js';
import { compileOptions, createTemplateEnvironment, type TemplateEnvironment } from './environment.js';
import { ALLOWED_HELPERS } from './helpers.js';
import type { MessageDefinition } from './message-registry.js';
import { parseSections } from './sections.js';
import { analyzeTemplate, contextShape, hasIssues, mergeIssues, type TemplateIssues } from './template-analysis.js';
import { TemplateCache, contentHash } from './template-cache.js';
import { SINGLE_LINE_SECTIONS, type Channel, type SectionName } from './types.js';

/** The partial the engine wraps every email's html part in. It cannot be included by templates. */
export const LAYOUT_PARTIAL = 'layout';

export interface CompiledTemplate {
  channel: Channel;
  sections: Partial<Record<SectionName, TemplateDelegate>>;
}

export interface CompiledPartials {
  layout?: TemplateDelegate;
  /** Partials templates may include with `{{> name}}` (html parts only). */
  includable: Readonly<Record<string, TemplateDelegate>>;
  hash: string;
}

const sharedEnvironment = createTemplateEnvironment();
const sharedCache = new TemplateCache<CompiledTemplate | CompiledPartials>();

export function defaultTemplateCache(): TemplateCache<CompiledTemplate | CompiledPartials> {
  return sharedCache;
}

export function templateEnvironment(): TemplateEnvironment {
  return sharedEnvironment;
}

function invalid(message: string, details: Record<string, unknown>): never {
  throw new ValidationError('template_invalid', message, details);
}

function parse(env: TemplateEnvironment, source: string, where: string): hbs.AST.Program {
  try {
    return env.parse(source);
  } catch (error) {
    return invalid(`${where}: ${(error as Error).message.split('\n')[0]}`, { where, syntaxError: (error as Error).message });
  }
}

function issueMessage(where: string, issues: TemplateIssues): string {
  const parts = [
    issues.unknownHelpers.length ? `unknown helpers: ${issues.unknownHelpers.join(', ')}` : '',
    issues.unknownVariables.length ? `unknown variables: ${issues.unknownVariables.join(', ')}` : '',
    issues.unknownPartials.length ? `unknown partials: ${issues.unknownPartials.join(', ')}` : '',
    issues.unsafe.length ? issues.unsafe.join(', ') : '',
  ].filter(Boolean);
  return `${where}: ${parts.join('; ')}`;
}

/** Parses, checks and compiles the shared partials. Partials are trusted repository files. */
const partialsByIdentity = new WeakMap<ReadonlyMap<string, string>, CompiledPartials>();

export function compilePartials(partials: ReadonlyMap<string, string>, cache = sharedCache, env = sharedEnvironment): CompiledPartials {
  const known = cache === sharedCache && env === sharedEnvironment ? partialsByIdentity.get(partials) : undefined;
  if (known) return known;
  const compiled = compilePartialsUncached(partials, cache, env);
  if (cache === sharedCache && env === sharedEnvironment) partialsByIdentity.set(partials, compiled);
  return compiled;
}

function compilePartialsUncached(partials: ReadonlyMap<string, string>, cache: TemplateCache<CompiledTemplate | CompiledPartials>, env: TemplateEnvironment): CompiledPartials {
  const hash = contentHash(JSON.stringify([...partials].sort(([a], [b]) => a.localeCompare(b))));
  return cache.getOrCreate(`partials#${hash}`, () => {
    const names = new Set([...partials.keys()].filter((name) => name !== LAYOUT_PARTIAL));
    const includable: Record<string, TemplateDelegate> = Object.create(null) as Record<string, TemplateDelegate>;
    let layout: TemplateDelegate | undefined;
    for (const [name, source] of partials) {
      const ast = parse(env, source, `partials/${name}.hbs`);
      const issues = analyzeTemplate(ast, { helpers: ALLOWED_HELPERS, partials: names, allowUnescaped: true });
      if (hasIssues(issues)) invalid(issueMessage(`partials/${name}.hbs`, issues), { ...issues });
      const compiled = env.compile(ast, compileOptions(true));
      if (name === LAYOUT_PARTIAL) layout = compiled;
      else includable[name] = compiled;
    }
    return { ...(layout ? { layout } : {}), includable, hash } satisfies CompiledPartials;
  }) as CompiledPartials;
}

export interface CompileTemplateOptions {
  channel: Channel;
  /** Registry entry: when given, variables are checked against it. */
  definition?: MessageDefinition;
  /** Names of partials the template may include. */
  partialNames: ReadonlySet<string>;
  /** Shown in error messages, e.g. the template key. */
  where: string;
}

/**
 * Splits the file into parts and compiles each after the static checks. html is HTML-escaped;
 * subject, text, title and body are plain text (mail headers, SMS, the app's inbox, which
 * renders text), so they are not HTML-escaped — they get control characters stripped from the
 * values instead (see render-core) and never include partials.
 */
export function compileTemplateFile(content: string, options: CompileTemplateOptions, env = sharedEnvironment): CompiledTemplate {
  const parsed = parseSections(content, options.channel);
  const sections: CompiledTemplate['sections'] = {};
  const allIssues: TemplateIssues[] = [];
  const variables = options.definition ? contextShape(options.definition) : undefined;
  const asts: [SectionName, hbs.AST.Program][] = [];
  for (const name of ['subject', 'html', 'text', 'title', 'body'] as const) {
    const source = parsed[name];
    if (source === undefined) continue;
    const where = `${options.where} (${name}, from line ${parsed.firstLine[name] ?? 1})`;
    const ast = parse(env, source, where);
    allIssues.push(
      analyzeTemplate(ast, {
        helpers: ALLOWED_HELPERS,
        partials: name === 'html' ? options.partialNames : new Set(),
        allowUnescaped: false,
        ...(variables ? { variables } : {}),
      }),
    );
    asts.push([name, ast]);
  }
  const issues = mergeIssues(allIssues);
  if (hasIssues(issues)) invalid(issueMessage(options.where, issues), { ...issues });
  for (const [name, ast] of asts) sections[name] = env.compile(ast, compileOptions(name === 'html'));
  return { channel: options.channel, sections };
}

export function compileTemplateCached(
  templateKey: string,
  content: string,
  options: CompileTemplateOptions,
  cache = sharedCache,
): CompiledTemplate {
  const key = `${templateKey}#${contentHash(content)}#${[...options.partialNames].sort().join(',')}#${options.definition?.name ?? ''}`;
  return cache.getOrCreate(key, () => compileTemplateFile(content, options)) as CompiledTemplate;
}

export function isSingleLine(section: SectionName): boolean {
  return SINGLE_LINE_SECTIONS.has(section);
}

/** Runtime failures of a compiled template become `template_invalid` naming the part. */
export function renderFailure(where: string, section: SectionName, error: unknown): LaurelError {
  if (error instanceof LaurelError) return error;
  return new ValidationError('template_invalid', `${where} (${section}): ${(error as Error).message?.split('\n')[0] ?? String(error)}`, {
    where,
    section,
    renderError: (error as Error).message ?? String(error),
  });
}
