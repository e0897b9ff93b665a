import { describe, expect, it } from 'vitest';
import { formatRecordedMatrix } from '../../../cli/format/matrix.js';
import { recordedMatrix } from '../../../cli/format/run.js';
import type { RunView } from '../../../cli/progress.js';
import { verifyReachability } from '../../../shared/analysis/index.js';
import { desiredObjects } from '../../../shared/plan/mesh/index.js';
import { reachabilityOutputs } from '../../../shared/steps/tenant-reachability.js';
import { tutorialEnvironment, tutorialTenant } from '../../shared/kube/helpers.js';

const env = tutorialEnvironment();
const tenants = [tutorialTenant('team-x'), tutorialTenant('team-y')];
/** What the tenants step records for the tutorial (the same function builds its outputs). */
const outputs = reachabilityOutputs(verifyReachability(env, tenants, desiredObjects(env, tenants)));

function view(stepOutputs?: Record<string, unknown>): RunView {
  const at = '2026-01-01T00:00:00.000Z';
  return {
    run: { id: 'run-1', status: 'SUCCEEDED' } as RunView['run'],
    steps: [
      {
        step: 'mesh-config',
        status: 'DONE',
        attempts: 1,
        startedAt: at,
        updatedAt: at,
        outputs: { objects: 3 },
      },
      ...(stepOutputs
        ? [
            {
              step: 'tenants' as const,
              status: 'DONE' as const,
              attempts: 1,
              startedAt: at,
              updatedAt: at,
              outputs: stepOutputs as never,
            },
          ]
        : []),
    ],
  };
}

describe('the matrix a run recorded, as up and runs print it', () => {
  it('prints the recorded rows as the matrix table, tenants as columns', () => {
    const text = formatRecordedMatrix(outputs)!;
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^URL +team-x +team-y$/);
    expect(text).toMatch(
      /\nhttp:\/\/example\.com\/ +ALLOWED \(tls-origination\) +DENIED_NO_ROUTE\n/,
    );
    expect(text).toMatch(
      /\nhttp:\/\/httpbin\.org\/status\/418 +DENIED_NO_ROUTE +ALLOWED \(plain-http\)\n/,
    );
    // One line per URL: every recorded row is in the table.
    expect(lines).toHaveLength(
      1 + new Set((outputs.reachability as string[]).map((r) => r.split(' ')[2])).size,
    );
  });

  it('names its source, and is absent when the run has no tenants step record', () => {
    expect(recordedMatrix(view(outputs))).toMatch(
      /^reachability \(recorded by the tenants step from the live cluster\):\nURL +team-x +team-y\n/,
    );
    expect(recordedMatrix(view())).toBeUndefined();
    expect(recordedMatrix(view({ objects: 3 }))).toBeUndefined();
  });

  it('says so when only the ALLOWED rows were recorded, and skips rows it cannot read', () => {
    const text = formatRecordedMatrix({
      reachability: ['team-x POST http://api.example/ ALLOWED tls-origination', 'garbage'],
      reachabilityChecked: 900,
      reachabilityTruncated: true,
    })!;
    expect(text).toContain('POST http://api.example/  ALLOWED (tls-origination)');
    expect(text).toContain('(900 cells checked; only the ALLOWED ones are recorded)');
    expect(text).not.toContain('garbage');
  });

  it('the record of a big environment stays small: only the ALLOWED rows past the limit', () => {
    const rows = Array.from({ length: 1000 }, (_, i) =>
      i % 10 === 0
        ? `t${i} GET http://h${i}.example/ ALLOWED plain-http`
        : `t${i} GET http://h${i}.example/ DENIED_NO_ROUTE`,
    );
    const recorded = reachabilityOutputs({ rows, differences: [] });
    expect(recorded).toMatchObject({
      reachabilityChecked: 1000,
      reachabilityAllowed: 100,
      reachabilityTruncated: true,
    });
    expect(recorded.reachability).toHaveLength(100);
    expect(reachabilityOutputs({ rows: rows.slice(0, 10), differences: [] })).toEqual({
      reachability: rows.slice(0, 10),
      reachabilityChecked: 10,
      reachabilityAllowed: 1,
    });
  });
});
