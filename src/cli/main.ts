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
      // --help and --version exit 0; every usage error (commander printed it with the usage) is 2
      return err.exitCode === 0 ? 0 : 2;
    }
    process.stderr.write(`laurel: ${describeError(err)}\n`);
    return 1;
  }
}
