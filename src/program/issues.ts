import { ValidationError } from '../errors/index.js';

export interface ProgramIssue {
  /** Where the problem is, e.g. `tiers[2].threshold`; `(root)` for the document itself. */
  readonly path: string;
  readonly message: string;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `['tiers', 2, 'threshold']` → `tiers[2].threshold` */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else {
      const key = String(segment);
      if (IDENTIFIER.test(key)) out += out.length === 0 ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out.length === 0 ? '(root)' : out;
}

/** 400 for a document that breaks the program schema's shape; 422 when only its rules fail (semantic checks, refinements). */
export function invalidProgram(issues: readonly ProgramIssue[], status: 400 | 422 = 400): ValidationError {
  const first = issues[0];
  const head = first ? `${first.path}: ${first.message}` : 'invalid program';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? 's' : ''})` : '';
  return new ValidationError('invalid_program', `${head}${more}`, { issues: [...issues] }, status);
}
