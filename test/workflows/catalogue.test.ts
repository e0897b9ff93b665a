// The Workflows YAML is hand-laid and committed (it is what deploys and what reviewers read);
// this test holds it to the step catalogue: it derives each workflow's step calls, their
// families and their order from the YAML and compares them with shared/plan/graph.ts.
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  ENVIRONMENT_GRAPH,
  ENVIRONMENT_STEPS,
  familyOf,
  reverseGraph,
  type StepGraph,
  type StepName,
} from '../../shared/plan/graph.js';
import { workflowSource } from './run-definition.js';

/** One `call: run_step` of a workflow's main flow. */
interface StepCall {
  step: string;
  family: string;
  /** Steps whose call has certainly ended before this one starts (sequence and branch joins). */
  after: ReadonlySet<string>;
}

type YamlStep = Record<string, unknown>;

const isMap = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Walks a list of steps in order, recording every run_step call with what ended before it: a
 * sequence runs one after the other; the branches of a `parallel` start together and join at
 * its end; a `try` runs its steps in sequence (its `except` only on failure, so it is skipped).
 * `switch` cases are conditional: their calls are recorded but never count as ended after them.
 */
function walk(steps: unknown, ended: Set<string>, calls: StepCall[]): Set<string> {
  if (!Array.isArray(steps)) return ended;
  let done = new Set(ended);
  for (const entry of steps as YamlStep[]) {
    const body = Object.values(entry)[0];
    if (!isMap(body)) continue;
    done = walkStep(body, done, calls);
  }
  return done;
}

function walkStep(body: Record<string, unknown>, ended: Set<string>, calls: StepCall[]) {
  if (body.call === 'run_step' && isMap(body.args)) {
    const { step, family } = body.args as { step: string; family: string };
    calls.push({ step, family, after: new Set(ended) });
    return new Set([...ended, step]);
  }
  if (isMap(body.parallel)) {
    const joined = new Set(ended);
    for (const branch of (body.parallel.branches ?? []) as YamlStep[]) {
      const branchBody = Object.values(branch)[0];
      if (isMap(branchBody))
        for (const step of walk(branchBody.steps, ended, calls)) joined.add(step);
    }
    return joined;
  }
  if (isMap(body.try)) return walk(body.try.steps, ended, calls);
  if (Array.isArray(body.switch)) {
    for (const option of body.switch as unknown[])
      if (isMap(option)) walk(option.steps, ended, calls);
    return ended;
  }
  return walk(body.steps, ended, calls);
}

/** The run_step calls of a workflow's main flow. */
function mainCalls(source: string): StepCall[] {
  const document = parse(source) as Record<string, { steps?: unknown }>;
  const calls: StepCall[] = [];
  walk(document.main?.steps, new Set(), calls);
  return calls;
}

/** Every `run_step` call anywhere in the file (subworkflows too), as step and family. */
function everyCall(source: string): Array<{ step: string; family: string }> {
  const found: Array<{ step: string; family: string }> = [];
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (isMap(value)) {
      if (value.call === 'run_step' && isMap(value.args)) {
        found.push({ step: String(value.args.step), family: String(value.args.family) });
      }
      Object.values(value).forEach(visit);
    }
  };
  visit(parse(source));
  return found;
}

/**
 * What differs between a workflow and the graph it should follow: the steps it runs must be
 * exactly `expected`, each called once in its main flow, through its family's function, and
 * only after every step it depends on (among those the workflow runs) has ended.
 */
function catalogueProblems(
  source: string,
  graph: StepGraph,
  expected: readonly StepName[],
): string[] {
  const problems: string[] = [];
  const calls = mainCalls(source);
  const called = calls.map((c) => c.step);
  for (const step of expected) {
    const count = called.filter((s) => s === step).length;
    if (count !== 1) problems.push(`${step} is called ${count} times, not once`);
  }
  for (const step of called) {
    if (!expected.includes(step as StepName)) problems.push(`${step} is not a step it runs`);
  }
  for (const { step, family } of everyCall(source)) {
    if (!ENVIRONMENT_STEPS.includes(step as StepName)) continue;
    const wanted = familyOf(step as StepName);
    if (family !== wanted) problems.push(`${step} is called with family ${family}, not ${wanted}`);
  }
  for (const call of calls) {
    const node = graph.find((n) => n.name === call.step);
    for (const dep of node?.dependsOn ?? []) {
      if (expected.includes(dep) && !call.after.has(dep)) {
        problems.push(`${call.step} may start before ${dep} has ended`);
      }
    }
  }
  return problems;
}

const WORKFLOWS: ReadonlyArray<{ file: string; graph: StepGraph; steps: readonly StepName[] }> = [
  { file: 'provision-environment.yaml', graph: ENVIRONMENT_GRAPH, steps: ENVIRONMENT_STEPS },
  {
    file: 'teardown-environment.yaml',
    graph: reverseGraph(ENVIRONMENT_GRAPH),
    steps: ENVIRONMENT_STEPS,
  },
  // Tenant events reapply the tenants alone: their dependencies were provisioned before.
  { file: 'reconcile-tenants.yaml', graph: ENVIRONMENT_GRAPH, steps: ['tenants'] },
];

describe('the workflows against the step catalogue', () => {
  for (const { file, graph, steps } of WORKFLOWS) {
    it(`${file} runs its steps once each, through their families, after their dependencies`, () => {
      expect(catalogueProblems(workflowSource(file), graph, steps)).toEqual([]);
    });
  }

  it('provision-environment runs independent steps in parallel where the graph allows', () => {
    const calls = mainCalls(workflowSource('provision-environment.yaml'));
    const after = (step: string) => calls.find((c) => c.step === step)!.after;
    // nat runs beside the cluster's branch, not before it, and the three foundation steps together.
    expect(after('nat').has('subnet')).toBe(false);
    expect(after('cluster').has('nat')).toBe(false);
    expect(after('network').has('service-accounts')).toBe(false);
    expect(after('fleet-mesh').has('network')).toBe(false);
  });

  describe('fails on a workflow that strays from the graph', () => {
    const source = workflowSource('provision-environment.yaml');
    const problems = (text: string) =>
      catalogueProblems(text, ENVIRONMENT_GRAPH, ENVIRONMENT_STEPS);

    it('a step left out', () => {
      const without = source.replace(/step: private-dns$/m, 'step: subnet');
      expect(without).not.toBe(source);
      expect(problems(without)).toEqual(
        expect.arrayContaining([
          'private-dns is called 0 times, not once',
          'subnet is called 2 times, not once',
        ]),
      );
    });

    it('a step called through another family', () => {
      const wrong = source.replace(/family: nat(\s+step: nat)$/m, 'family: network$1');
      expect(wrong).not.toBe(source);
      expect(problems(wrong)).toEqual(['nat is called with family network, not nat']);
    });

    it('a step started before one it depends on', () => {
      // The foundation's network and the platform's nat exchange places: nat now runs beside
      // the network it needs.
      const swapped = source
        .replace(/family: network(\s+)step: network$/m, 'family: PLACEHOLDER$1step: PLACEHOLDER')
        .replace(/family: nat(\s+)step: nat$/m, 'family: network$1step: network')
        .replace(/family: PLACEHOLDER(\s+)step: PLACEHOLDER$/m, 'family: nat$1step: nat');
      expect(problems(swapped)).toEqual(
        expect.arrayContaining(['nat may start before network has ended']),
      );
    });
  });
});
