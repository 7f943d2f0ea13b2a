import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { ValidationError } from '../errors/index.js';
import type { ProgramFormat } from './parse-program.js';
import { parseProgram } from './parse-program.js';
import type { ProgramDefinition } from './schema.js';

/** The only I/O in this folder: read a program file; the format follows the extension. */
export async function loadProgramFile(path: string): Promise<ProgramDefinition> {
  const format = programFormatForPath(path);
  const text = await readFile(path, 'utf8');
  return parseProgram(text, format);
}

export function programFormatForPath(path: string): ProgramFormat {
  const ext = extname(path).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  if (ext === '.json') return 'json';
  throw new ValidationError('invalid_program', `${path}: expected a .yaml, .yml or .json program file`, {
    issues: [{ path: '(root)', message: 'unsupported file extension' }],
  });
}
