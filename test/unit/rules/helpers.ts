import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseProgram, validateProgram } from '../../../src/program/index.js';
import type { ProgramDefinition, ProgramInput } from '../../../src/program/index.js';

export function exampleProgram(name: 'reference' | 'hotel'): ProgramDefinition {
  const path = fileURLToPath(new URL(`../../../examples/${name}.yaml`, import.meta.url));
  return parseProgram(readFileSync(path, 'utf8'), 'yaml');
}

/** The reference program with some fields replaced (re-validated). */
export function programWith(base: ProgramDefinition, patch: Partial<ProgramInput>): ProgramDefinition {
  return validateProgram({ ...structuredClone(base), ...patch });
}
