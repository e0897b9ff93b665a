import type { Command } from 'commander';
import { planEnvironment, type EnvironmentPlan } from '#shared/plan/index.js';
import type { Environment } from '#shared/spec/index.js';
import { invalidInput } from '../errors.js';
import { outputFormatOption } from '../options.js';
import { loadValidSpecs } from '../load-specs.js';

/** Reads and validates the files as one set (tenants too); a plan needs at least one Environment. */
async function loadEnvironments(paths: readonly string[]): Promise<Environment[]> {
  const { environments } = await loadValidSpecs(paths);
  if (environments.length > 0) return environments;
  throw invalidInput(['no Environment document in the given files: a plan needs one']);
}

function formatSeconds(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  const rest = Math.round(seconds % 60);
  return minutes > 0 ? `${minutes} min ${rest} s` : `${rest} s`;
}

/** The plan as a person reads it: steps, what each creates, concurrent layers, critical path. */
export function renderPlanText(plan: EnvironmentPlan): string {
  const width = Math.max(...plan.steps.map((step) => step.name.length));
  const lines = [`Environment ${plan.environment} (project ${plan.project})`, '', 'Steps:'];
  for (const step of plan.steps) {
    const after = step.dependsOn.length > 0 ? `after ${step.dependsOn.join(', ')}` : 'first';
    lines.push(`  ${step.name.padEnd(width)}  ${after}`);
    lines.push(`  ${''.padEnd(width)}  ${step.description} [${step.api}]`);
    for (const request of step.creates) {
      lines.push(`  ${''.padEnd(width)}    + ${request.kind} ${request.name}`);
    }
  }
  lines.push('', 'Concurrent layers:');
  plan.layers.forEach((layer, index) => lines.push(`  ${index + 1}. ${layer.join(', ')}`));
  lines.push(
    '',
    `Critical path (typical durations): ${plan.criticalPath.steps.join(' -> ')}` +
      ` ~ ${formatSeconds(plan.criticalPath.duration)}`,
  );
  return `${lines.join('\n')}\n`;
}

/** `egressctl plan -f FILE... [-o text|json]`. */
export function registerPlanCommand(program: Command): void {
  program
    .command('plan')
    .description(
      'Show the steps that provision each Environment, their order and concurrency, and the exact Google API requests they make',
    )
    .requiredOption('-f, --file <path...>', 'spec files (YAML, several documents each allowed)')
    .addOption(outputFormatOption(['text', 'json'], 'text'))
    .action(async (options: { file: string[]; output: 'text' | 'json' }) => {
      const environments = await loadEnvironments(options.file);
      const plans = environments.map(planEnvironment);
      if (options.output === 'json') {
        process.stdout.write(`${JSON.stringify(plans, null, 2)}\n`);
      } else {
        process.stdout.write(plans.map(renderPlanText).join('\n'));
      }
    });
}
