import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { describeError } from '../errors/index.js';

/** Builds the `laurel` program. Each concern registers its subcommands in src/cli/commands/. */
export function buildProgram(): Command {
  const program = new Command('laurel')
    .description('Laurel: campaign and gamification engine for multi-tier loyalty programs')
    .showHelpAfterError()
    .exitOverride();
  registerCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // help and version are "errors" to commander but successes to the user
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return 0;
      return 2; // usage errors: commander already printed the message and usage
    }
    process.stderr.write(`laurel: ${describeError(err)}\n`);
    return 1;
  }
}
