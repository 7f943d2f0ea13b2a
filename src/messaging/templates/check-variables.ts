import { LaurelError, ValidationError } from '../../errors/index.js';
import { toDate, toInteger } from './formatting.js';
import { safeUrl } from './helpers.js';
import type { MessageDefinition, VariableSpec } from './message-registry.js';
import { TIER_PATTERN } from './template-name.js';

export interface VariableProblem {
  variable: string;
  reason: string;
}

function problemOf(check: () => unknown): string | undefined {
  try {
    check();
    return undefined;
  } catch (error) {
    return error instanceof LaurelError ? error.message : String(error);
  }
}

function checkValue(name: string, spec: VariableSpec, value: unknown, missing: string[], invalid: VariableProblem[]): void {
  if (value === undefined || value === null) {
    if (spec.required) missing.push(name);
    return;
  }
  const type = spec.type;
  let reason: string | undefined;
  if (type === 'string') reason = typeof value === 'string' ? undefined : 'must be a string';
  else if (type === 'integer') reason = problemOf(() => toInteger(value, name));
  else if (type === 'date') reason = problemOf(() => toDate(value, name));
  else if (type === 'tier') reason = typeof value === 'string' && TIER_PATTERN.test(value) ? undefined : 'must be a tier id';
  else if (type === 'url') reason = problemOf(() => safeUrl(value, name));
  else if (type === 'money') {
    const money = value as { amountMinor?: unknown; currency?: unknown };
    reason =
      typeof value !== 'object'
        ? 'must be { amountMinor, currency }'
        : (problemOf(() => toInteger(money.amountMinor, `${name}.amountMinor`)) ??
          (typeof money.currency === 'string' && /^[A-Z]{3}$/.test(money.currency) ? undefined : `${name}.currency must be a three-letter code`));
  } else if (!Array.isArray(value)) reason = 'must be a list';
  else {
    value.forEach((item, index) => {
      if (typeof item !== 'object' || item === null) {
        invalid.push({ variable: `${name}.${index}`, reason: 'must be an object' });
        return;
      }
      for (const [field, fieldSpec] of Object.entries(type.list)) {
        checkValue(`${name}.${index}.${field}`, fieldSpec, (item as Record<string, unknown>)[field], missing, invalid);
      }
    });
  }
  if (reason) invalid.push({ variable: name, reason });
}

/**
 * Strict mode: every required variable of the registry entry is present and every declared
 * variable has its type. Throws `template_variable_missing` (details.missing) first, then
 * `template_variable_invalid` (details.invalid).
 */
export function checkVariables(definition: MessageDefinition, vars: Readonly<Record<string, unknown>>): void {
  const missing: string[] = [];
  const invalid: VariableProblem[] = [];
  for (const [name, spec] of Object.entries(definition.variables)) checkValue(name, spec, Object.hasOwn(vars, name) ? vars[name] : undefined, missing, invalid);
  if (missing.length > 0) {
    throw new ValidationError('template_variable_missing', `${definition.name} is missing ${missing.join(', ')}`, { message: definition.name, missing });
  }
  if (invalid.length > 0) {
    throw new ValidationError('template_variable_invalid', `${definition.name}: ${invalid.map((p) => `${p.variable} ${p.reason}`).join('; ')}`, {
      message: definition.name,
      invalid,
    });
  }
}
