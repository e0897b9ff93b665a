import { useEffect, useRef, useState } from 'preact/hooks';
import type { RunView } from '../api-types.js';
import { seg } from '../api.js';
import { ErrorBox } from '../components/error-box.js';
import { Gantt } from '../components/gantt.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatSeconds, formatTime, secondsBetween } from '../format.js';
import { href } from '../route.js';
import { useResource } from '../use-resource.js';

/** How often the page reads a run that goes on. */
const POLL_MS = 1000;

const ended = (view: RunView) => view.run.status === 'SUCCEEDED' || view.run.status === 'FAILED';

/**
 * One run: its steps as a timeline, then each step's calls, operation and last error. While
 * the run goes on the page reads it every second and the timeline grows; the run store keeps
 * each step's count of calls and last error, so the calls drawn as ticks are those the page saw.
 */
export function RunPage({ id }: { id: string }) {
  const run = useResource<RunView>(`/v1/runs/${seg(id)}`, { pollMs: POLL_MS, done: ended });
  const calls = useRef(new Map<string, { attempts: number; at: number[] }>());
  const [now, setNow] = useState(Date.now());
  const view = run.data;

  useEffect(() => {
    if (!view) return;
    for (const step of view.steps) {
      const seen = calls.current.get(step.step);
      if (!seen) {
        calls.current.set(step.step, { attempts: step.attempts, at: [Date.parse(step.startedAt)] });
      } else if (step.attempts > seen.attempts) {
        seen.attempts = step.attempts;
        seen.at.push(Date.parse(step.updatedAt));
      }
    }
    setNow(Date.now());
  }, [run.at]);

  const observed = new Map([...calls.current].map(([step, seen]) => [step, seen.at]));
  return (
    <main>
      <p class="crumbs">
        <a href={href.environments()}>Environments</a>
        {view ? (
          <>
            {' / '}
            <a href={href.environment(view.run.environment)}>{view.run.environment}</a>
          </>
        ) : null}{' '}
        / run
      </p>
      <h1>
        Run <code>{id}</code> {view ? <StatusBadge status={view.run.status} /> : null}
      </h1>
      {run.error ? <ErrorBox error={run.error} /> : null}
      {view ? (
        <>
          <p aria-live="polite" data-testid="run-summary">
            {view.run.kind} of {view.run.environment}:{' '}
            {view.steps.filter((s) => s.status === 'DONE').length} of {view.steps.length} steps done
            {view.run.startedAt
              ? `, ${formatSeconds(secondsBetween(view.run.startedAt, view.run.finishedAt, now))}`
              : ''}
            {ended(view) ? '' : ' so far (following live)'}
          </p>
          {view.run.error ? (
            <div class="error" role="alert">
              <strong>{view.run.error.reason}</strong>: {view.run.error.message}
            </div>
          ) : null}
          <Gantt view={view} observed={observed} now={now} />
          <h2>Steps</h2>
          <table class="list" data-testid="steps">
            <thead>
              <tr>
                <th scope="col">step</th>
                <th scope="col">status</th>
                <th scope="col">calls</th>
                <th scope="col">started</th>
                <th scope="col">took</th>
                <th scope="col">operation</th>
                <th scope="col">last error</th>
              </tr>
            </thead>
            <tbody>
              {view.steps.map((step) => (
                <tr data-step={step.step}>
                  <th scope="row">{step.step}</th>
                  <td>
                    <StatusBadge status={step.status} />
                  </td>
                  <td class="number">{step.attempts}</td>
                  <td>{formatTime(step.startedAt)}</td>
                  <td>{formatSeconds(secondsBetween(step.startedAt, step.finishedAt, now))}</td>
                  <td>{step.operation ? <code>{step.operation.name}</code> : '-'}</td>
                  <td>
                    {step.error ? (
                      <>
                        <strong>{step.error.reason}</strong>: {step.error.message}
                      </>
                    ) : (
                      '-'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </main>
  );
}
