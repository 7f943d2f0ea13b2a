import Handlebars from 'handlebars';
import { TEMPLATE_HELPERS } from './helpers.js';

/**
 * An isolated Handlebars environment: our helpers only (`lookup` and `log` removed, so no
 * computed property access), no globally registered partials (each render passes its own,
 * precompiled from the template source), and prototype access denied at runtime.
 */
export type TemplateEnvironment = ReturnType<typeof Handlebars.create>;

export function createTemplateEnvironment(): TemplateEnvironment {
  const env = Handlebars.create();
  env.unregisterHelper('lookup');
  env.unregisterHelper('log');
  for (const [name, helper] of Object.entries(TEMPLATE_HELPERS)) env.registerHelper(name, helper);
  return env;
}

/** Compile options: only known helpers, so `{{foo bar}}` with an unknown foo fails to compile. */
export function compileOptions(escapeHtml: boolean): CompileOptions {
  return {
    knownHelpers: Object.fromEntries(Object.keys(TEMPLATE_HELPERS).map((name) => [name, true])) as CompileOptions['knownHelpers'],
    knownHelpersOnly: true,
    noEscape: !escapeHtml,
    strict: false,
    preventIndent: true,
  };
}

export const RUNTIME_SAFETY = {
  allowProtoPropertiesByDefault: false,
  allowProtoMethodsByDefault: false,
  allowCallsToHelperMissing: false,
} as const satisfies Handlebars.RuntimeOptions;
