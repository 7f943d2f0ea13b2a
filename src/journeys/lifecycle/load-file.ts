import { readFile } from 'node:fs/promises';
import { basename, extname } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ValidationError } from '../../errors/index.js';
import { JourneyInputSchema, type JourneyDefinition } from './definition.js';

/** A journey file (YAML or JSON, like the program): its definition, and the id its name suggests. */
export async function loadJourneyFile(path: string): Promise<{ id: string; definition: JourneyDefinition }> {
  const ext = extname(path).toLowerCase();
  if (!['.yaml', '.yml', '.json'].includes(ext)) throw new ValidationError('invalid_journey', `${path}: expected a .yaml, .yml or .json journey file`);
  const text = await readFile(path, 'utf8');
  let raw: unknown;
  try {
    raw = ext === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ValidationError('invalid_journey', `${path}: not valid ${ext === '.json' ? 'JSON' : 'YAML'}: ${(err as Error).message.split('\n')[0]}`);
  }
  const result = JourneyInputSchema.safeParse(raw);
  if (!result.success) {
    const issues = result.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message }));
    throw new ValidationError('invalid_journey', `${path}: ${issues[0]!.path}: ${issues[0]!.message}`, { issues });
  }
  return { id: basename(path, ext), definition: result.data };
}
