import { describe, expect, it } from 'vitest';
import {
  gatewayUnavailableReason,
  isRevisionReady,
  removalResult,
} from '../../../../shared/steps/mesh-config.js';
import {
  desiredWorkloadIdentity,
  serviceAccountMarker,
} from '../../../../shared/steps/tenant-identities.js';
import { emptyApplyReport, type LiveObject } from '../../../../shared/kube/index.js';
import { tutorialEnvironment, tutorialTenant } from './helpers.js';

const env = tutorialEnvironment();

function deployment(generation: number, status?: Record<string, unknown>): LiveObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'gw', namespace: 'istio-egress', generation },
    ...(status ? { status } : {}),
  };
}

describe('mesh-config decisions', () => {
  it('reads REVISION_READY from the mesh-ready outputs', () => {
    expect(isRevisionReady(undefined)).toBe(false);
    expect(isRevisionReady({})).toBe(false);
    expect(isRevisionReady({ revisionReady: true })).toBe(true);
    expect(isRevisionReady({ revisionReady: false })).toBe(false);
    expect(isRevisionReady({ controlPlaneState: 'REVISION_READY' })).toBe(true);
    expect(isRevisionReady({ controlPlaneState: 'PROVISIONING' })).toBe(false);
    // What shared/steps/mesh-ready.ts's ensureMeshReady outputs once REVISION_READY.
    expect(
      isRevisionReady({
        membership: 'projects/p/locations/global/memberships/c',
        controlPlaneState: 'ACTIVE',
      }),
    ).toBe(true);
  });

  it('judges the gateway available from the controller status of the current generation', () => {
    expect(gatewayUnavailableReason(undefined)).toBe('the Deployment does not exist');
    expect(gatewayUnavailableReason(deployment(2))).toBe(
      'the deployment controller has not observed generation 2 yet',
    );
    expect(
      gatewayUnavailableReason(deployment(2, { observedGeneration: 1, availableReplicas: 2 })),
    ).toMatch(/generation 2/);
    expect(
      gatewayUnavailableReason(
        deployment(2, {
          observedGeneration: 2,
          conditions: [
            { type: 'Available', status: 'False', message: 'MinimumReplicasUnavailable' },
          ],
        }),
      ),
    ).toBe('Available=False: MinimumReplicasUnavailable');
    expect(
      gatewayUnavailableReason(
        deployment(2, {
          observedGeneration: 2,
          conditions: [{ type: 'Available', status: 'True' }],
        }),
      ),
    ).toBeUndefined();
    expect(
      gatewayUnavailableReason(deployment(2, { observedGeneration: 2, availableReplicas: 1 })),
    ).toBeUndefined();
    expect(gatewayUnavailableReason(deployment(2, { observedGeneration: 2 }))).toBe(
      'no replica is available',
    );
  });

  it('is done with a removal only when nothing was left to delete', () => {
    const report = emptyApplyReport();
    expect(removalResult(report, 'mesh')).toEqual({ status: 'done', outputs: { released: [] } });
    expect(removalResult({ ...report, terminating: ['Namespace//a'] }, 'mesh')).toMatchObject({
      status: 'pending',
    });
  });
});

describe('desiredWorkloadIdentity', () => {
  it('derives accounts, Workload Identity bindings and grants of present tenants only', () => {
    const wanted = desiredWorkloadIdentity(env, [
      tutorialTenant('team-x'),
      tutorialTenant('team-y'),
    ]);
    const email = 'sa-test-app-team-x@tutorial-project.iam.gserviceaccount.com';
    expect([...wanted.accounts.entries()]).toEqual([
      [email, { accountId: 'sa-test-app-team-x', tenant: 'team-x' }],
    ]);
    expect(Object.fromEntries(wanted.bindings)).toEqual({
      [`//iam.googleapis.com/projects/tutorial-project/serviceAccounts/${email}`]: [
        {
          role: 'roles/iam.workloadIdentityUser',
          member: 'serviceAccount:tutorial-project.svc.id.goog[team-x/test]',
        },
      ],
      '//storage.googleapis.com/projects/_/buckets/tutorial-project-bucket': [
        { role: 'roles/storage.objectViewer', member: `serviceAccount:${email}` },
      ],
    });
    expect(desiredWorkloadIdentity(env, [tutorialTenant('team-x', 'absent')]).accounts.size).toBe(
      0,
    );
  });

  it('refuses two tenants claiming one Google service account, naming the field', () => {
    const x = tutorialTenant('team-x');
    const other = {
      ...x,
      metadata: { ...x.metadata, name: 'team-z' },
      spec: { ...x.spec, namespace: 'team-z' },
    };
    expect(() => desiredWorkloadIdentity(env, [x, other])).toThrow(
      expect.objectContaining({
        reason: 'service-account-conflict',
        options: expect.objectContaining({
          field: 'spec.workloadIdentity[0].googleServiceAccount',
        }),
      }),
    );
    expect(serviceAccountMarker('tutorial', 'team-x')).toBe(
      'egress-provisioner environment=tutorial tenant=team-x',
    );
  });
});
