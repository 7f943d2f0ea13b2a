import type { Command } from 'commander';
import { registerAdminCommands } from './admin.js';
import { registerDevCommand } from './dev.js';
import { registerDrawCommands } from './draw.js';
import { registerImportCommands } from './import.js';
import { registerRoleCommands } from './roles.js';
import { registerJourneyCommands } from './journeys.js';

/** Every subcommand group registers itself here; keep one file per concern in this folder. */
export function registerCommands(program: Command): void {
  registerDevCommand(program);
  registerRoleCommands(program);
  registerAdminCommands(program);
  registerDrawCommands(program);
  registerImportCommands(program);
  registerJourneyCommands(program);
}
