import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InMemoryTemplateSource, type TemplateSource } from './template-source.js';

/** The repository's `templates/` directory (built-in messages and partials). */
export const BUILT_IN_TEMPLATES_DIR = fileURLToPath(new URL('../../../templates/', import.meta.url));

/**
 * Reads the whole directory once into memory: a worker renders thousands of messages a minute
 * and the built-in set is small. `reload()` picks up edits. Only `<folder>/<name>.hbs` one level
 * deep is read, and lookups afterwards go through the in-memory map, so no name from a template
 * or a member ever becomes a path.
 */
export class FileTemplateSource implements TemplateSource {
  private loaded: Promise<InMemoryTemplateSource> | undefined;

  constructor(readonly rootDir: string = BUILT_IN_TEMPLATES_DIR) {}

  reload(): Promise<InMemoryTemplateSource> {
    this.loaded = loadTemplateDirectory(this.rootDir);
    return this.loaded;
  }

  private snapshot(): Promise<InMemoryTemplateSource> {
    return this.loaded ?? this.reload();
  }

  async list(message: string): Promise<readonly string[]> {
    return (await this.snapshot()).list(message);
  }

  async read(message: string, fileName: string): Promise<string | undefined> {
    return (await this.snapshot()).read(message, fileName);
  }

  async partials(): Promise<ReadonlyMap<string, string>> {
    return (await this.snapshot()).partials();
  }

  async messageNames(): Promise<string[]> {
    return (await this.snapshot()).messageNames();
  }
}

export async function loadTemplateDirectory(rootDir: string): Promise<InMemoryTemplateSource> {
  const source = new InMemoryTemplateSource();
  const folders = await readdir(rootDir, { withFileTypes: true });
  for (const folder of folders) {
    if (!folder.isDirectory()) continue;
    const files = await readdir(join(rootDir, folder.name), { withFileTypes: true });
    for (const file of files) {
      if (!file.isFile() || !file.name.endsWith('.hbs')) continue;
      const content = await readFile(join(rootDir, folder.name, file.name), 'utf8');
      source.set(`${folder.name}/${file.name}`, content);
    }
  }
  return source;
}
