import type { Command } from 'commander';

/**
 * Every egressctl command registers itself here; each lives in its own file under cli/commands/.
 * Add one import and one call per command.
 */
export function registerCommands(program: Command): void {
  void program;
}
