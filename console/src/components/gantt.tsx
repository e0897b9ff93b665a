import { criticalPath, ENVIRONMENT_GRAPH, type StepName } from '../../../shared/plan/graph.js';
import type { RunView, StepRecord } from '../api-types.js';
import { formatSeconds, secondsBetween } from '../format.js';

/** Calls of a step the page saw while it followed the run: ms since epoch, per step. */
export type ObservedCalls = ReadonlyMap<string, readonly number[]>;

/** The steps of the environment graph in graph order, then any other recorded step. */
function orderedSteps(view: RunView): StepRecord[] {
  const order = ENVIRONMENT_GRAPH.map((node) => node.name as string);
  return [...view.steps].sort((a, b) => order.indexOf(a.step) - order.indexOf(b.step));
}

/**
 * The critical path of the run as it went: the chain of dependent steps whose recorded
 * durations add up to the longest (running steps count until now).
 */
function criticalSteps(steps: readonly StepRecord[], now: number): Set<string> {
  const durations: Partial<Record<StepName, number>> = {};
  for (const step of steps) {
    durations[step.step as StepName] = Math.max(
      0,
      secondsBetween(step.startedAt, step.finishedAt, now),
    );
  }
  if (steps.length === 0) return new Set();
  return new Set(criticalPath(ENVIRONMENT_GRAPH, durations).steps);
}

function axisTicks(totalSeconds: number): number[] {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600];
  const every = steps.find((s) => totalSeconds / s <= 8) ?? 3600;
  const ticks: number[] = [];
  for (let t = 0; t <= totalSeconds; t += every) ticks.push(t);
  return ticks;
}

/**
 * A run's steps as a Gantt timeline: one bar per step from its first call to its end (to now
 * while it goes on), coloured by status; a tick per call the page saw (each poll of a pending
 * operation, each retry); the critical path outlined; errors written beside the bar.
 */
export function Gantt({
  view,
  observed,
  now,
}: {
  view: RunView;
  observed: ObservedCalls;
  now: number;
}) {
  const steps = orderedSteps(view);
  const starts = steps.map((s) => Date.parse(s.startedAt));
  const origin = Math.min(
    Date.parse(view.run.startedAt ?? view.run.createdAt),
    ...(starts.length ? starts : [now]),
  );
  const ends = steps.map((s) => (s.finishedAt ? Date.parse(s.finishedAt) : now));
  const end = view.run.finishedAt
    ? Math.max(Date.parse(view.run.finishedAt), ...ends)
    : Math.max(now, ...ends);
  const total = Math.max(1, (end - origin) / 1000);
  const at = (ms: number) => `${Math.max(0, Math.min(100, ((ms - origin) / 1000 / total) * 100))}%`;
  const critical = criticalSteps(steps, now);
  // A provision run going on calls every step of the graph: those not called yet are listed.
  const waiting =
    view.run.kind === 'provision' && !view.run.finishedAt
      ? ENVIRONMENT_GRAPH.map((n) => n.name as string).filter(
          (name) => !steps.some((s) => s.step === name),
        )
      : [];

  return (
    <figure class="gantt" aria-label="Run timeline">
      <div class="gantt-axis" aria-hidden="true">
        {axisTicks(total).map((t) => (
          <span style={{ left: `${(t / total) * 100}%` }}>{formatSeconds(t)}</span>
        ))}
      </div>
      <ol class="gantt-rows">
        {steps.map((step) => {
          const from = Date.parse(step.startedAt);
          const to = step.finishedAt ? Date.parse(step.finishedAt) : now;
          const calls = observed.get(step.step) ?? [];
          const label = `${step.step}: ${step.status}, ${formatSeconds((to - from) / 1000)}, ${step.attempts} call${step.attempts === 1 ? '' : 's'}${critical.has(step.step) ? ', on the critical path' : ''}${step.error ? `, ${step.error.reason ?? 'error'}: ${step.error.message ?? ''}` : ''}`;
          return (
            <li
              class="gantt-row"
              data-step={step.step}
              data-status={step.status}
              aria-label={label}
            >
              <span class="gantt-name">
                {step.step}
                {critical.has(step.step) ? <abbr title="on the critical path"> ★</abbr> : null}
              </span>
              <span class="gantt-track">
                <span
                  class={`gantt-bar bar-${step.status.toLowerCase()}${critical.has(step.step) ? ' critical' : ''}`}
                  style={{ left: at(from), width: `max(3px, calc(${at(to)} - ${at(from)}))` }}
                  title={label}
                />
                {calls.map((call) => (
                  <span class="gantt-call" style={{ left: at(call) }} title="a call of the step" />
                ))}
              </span>
              <span class="gantt-note">
                {formatSeconds((to - from) / 1000)} · {step.attempts} call
                {step.attempts === 1 ? '' : 's'}
                {step.error ? <span class="gantt-error"> · {step.error.reason}</span> : null}
              </span>
            </li>
          );
        })}
        {waiting.map((name) => (
          <li
            class="gantt-row"
            data-step={name}
            data-status="WAITING"
            aria-label={`${name}: not started`}
          >
            <span class="gantt-name">{name}</span>
            <span class="gantt-track" />
            <span class="gantt-note">not started</span>
          </li>
        ))}
      </ol>
      <figcaption>
        {formatSeconds(total)} from the first call{view.run.finishedAt ? '' : ' so far'}; ★ the
        critical path as the steps took; ticks are the calls this page saw.
      </figcaption>
    </figure>
  );
}
