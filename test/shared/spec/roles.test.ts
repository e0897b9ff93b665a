import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  parseEnvironment,
  parseTenant,
  SpecValidationError,
  type SpecError,
} from '../../../shared/spec/index.js';
import {
  closestPredefinedRole,
  isCustomRoleName,
  isPredefinedRole,
} from '../../../shared/spec/roles.js';

/**
 * Roles a spec names must exist (issue 17, validation fidelity). Source of the rule: IAM answers
 * 400 "Role roles/X is not supported for this resource." to a binding naming a role that is not
 * one of Google's predefined roles (https://cloud.google.com/iam/docs/roles-permissions lists
 * them; the generated list and its origin are in shared/spec/data/SOURCE.md).
 */

const API_VERSION = 'egress.provisioner.dev/v1alpha1';
const BUCKET = '//storage.googleapis.com/projects/_/buckets/tutorial-project-bucket';

const environmentDoc = (spec: Record<string, unknown> = {}) => ({
  apiVersion: API_VERSION,
  kind: 'Environment',
  metadata: { name: 'tutorial' },
  spec: { project: 'tutorial-project', region: 'us-central1', zone: 'us-central1-a', ...spec },
});

function errorsOf(parse: () => unknown): SpecError[] {
  try {
    parse();
  } catch (error) {
    if (error instanceof SpecValidationError) return error.errors;
    throw error;
  }
  return [];
}

describe('IAM roles named by specs', () => {
  it('knows the predefined roles the product and the tutorial use, and no typo', () => {
    for (const role of [
      'roles/storage.objectViewer',
      'roles/logging.logWriter',
      'roles/monitoring.metricWriter',
      'roles/iam.workloadIdentityUser',
      'roles/container.admin',
    ]) {
      expect(isPredefinedRole(role)).toBe(true);
    }
    expect(isPredefinedRole('roles/storage.objectViwer')).toBe(false);
    expect(closestPredefinedRole('roles/storage.objectViwer')).toBe('roles/storage.objectViewer');
    expect(isCustomRoleName('projects/p/roles/egressProvisionerSteps')).toBe(true);
    expect(isCustomRoleName('organizations/123/roles/custom.viewer')).toBe(true);
    expect(isCustomRoleName('roles/x')).toBe(false);
  });

  it('keeps the generated list sorted, unique and documented', () => {
    const names = JSON.parse(
      readFileSync(
        new URL('../../../shared/spec/data/predefined-roles.json', import.meta.url),
        'utf8',
      ),
    ) as string[];
    expect(names.length).toBeGreaterThan(2000);
    expect([...new Set(names)].sort()).toEqual(names);
    const source = readFileSync(
      new URL('../../../shared/spec/data/SOURCE.md', import.meta.url),
      'utf8',
    );
    expect(source).toMatch(/iann0036\/iam-dataset/);
    expect(source).toMatch(/Commit: `[0-9a-f]{40}`/);
    expect(source).toMatch(/MIT/);
  });

  it("refuses an unknown role in the environment's grant policy and node roles", () => {
    const errors = errorsOf(() =>
      parseEnvironment(
        environmentDoc({
          tenancy: {
            grants: [
              {
                roles: ['roles/storage.objectViewer', 'roles/storage.objectViwer'],
                resources: [BUCKET],
              },
            ],
          },
          nodeServiceAccounts: { roles: ['roles/logging.logWriter', 'roles/nonexistent.role'] },
        }),
      ),
    );
    expect(errors.filter((e) => e.rule === 'unknown-role')).toEqual([
      {
        path: 'spec.nodeServiceAccounts.roles[1]',
        rule: 'unknown-role',
        message: expect.stringContaining('"roles/nonexistent.role" is not a predefined'),
      },
      {
        path: 'spec.tenancy.grants[0].roles[1]',
        rule: 'unknown-role',
        message:
          '"roles/storage.objectViwer" is not a predefined Google Cloud IAM role; did you mean "roles/storage.objectViewer"?',
      },
    ]);
  });

  it("refuses an unknown role in a tenant's workload identity grant", () => {
    const errors = errorsOf(() =>
      parseTenant({
        apiVersion: API_VERSION,
        kind: 'Tenant',
        metadata: { name: 'team-x' },
        spec: {
          environment: 'tutorial',
          workloadIdentity: [
            {
              kubernetesServiceAccount: 'app',
              googleServiceAccount: 'sa-team-x-app',
              grants: [
                { role: 'roles/storage.objectViewer', resource: BUCKET },
                { role: 'roles/storage.objectViwer', resource: BUCKET },
              ],
            },
          ],
        },
      }),
    );
    expect(errors).toEqual([
      {
        path: 'spec.workloadIdentity[0].grants[1].role',
        rule: 'unknown-role',
        message:
          '"roles/storage.objectViwer" is not a predefined Google Cloud IAM role; did you mean "roles/storage.objectViewer"?',
      },
    ]);
  });
});
