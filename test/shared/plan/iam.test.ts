import { describe, expect, it } from 'vitest';
import {
  IAM_POLICY_VERSION,
  desiredProjectBindings,
  mergeBindings,
  removeBindings,
  setIamPolicyBody,
  type IamPolicy,
} from '../../../shared/plan/gcp/iam.js';
import { environmentWith, tutorialEnvironment } from './helpers.js';

const env = tutorialEnvironment();
const desired = desiredProjectBindings(env);
const APP = 'serviceAccount:sa-application-nodes@tutorial-project.iam.gserviceaccount.com';
const GW = 'serviceAccount:sa-gateway-nodes@tutorial-project.iam.gserviceaccount.com';

const othersPolicy = (): IamPolicy => ({
  version: 1,
  etag: 'BwYabc=',
  auditConfigs: [{ service: 'allServices', auditLogConfigs: [{ logType: 'DATA_READ' }] }],
  bindings: [
    { role: 'roles/owner', members: ['user:alice@example.com'] },
    { role: 'roles/logging.logWriter', members: ['user:bob@example.com'] },
    {
      role: 'roles/storage.objectViewer',
      members: [APP],
      condition: {
        title: 'temporary',
        expression: 'request.time < timestamp("2030-01-01T00:00:00Z")',
      },
    },
  ],
});

describe('desired project bindings', () => {
  it('are every role for both node service accounts, as one sorted set', () => {
    expect(desired).toHaveLength(8);
    expect(desired.slice(0, 2)).toEqual([
      { role: 'roles/logging.logWriter', member: APP },
      { role: 'roles/logging.logWriter', member: GW },
    ]);
    const sorted = [...desired].sort(
      (a, b) => a.role.localeCompare(b.role) || a.member.localeCompare(b.member),
    );
    expect(desired).toEqual(sorted);
  });

  it('follow the spec: roles and account IDs', () => {
    const custom = environmentWith({
      nodeServiceAccounts: {
        application: 'app-nodes',
        gateway: 'gw-nodes',
        roles: ['roles/a.b', 'roles/a.b'],
      },
    });
    expect(desiredProjectBindings(custom)).toEqual([
      {
        role: 'roles/a.b',
        member: 'serviceAccount:app-nodes@my-project-1.iam.gserviceaccount.com',
      },
      { role: 'roles/a.b', member: 'serviceAccount:gw-nodes@my-project-1.iam.gserviceaccount.com' },
    ]);
  });
});

describe('mergeBindings', () => {
  it("adds the environment's members and never drops others' bindings, conditions or audit configs", () => {
    const { policy, changed } = mergeBindings(othersPolicy(), desired);
    expect(changed).toBe(true);
    expect(policy.version).toBe(IAM_POLICY_VERSION);
    expect(policy.etag).toBe('BwYabc=');
    expect(policy.auditConfigs).toEqual(othersPolicy().auditConfigs);
    expect(policy.bindings).toEqual([
      { role: 'roles/logging.logWriter', members: [APP, GW, 'user:bob@example.com'] },
      { role: 'roles/monitoring.metricWriter', members: [APP, GW] },
      { role: 'roles/monitoring.viewer', members: [APP, GW] },
      { role: 'roles/owner', members: ['user:alice@example.com'] },
      { role: 'roles/storage.objectViewer', members: [APP, GW] },
      othersPolicy().bindings?.[2],
    ]);
  });

  it('is idempotent: merging again changes nothing', () => {
    const once = mergeBindings(othersPolicy(), desired).policy;
    const twice = mergeBindings(once, desired);
    expect(twice.changed).toBe(false);
    expect(twice.policy).toEqual(once);
  });

  it('reports no change when the members are already there in another order', () => {
    const policy: IamPolicy = {
      etag: 'e',
      bindings: [...new Set(desired.map((d) => d.role))]
        .reverse()
        .map((role) => ({ role, members: [GW, APP] })),
    };
    expect(mergeBindings(policy, desired).changed).toBe(false);
  });

  it('handles an empty policy', () => {
    const { policy, changed } = mergeBindings({ etag: 'ACAB' }, desired);
    expect(changed).toBe(true);
    expect(policy.bindings).toHaveLength(4);
    expect(setIamPolicyBody(policy)).toEqual({ policy, updateMask: 'bindings,etag' });
  });
});

describe('removeBindings', () => {
  it("removes only the environment's members; conditional bindings and others stay", () => {
    const merged = mergeBindings(othersPolicy(), desired).policy;
    const { policy, changed } = removeBindings(merged, desired);
    expect(changed).toBe(true);
    expect(policy.etag).toBe('BwYabc=');
    expect(policy.bindings).toEqual([
      { role: 'roles/logging.logWriter', members: ['user:bob@example.com'] },
      { role: 'roles/owner', members: ['user:alice@example.com'] },
      othersPolicy().bindings?.[2],
    ]);
    expect(removeBindings(policy, desired).changed).toBe(false);
  });
});
