/**
 * The benchmark's printed report: a summary row per scenario (medians over the runs) and a
 * per-step table of one representative run. Plain fixed-width text, so it reads in a terminal and
 * pastes into bench/README.md as it is.
 */
import { ENVIRONMENT_GRAPH } from '#shared/plan/graph.js';
import { median, ratios } from './model.js';
import type { RunMeasurement } from './provision.js';

/** The summary table's columns, in order (the smoke test checks every one is printed). */
export const SUMMARY_COLUMNS = [
  'scenario',
  'runs ok',
  'wall s',
  'serial sum s',
  'critical path s',
  'wall/critical',
  'serial/wall',
  'reads',
  'writes',
  'polls',
  'pendings',
  'retries',
  'peak RSS MB',
] as const;

/** The per-step table's columns, in order. */
export const STEP_COLUMNS = [
  'step',
  'model s',
  'critical',
  'started s',
  'finished s',
  'took s',
  'calls',
  'pendings',
  'retries',
  'outcome',
] as const;

const NOT_AVAILABLE = 'n/a';

/** Renders rows under a header, columns padded to their widest cell; numbers align right. */
export function formatTable(header: readonly string[], rows: readonly string[][]): string {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const numeric = (cell: string) => /^[-\d.,]+[x%]?$/.test(cell) || cell === NOT_AVAILABLE;
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? cell.length;
        return column > 0 && numeric(cell) ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const seconds = (value: number | undefined) =>
  value === undefined ? NOT_AVAILABLE : value.toFixed(1);
const times = (value: number | undefined) =>
  value === undefined ? NOT_AVAILABLE : `${value.toFixed(2)}x`;
const count = (value: number | undefined) =>
  value === undefined ? NOT_AVAILABLE : String(Math.round(value));

/** The medians of one scenario's runs, as the summary row shows them. */
export interface ScenarioSummary {
  scenario: string;
  runs: number;
  succeeded: number;
  wallSeconds?: number;
  serialSeconds: number;
  criticalSeconds: number;
  wallOverCritical?: number;
  serialOverWall?: number;
  reads: number;
  writes: number;
  polls: number;
  pendings: number;
  retries: number;
  peakRssMb: number;
}

/** Medians over a scenario's runs; the ratios are taken of the median wall time. */
export function summarizeScenario(runs: readonly RunMeasurement[]): ScenarioSummary {
  const first = runs[0];
  if (!first) throw new RangeError('a scenario summary needs at least one run');
  const of = (pick: (run: RunMeasurement) => number | undefined) => {
    const values = runs.map(pick).filter((value): value is number => value !== undefined);
    return median(values);
  };
  const serialSeconds = of((run) => run.model.serialSeconds) ?? 0;
  const criticalSeconds = of((run) => run.model.critical.seconds) ?? 0;
  const wallSeconds = of((run) => run.wallModelSeconds);
  const headline =
    wallSeconds !== undefined && wallSeconds > 0 && criticalSeconds > 0
      ? ratios(wallSeconds, serialSeconds, criticalSeconds)
      : undefined;
  return {
    scenario: first.scenario,
    runs: runs.length,
    succeeded: runs.filter((run) => run.status === 'succeeded').length,
    ...(wallSeconds !== undefined ? { wallSeconds } : {}),
    serialSeconds,
    criticalSeconds,
    ...(headline
      ? { wallOverCritical: headline.wallOverCritical, serialOverWall: headline.serialOverWall }
      : {}),
    reads: of((run) => run.calls.reads) ?? 0,
    writes: of((run) => run.calls.writes) ?? 0,
    polls: of((run) => run.calls.operationPolls) ?? 0,
    pendings: of((run) => run.pendings) ?? 0,
    retries: of((run) => run.retries) ?? 0,
    peakRssMb: Math.max(...runs.map((run) => run.peakRssBytes)) / 2 ** 20,
  };
}

/** The summary table, one row per scenario. */
export function formatSummary(summaries: readonly ScenarioSummary[]): string {
  return formatTable(
    SUMMARY_COLUMNS,
    summaries.map((s) => [
      s.scenario,
      `${s.succeeded}/${s.runs}`,
      seconds(s.wallSeconds),
      seconds(s.serialSeconds),
      seconds(s.criticalSeconds),
      times(s.wallOverCritical),
      times(s.serialOverWall),
      count(s.reads),
      count(s.writes),
      count(s.polls),
      count(s.pendings),
      count(s.retries),
      s.peakRssMb.toFixed(0),
    ]),
  );
}

/**
 * One run's steps in graph order: the model's seconds, whether the step is on the critical path,
 * and what the runner saw (model seconds from the run's start; n/a at time scale 0).
 */
export function formatSteps(run: RunMeasurement): string {
  const scaled = run.timeScale > 0;
  const onPath = new Set(run.model.critical.steps);
  const rows = ENVIRONMENT_GRAPH.map((node) => {
    const timing = run.timings.get(node.name);
    const started = scaled ? timing?.startedAt : undefined;
    const finished = scaled ? timing?.finishedAt : undefined;
    const took = started !== undefined && finished !== undefined ? finished - started : undefined;
    return [
      node.name,
      seconds(run.model.stepSeconds[node.name]),
      onPath.has(node.name) ? '*' : '',
      seconds(started),
      seconds(finished),
      seconds(took),
      count(timing?.calls ?? 0),
      count(timing?.pendings ?? 0),
      count(timing?.retries ?? 0),
      timing?.outcome ?? 'not run',
    ];
  });
  return formatTable(STEP_COLUMNS, rows);
}
