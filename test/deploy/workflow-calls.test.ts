import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { googleMethodOfUrl, workflowCalls } from '../../deploy/workflow-calls.js';
import { ROOT } from './inputs.js';

async function callsOf(file: string) {
  return workflowCalls(file, parse(await readFile(join(ROOT, 'workflows', file), 'utf8')));
}

describe('the calls a workflow makes as its account (deploy/workflow-calls.ts)', () => {
  it('finds the teardown hand-over of provision-environment, and every function it invokes', async () => {
    const calls = await callsOf('provision-environment.yaml');
    expect(calls.google).toEqual([
      {
        where: 'workflows/provision-environment.yaml main.hand_over_to_teardown',
        method: 'workflowexecutions.projects.locations.workflows.executions.create',
      },
    ]);
    expect(calls.unreadable).toEqual([]);
    expect(calls.functions).toEqual([
      'finalize',
      'step-cluster',
      'step-dns',
      'step-firewalls',
      'step-iam',
      'step-mesh',
      'step-mesh-config',
      'step-nat',
      'step-network',
      'step-tenants',
    ]);
  });

  it('finds no Google call in teardown-environment and reconcile-tenants', async () => {
    for (const file of ['teardown-environment.yaml', 'reconcile-tenants.yaml']) {
      const calls = await callsOf(file);
      expect(calls.google, file).toEqual([]);
      expect(calls.unreadable, file).toEqual([]);
      expect(calls.functions, file).toContain('finalize');
    }
  });

  it('names a connector call by its method, and an OIDC call it cannot read as unreadable', () => {
    const calls = workflowCalls('x.yaml', {
      main: {
        steps: [
          {
            a: {
              call: 'googleapis.workflowexecutions.v1.projects.locations.workflows.executions.create',
            },
          },
          { b: { try: { call: 'http.post', args: { url: '${target}', auth: { type: 'OIDC' } } } } },
        ],
      },
    });
    expect(calls.google).toEqual([
      {
        where: 'workflows/x.yaml main.a',
        method: 'workflowexecutions.projects.locations.workflows.executions.create',
      },
    ]);
    expect(calls.unreadable).toEqual(['workflows/x.yaml main.b: OIDC call to ${target}']);
  });

  it('maps an Executions API URL only for a POST to .../workflows/NAME/executions', () => {
    const url =
      '${sys.get_env("WORKFLOW_EXECUTIONS_URL", "https://workflowexecutions.googleapis.com") + "/v1/projects/" + p + "/workflows/teardown-environment/executions"}';
    expect(googleMethodOfUrl('post', url)).toBe(
      'workflowexecutions.projects.locations.workflows.executions.create',
    );
    expect(googleMethodOfUrl('get', url)).toBeUndefined();
    expect(googleMethodOfUrl('post', 'https://example.com/x')).toBeUndefined();
  });
});
