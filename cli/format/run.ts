import { stepLine, type RunView } from '../progress.js';
import { formatRecordedMatrix } from './matrix.js';

/** The failing step of a run: from its FAILED step record, or the `step X:` of its error. */
export function failingStep(view: RunView): string | undefined {
  const failed = view.steps.find((s) => s.status === 'FAILED');
  if (failed) return failed.step;
  return /^step ([a-z-]+):/.exec(view.run.error?.message ?? '')?.[1];
}

/** The end of a run in words: status, and for a failure the step, reason, field and message. */
export function runOutcome(view: RunView): string {
  const { run } = view;
  if (run.status !== 'FAILED') return `run ${run.id} ${run.status}\n`;
  const step = failingStep(view);
  const record = view.steps.find((s) => s.step === step);
  const error = record?.error ?? run.error;
  return (
    `run ${run.id} FAILED\n` +
    `  step:     ${step ?? '(unknown)'}\n` +
    `  reason:   ${error?.reason ?? run.error?.reason ?? 'unknown'}\n` +
    (error?.field ? `  resource: ${error.field}\n` : '') +
    `  message:  ${error?.message ?? run.error?.message ?? ''}\n`
  );
}

/**
 * The reachability matrix the run's tenants step recorded after its apply (read from the live
 * cluster), with its heading; undefined when the run has none (no tenants step done yet).
 */
export function recordedMatrix(view: RunView): string | undefined {
  const table = formatRecordedMatrix(view.steps.find((s) => s.step === 'tenants')?.outputs);
  return table && `reachability (recorded by the tenants step from the live cluster):\n${table}`;
}

/** A run as `egressctl runs` prints it: header, one line per step, outcome, recorded matrix. */
export function formatRun(view: RunView, timeScale?: number): string {
  const { run } = view;
  const recorded = recordedMatrix(view);
  return (
    `run ${run.id}  ${run.kind}  environment ${run.environment}  ${run.status}\n` +
    `created ${run.createdAt}${run.finishedAt ? `  finished ${run.finishedAt}` : ''}\n` +
    view.steps.map((s) => `  ${stepLine(s, timeScale)}\n`).join('') +
    (run.status === 'FAILED' ? runOutcome(view) : '') +
    (recorded ? `\n${recorded}` : '')
  );
}
