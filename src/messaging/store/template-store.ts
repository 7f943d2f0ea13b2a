import type { Pool } from '../../db/index.js';
import { NotFoundError, ValidationError } from '../../errors/index.js';
import {
  FileTemplateSource,
  layeredTemplateSource,
  messageDefinition,
  parseTemplateFileName,
  validateTemplate,
  type TemplatePreview,
  type TemplateSource,
} from '../templates/index.js';

/**
 * Marketer templates in Postgres, read as one more template source: the newest version of each
 * file. The snapshot is reloaded at most every `ttlMs`, so a render costs no query.
 */
export class PostgresTemplateSource implements TemplateSource {
  private snapshot: Map<string, Map<string, string>> | undefined;
  private loadedAt = 0;
  private loading: Promise<Map<string, Map<string, string>>> | undefined;
  private static readonly NO_PARTIALS: ReadonlyMap<string, string> = new Map();

  constructor(
    private readonly pool: Pool,
    private readonly ttlMs = 2000,
  ) {}

  /** Forget the snapshot (after a save in this process). */
  invalidate(): void {
    this.snapshot = undefined;
  }

  private async files(): Promise<Map<string, Map<string, string>>> {
    if (this.snapshot && Date.now() - this.loadedAt < this.ttlMs) return this.snapshot;
    this.loading ??= (async () => {
      try {
        const { rows } = await this.pool.query<{ message: string; file_name: string; source: string }>(
          `SELECT DISTINCT ON (message, file_name) message, file_name, source
             FROM message_templates ORDER BY message, file_name, version DESC`,
        );
        const next = new Map<string, Map<string, string>>();
        for (const row of rows) {
          let files = next.get(row.message);
          if (!files) next.set(row.message, (files = new Map()));
          files.set(row.file_name, row.source);
        }
        this.snapshot = next;
        this.loadedAt = Date.now();
        return next;
      } finally {
        this.loading = undefined;
      }
    })();
    return this.loading;
  }

  async list(message: string): Promise<readonly string[]> {
    return [...((await this.files()).get(message)?.keys() ?? [])].sort();
  }

  async read(message: string, fileName: string): Promise<string | undefined> {
    return (await this.files()).get(message)?.get(fileName);
  }

  partials(): Promise<ReadonlyMap<string, string>> {
    return Promise.resolve(PostgresTemplateSource.NO_PARTIALS);
  }
}

/** Marketer templates first, then the built-in files. */
export function messagingTemplateSource(pool: Pool, builtIn: TemplateSource = new FileTemplateSource()): { source: TemplateSource; stored: PostgresTemplateSource } {
  const stored = new PostgresTemplateSource(pool);
  const layered = layeredTemplateSource(stored, builtIn);
  // Marketer templates bring no partials: hand out the built-in map itself, whose identity lets the
  // renderer reuse compiled partials (a merged copy per render would be re-hashed every time).
  return { source: { list: (m) => layered.list(m), read: (m, f) => layered.read(m, f), partials: () => builtIn.partials() }, stored };
}

export interface SavedTemplate {
  message: string;
  fileName: string;
  version: number;
  createdBy: string;
  createdAt: Date;
  previews: TemplatePreview[];
}

/**
 * Validates (compile + render against a sample member of every tier and locale; unknown helpers
 * and variables are listed in the error) and stores the template as the file's next version.
 */
export async function saveTemplate(
  pool: Pool,
  source: TemplateSource,
  input: { message: string; fileName: string; content: string; actor: string },
): Promise<SavedTemplate> {
  if (!messageDefinition(input.message)) throw new NotFoundError('template_not_found', `unknown message ${input.message}`, { message: input.message });
  const name = parseTemplateFileName(input.fileName);
  if (!name) throw new ValidationError('invalid_template_name', `${input.fileName} is not <channel>[.<tier>][.<locale>].hbs`, { fileName: input.fileName });
  const { previews } = validateTemplate(input.content, {
    message: input.message,
    channel: name.channel,
    partials: await source.partials(),
    ...(name.locale ? { locale: name.locale } : {}),
  });
  const { rows } = await pool.query<{ version: number; created_at: Date }>(
    `INSERT INTO message_templates (message, file_name, version, channel, source, created_by)
     SELECT $1, $2, coalesce(max(version), 0) + 1, $3, $4, $5 FROM message_templates WHERE message = $1 AND file_name = $2
     RETURNING version, created_at`,
    [input.message, input.fileName, name.channel, input.content, input.actor],
  );
  const row = rows[0]!;
  return { message: input.message, fileName: input.fileName, version: row.version, createdBy: input.actor, createdAt: row.created_at, previews };
}

export interface TemplateVersion {
  fileName: string;
  version: number;
  channel: string;
  createdBy: string;
  createdAt: Date;
  source: string;
}

export async function listTemplateVersions(pool: Pool, message: string): Promise<TemplateVersion[]> {
  const { rows } = await pool.query<{ file_name: string; version: number; channel: string; created_by: string; created_at: Date; source: string }>(
    `SELECT file_name, version, channel, created_by, created_at, source FROM message_templates WHERE message = $1 ORDER BY file_name, version DESC`,
    [message],
  );
  return rows.map((r) => ({ fileName: r.file_name, version: r.version, channel: r.channel, createdBy: r.created_by, createdAt: r.created_at, source: r.source }));
}
