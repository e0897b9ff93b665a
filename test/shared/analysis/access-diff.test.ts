import { describe, expect, it } from 'vitest';
import { accessDiff, formatAccessChange } from '../../../shared/analysis/index.js';
import { desiredFirewalls } from '../../../shared/plan/gcp/compute.js';
import { desiredObjects } from '../../../shared/plan/mesh/index.js';
import { objectDiff } from '../../../shared/plan/object-diff.js';
import type { Tenant } from '../../../shared/spec/index.js';
import { tutorialEnvironment, tutorialTenant } from '../kube/helpers.js';

const env = tutorialEnvironment();
const firewalls = desiredFirewalls(env);
const state = (tenants: Tenant[]) => ({
  objects: desiredObjects(env, tenants),
  firewalls,
  tenants,
});

/** team-y with its one path widened, as issue 19's acceptance widens it. */
function widenedTeamY(): Tenant {
  const y = tutorialTenant('team-y');
  return {
    ...y,
    spec: {
      ...y.spec,
      egress: y.spec.egress.map((rule) => ({ ...rule, paths: ['/anything*'] })),
    },
  };
}

describe('who gains or loses access (accessDiff)', () => {
  it('finds nothing between a state and itself', () => {
    const tenants = [tutorialTenant('team-x'), tutorialTenant('team-y')];
    expect(accessDiff(env, state(tenants), state(tenants))).toEqual([]);
  });

  it('names the cell team-y gains and the one it loses when its path is widened, with the deciding object', () => {
    const before = [tutorialTenant('team-x'), tutorialTenant('team-y')];
    const after = [tutorialTenant('team-x'), widenedTeamY()];
    const changes = accessDiff(env, state(before), state(after));
    expect(changes.map((c) => [c.change, c.probe.tenant, c.probe.method, c.probe.url])).toEqual([
      ['lost', 'team-y', 'GET', 'http://httpbin.org/status/418'],
      ['gained', 'team-y', 'GET', 'http://httpbin.org/anythingprobe'],
    ]);
    const gained = changes[1]!;
    expect(gained.to).toMatchObject({ verdict: 'ALLOWED', via: 'plain-http' });
    expect(gained.from.verdict).not.toBe('ALLOWED');
    expect(formatAccessChange(gained)).toMatch(
      /^gained {2}team-y GET http:\/\/httpbin\.org\/anythingprobe: DENIED_\w+ → ALLOWED plain-http \(decided by AuthorizationPolicy\/[^)]+\)$/,
    );
  });

  it('lists everything an offboarded tenant loses', () => {
    const before = [tutorialTenant('team-x'), tutorialTenant('team-y')];
    const after = [tutorialTenant('team-x'), tutorialTenant('team-y', 'absent')];
    const changes = accessDiff(env, state(before), state(after));
    expect(changes.length).toBeGreaterThan(0);
    expect(new Set(changes.map((c) => `${c.change} ${c.probe.tenant}`))).toEqual(
      new Set(['lost team-y']),
    );
  });
});

describe('what an apply would do to the managed objects (objectDiff)', () => {
  const before = desiredObjects(env, [tutorialTenant('team-x'), tutorialTenant('team-y')]);

  it('finds nothing when the live objects are the desired ones, server fields and all', () => {
    const live = before.map((o) => ({
      ...o,
      metadata: { ...o.metadata, uid: 'u-1', resourceVersion: '7', creationTimestamp: 'now' },
      status: { observed: true },
    }));
    expect(objectDiff('tutorial', live, before)).toEqual([]);
  });

  it('lists the changed fields of an updated object, objects to create and to prune', () => {
    const after = desiredObjects(env, [tutorialTenant('team-x'), widenedTeamY()]);
    const changes = objectDiff('tutorial', before, after);
    const updates = changes.filter((c) => c.action === 'update');
    expect(updates.length).toBeGreaterThan(0);
    expect(updates.flatMap((c) => c.fields ?? [])).toContainEqual(
      expect.objectContaining({ to: '/anything*' }),
    );
    // Offboarding team-y: its objects are pruned; nobody else's would be.
    const pruned = objectDiff(
      'tutorial',
      [
        ...before,
        {
          apiVersion: 'v1',
          kind: 'ConfigMap',
          metadata: { name: 'theirs', namespace: 'team-y' },
        },
      ],
      desiredObjects(env, [tutorialTenant('team-x')]),
    );
    expect(pruned.some((c) => c.action === 'delete' && c.object === 'Namespace/team-y')).toBe(true);
    expect(pruned.some((c) => c.object.includes('theirs'))).toBe(false);
    expect(objectDiff('tutorial', [], before).every((c) => c.action === 'create')).toBe(true);
  });
});
