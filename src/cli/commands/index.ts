import type { Command } from 'commander';

/** Every subcommand group registers itself here; keep one file per concern in this folder. */
export function registerCommands(program: Command): void {
  void program;
}
