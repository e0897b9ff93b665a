import { Command, CommanderError } from 'commander';
import { registerCommands } from './commands/index.js';
import { reportAndExit } from './errors.js';

const program = new Command()
  .name('egressctl')
  .description(
    'Egress-controlled, multi-tenant GKE environments: validate, plan, render and provision them.',
  )
  .showHelpAfterError()
  .exitOverride();

registerCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Commander already printed its message; help and version are successes, the rest usage errors.
    process.exit(err.exitCode === 0 ? 0 : 2);
  }
  reportAndExit(err);
}
