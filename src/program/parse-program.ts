import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import type { ProgramIssue } from './issues.js';
import { formatIssuePath, invalidProgram } from './issues.js';
import type { ProgramDefinition } from './schema.js';
import { ProgramSchema } from './schema.js';
import { checkProgramSemantics } from './semantic-checks.js';

export type ProgramFormat = 'yaml' | 'json';

/**
 * Validate an already-decoded program document. Throws `ValidationError('invalid_program')` whose
 * message names the first bad path and whose `details.issues` lists every problem.
 */
export function validateProgram(document: unknown): ProgramDefinition {
  const parsed = ProgramSchema.safeParse(document);
  if (!parsed.success) {
    const onlyRules = parsed.error.issues.every((i) => i.code === 'custom' && (i.params as { shape?: boolean } | undefined)?.shape !== true);
    throw invalidProgram(zodIssuesToProgramIssues(parsed.error.issues), onlyRules ? 422 : 400);
  }
  const semantic = checkProgramSemantics(parsed.data);
  if (semantic.length > 0) throw invalidProgram(semantic, 422);
  return parsed.data;
}

/** Decode and validate program text. Pure: no file or clock access. */
export function parseProgram(text: string, format: ProgramFormat): ProgramDefinition {
  return validateProgram(decodeProgramText(text, format));
}

export function decodeProgramText(text: string, format: ProgramFormat): unknown {
  try {
    if (format === 'json') return JSON.parse(text) as unknown;
    // Merge keys and custom tags are off: a program is data, nothing in it may execute or alias.
    return parseYaml(text, { merge: false, customTags: [], maxAliasCount: 0, uniqueKeys: true }) as unknown;
  } catch (err) {
    const issue: ProgramIssue = {
      path: '(root)',
      message: err instanceof YAMLParseError ? `not valid YAML: ${err.message.split('\n')[0] ?? ''}` : `not valid ${format.toUpperCase()}: ${(err as Error).message}`,
    };
    throw invalidProgram([issue]);
  }
}

export function zodIssuesToProgramIssues(issues: readonly z.core.$ZodIssue[]): ProgramIssue[] {
  const out: ProgramIssue[] = [];
  for (const issue of issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) out.push({ path: formatIssuePath([...issue.path, key]), message: 'unknown field' });
    } else if (issue.code === 'invalid_union' && 'discriminator' in issue && issue.discriminator) {
      const options = 'options' in issue && Array.isArray(issue.options) ? (issue.options as unknown[]).map(String) : [];
      out.push({
        path: formatIssuePath(issue.path),
        message: options.length > 0 ? `expected one of ${options.join(', ')}` : issue.message,
      });
    } else if (issue.code === 'invalid_type' && issue.message.startsWith('Invalid input: expected') && issue.message.endsWith('received undefined')) {
      out.push({ path: formatIssuePath(issue.path), message: 'required field is missing' });
    } else {
      out.push({ path: formatIssuePath(issue.path), message: issue.message });
    }
  }
  return out;
}
