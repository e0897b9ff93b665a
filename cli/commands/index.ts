import type { Command } from 'commander';
import { registerCheckCommand } from './check.js';
import { registerMatrixCommand } from './matrix.js';
import { registerSchemaCommand } from './schema.js';
import { registerValidateCommand } from './validate.js';
import { registerPlanCommand } from './plan.js';
import { registerRenderCommand } from './render.js';
import { registerWorkflowsCommand } from './workflows.js';
import { registerDeployCommand } from './deploy.js';
import { registerDiffCommand } from './diff.js';
import { registerDoctorCommand } from './doctor.js';
import { registerHistoryCommand } from './history.js';
import { registerLocalKubeCommand } from './local-kube.js';
import { registerLocalCommand } from './local.js';
import { registerStackClientCommands } from './stack-client.js';
import { registerTenantCommands } from './tenant.js';
import { registerUpCommand } from './up.js';

/**
 * Every egressctl command registers itself here; each lives in its own file under cli/commands/.
 * Add one import and one call per command. Command files never import one another: what several
 * share lives beside this folder (cli/api-client.ts, cli/analysis/, cli/format/, cli/stack.ts). Keep heavy modules (simulators, Google clients)
 * behind dynamic imports in the actions: every command pays for what this file loads.
 */
export function registerCommands(program: Command): void {
  registerValidateCommand(program);
  registerSchemaCommand(program);
  registerPlanCommand(program);
  registerRenderCommand(program);
  registerCheckCommand(program);
  registerMatrixCommand(program);
  registerDiffCommand(program);
  registerWorkflowsCommand(program);
  registerLocalKubeCommand(program);
  registerLocalCommand(program);
  registerStackClientCommands(program);
  registerTenantCommands(program);
  registerHistoryCommand(program);
  registerDeployCommand(program);
  registerDoctorCommand(program);
  // Last: it adds --steps-only to the `up` registered above (or creates `up` when there is none).
  registerUpCommand(program);
}
