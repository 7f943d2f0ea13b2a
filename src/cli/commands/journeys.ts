import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { createPool } from '../../db/index.js';

/** `laurel journey …`: lifecycle journey definitions (`laurel journeys` is the Temporal worker role). */
export function registerJourneyCommands(program: Command): void {
  program
    .command('journey')
    .description('lifecycle journey definitions')
    .command('load <file>')
    .description('validate a journey file (YAML or JSON; templates render, tiers exist) and store it (a new version if it exists)')
    .option('--id <id>', 'journey id (default: the file name without its extension)')
    .action(async (file: string, options: { id?: string }) => {
      const { loadJourneyFile, saveJourney, validateJourney } = await import('../../journeys/lifecycle/index.js');
      const { messagingTemplateSource } = await import('../../messaging/index.js');
      const { currentProgram } = await import('../../program/store.js');
      const { IdSchema } = await import('../../program/index.js');
      const loaded = await loadJourneyFile(resolve(file));
      const id = IdSchema.parse(options.id ?? loaded.id);
      const config = loadConfig();
      const pool = createPool(config.databaseUrl ?? `postgres://laurel@127.0.0.1:${config.devPorts.postgres}/laurel`, 4);
      try {
        await validateJourney(messagingTemplateSource(pool).source, loaded.definition, (await currentProgram(pool)).definition, pool);
        const { journey, created } = await saveJourney(pool, id, loaded.definition, 'cli');
        process.stdout.write(`laurel: journey "${journey.name}" (${id}) ${created ? 'created' : `stored as version ${journey.version}`}\n`);
      } finally {
        await pool.end();
      }
    });
}
