import { MESSAGE_NAME_PATTERN, parseTemplateFileName } from './template-name.js';

/**
 * Where templates come from: the `templates/` directory, memory (tests, previews) or, later,
 * marketer templates in Postgres. Names are plain identifiers, never paths: a source never
 * resolves anything outside its own set.
 */
export interface TemplateSource {
  /** File names of the message's templates (`email.gold.fa.hbs`, …); empty when it has none. */
  list(message: string): Promise<readonly string[]>;
  read(message: string, fileName: string): Promise<string | undefined>;
  /** Shared partials by name (`layout`, `button`), from `templates/partials/<name>.hbs`. */
  partials(): Promise<ReadonlyMap<string, string>>;
}

export const PARTIALS_FOLDER = 'partials';
export const PARTIAL_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,63}$/;

/**
 * A source over a plain object: `{ 'points_expiring/email.gold.fa.hbs': '…', 'partials/layout.hbs': '…' }`.
 * Keys that do not follow the layout are ignored, like stray files in the directory.
 */
export class InMemoryTemplateSource implements TemplateSource {
  private readonly messages = new Map<string, Map<string, string>>();
  private readonly partialSources = new Map<string, string>();
  private partialSnapshot: ReadonlyMap<string, string> | undefined;

  constructor(files: Readonly<Record<string, string>> | Iterable<readonly [string, string]> = {}) {
    const entries: Iterable<readonly [string, string]> = Symbol.iterator in files ? (files as Iterable<readonly [string, string]>) : Object.entries(files);
    for (const [path, content] of entries) this.set(path, content);
  }

  /** Adds or replaces one file; returns false (and stores nothing) for a path outside the layout. */
  set(path: string, content: string): boolean {
    const [folder, fileName, ...rest] = path.split('/');
    if (folder === undefined || fileName === undefined || rest.length > 0) return false;
    if (folder === PARTIALS_FOLDER) {
      const name = fileName.endsWith('.hbs') ? fileName.slice(0, -4) : '';
      if (!PARTIAL_NAME_PATTERN.test(name)) return false;
      this.partialSources.set(name, content);
      this.partialSnapshot = undefined;
      return true;
    }
    if (!MESSAGE_NAME_PATTERN.test(folder) || !parseTemplateFileName(fileName)) return false;
    let files = this.messages.get(folder);
    if (!files) this.messages.set(folder, (files = new Map()));
    files.set(fileName, content);
    return true;
  }

  messageNames(): string[] {
    return [...this.messages.keys()].sort();
  }

  list(message: string): Promise<readonly string[]> {
    return Promise.resolve([...(this.messages.get(message)?.keys() ?? [])].sort());
  }

  read(message: string, fileName: string): Promise<string | undefined> {
    return Promise.resolve(this.messages.get(message)?.get(fileName));
  }

  /** The same map instance until a partial changes, so compiled partials can be reused by identity. */
  partials(): Promise<ReadonlyMap<string, string>> {
    this.partialSnapshot ??= new Map(this.partialSources);
    return Promise.resolve(this.partialSnapshot);
  }
}

/**
 * Layers sources, first wins: e.g. marketer overrides in Postgres over the built-in files.
 * A file in an earlier layer shadows the same file name in later ones; partials likewise.
 */
export function layeredTemplateSource(...layers: TemplateSource[]): TemplateSource {
  return {
    async list(message) {
      const names = new Set<string>();
      for (const layer of layers) for (const name of await layer.list(message)) names.add(name);
      return [...names].sort();
    },
    async read(message, fileName) {
      for (const layer of layers) {
        const content = await layer.read(message, fileName);
        if (content !== undefined) return content;
      }
      return undefined;
    },
    async partials() {
      const merged = new Map<string, string>();
      for (const layer of [...layers].reverse()) for (const [name, content] of await layer.partials()) merged.set(name, content);
      return merged;
    },
  };
}
