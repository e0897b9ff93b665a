import { describe, expect, it } from 'vitest';
import {
  coversAllIpv4,
  grantPatternCovers,
  grantRefusal,
  parseEnvironment,
  parseIpv4Block,
  parseTenant,
  RESERVED_SERVICE_ACCOUNT_IDS,
  SpecValidationError,
  tenantGrantProblems,
  validateDocuments,
  type Ipv4Block,
  type SpecError,
} from '../../../shared/spec/index.js';
import { serviceAccounts } from '../../../deploy/service-accounts.js';

const API_VERSION = 'egress.provisioner.dev/v1alpha1';
const BUCKET = '//storage.googleapis.com/projects/_/buckets/tutorial-project-bucket';
const STEPS_ACCOUNT =
  '//iam.googleapis.com/projects/tutorial-project/serviceAccounts/egress-steps@tutorial-project.iam.gserviceaccount.com';

const environmentDoc = (spec: Record<string, unknown> = {}) => ({
  apiVersion: API_VERSION,
  kind: 'Environment',
  metadata: { name: 'tutorial' },
  spec: { project: 'tutorial-project', region: 'us-central1', zone: 'us-central1-a', ...spec },
});
const environment = (grants: unknown[] = []) =>
  parseEnvironment(environmentDoc({ tenancy: { grants } }));
const tenant = (grants: Array<{ role: string; resource: string }>, account = 'sa-team-x-app') =>
  parseTenant({
    apiVersion: API_VERSION,
    kind: 'Tenant',
    metadata: { name: 'team-x' },
    spec: {
      environment: 'tutorial',
      workloadIdentity: [
        { kubernetesServiceAccount: 'app', googleServiceAccount: account, grants },
      ],
    },
  });
const rules = (errors: SpecError[]) => errors.map((e) => `${e.path} ${e.rule}`);
const errorsOf = (fn: () => unknown): SpecError[] => {
  try {
    fn();
  } catch (error) {
    if (error instanceof SpecValidationError) return error.errors;
    throw error;
  }
  return [];
};

describe('spec.tenancy defaults', () => {
  it('allows no grant, enforces baseline Pod Security and denies no extra host', () => {
    expect(environment().spec.tenancy).toEqual({
      grants: [],
      podSecurity: 'baseline',
      deniedHosts: [],
    });
  });

  it('refuses a malformed pattern, an empty entry and a bad denied host', () => {
    const errors = errorsOf(() =>
      parseEnvironment(
        environmentDoc({
          tenancy: {
            grants: [
              { roles: ['roles/storage.objectViewer'], resources: ['gs://bucket'] },
              { roles: [], resources: [BUCKET] },
              { roles: ['roles/x.y'], resources: ['//storage.googleapis.com/projects/_/b*/x'] },
            ],
            podSecurity: 'none',
            deniedHosts: ['*'],
          },
        }),
      ),
    );
    expect(errors.map((e) => e.path)).toEqual(
      expect.arrayContaining([
        'spec.tenancy.grants[0].resources[0]',
        'spec.tenancy.grants[1].roles',
        'spec.tenancy.grants[2].resources[0]',
        'spec.tenancy.podSecurity',
        'spec.tenancy.deniedHosts[0]',
      ]),
    );
  });
});

describe('grantPatternCovers', () => {
  const pattern = '//storage.googleapis.com/projects/_/buckets/team-*';
  it('matches an exact name and a trailing wildcard within the last segment only', () => {
    expect(grantPatternCovers(BUCKET, BUCKET)).toBe(true);
    expect(grantPatternCovers(pattern, '//storage.googleapis.com/projects/_/buckets/team-x')).toBe(
      true,
    );
    expect(
      grantPatternCovers(pattern, '//storage.googleapis.com/projects/_/buckets/team-x/objects/o'),
    ).toBe(false);
    expect(grantPatternCovers(pattern, '//storage.googleapis.com/projects/_/buckets/other')).toBe(
      false,
    );
  });

  it('never lets a wildcard cover a sensitive resource', () => {
    const accounts = '//iam.googleapis.com/projects/tutorial-project/serviceAccounts/*';
    expect(grantPatternCovers(accounts, STEPS_ACCOUNT)).toBe(false);
    expect(grantPatternCovers(STEPS_ACCOUNT, STEPS_ACCOUNT)).toBe(true);
    const projects = '//cloudresourcemanager.googleapis.com/projects/*';
    expect(
      grantPatternCovers(
        projects,
        '//cloudresourcemanager.googleapis.com/projects/tutorial-project',
      ),
    ).toBe(false);
    expect(
      grantPatternCovers(
        '//storage.googleapis.com/projects/*',
        '//storage.googleapis.com/projects/-/buckets',
      ),
    ).toBe(false);
    // A tenant's own wildcard is matched only by the identical string.
    expect(grantPatternCovers(pattern, pattern)).toBe(true);
    expect(grantPatternCovers('//storage.googleapis.com/projects/_/buckets/*', pattern)).toBe(
      false,
    );
  });
});

describe('grantRefusal', () => {
  const allowBucket = { roles: ['roles/storage.objectViewer'], resources: [BUCKET] };

  it('refuses everything by default, naming role, resource and environment', () => {
    const refusal = grantRefusal(environment(), 'roles/storage.objectViewer', BUCKET);
    expect(refusal?.rule).toBe('grant-not-allowed');
    expect(refusal?.message).toContain('roles/storage.objectViewer');
    expect(refusal?.message).toContain(BUCKET);
    expect(refusal?.message).toContain('"tutorial"');
  });

  it('allows exactly the listed role on a covered resource', () => {
    const env = environment([allowBucket]);
    expect(grantRefusal(env, 'roles/storage.objectViewer', BUCKET)).toBeUndefined();
    expect(grantRefusal(env, 'roles/storage.admin', BUCKET)?.rule).toBe('grant-not-allowed');
    expect(
      grantRefusal(
        env,
        'roles/storage.objectViewer',
        '//storage.googleapis.com/projects/_/buckets/another-bucket',
      )?.rule,
    ).toBe('grant-not-allowed');
  });

  it('refuses service accounts, projects, folders, organizations, projects/- and wildcards', () => {
    const env = environment([
      {
        roles: ['roles/iam.serviceAccountTokenCreator', 'roles/viewer'],
        resources: [
          '//iam.googleapis.com/projects/tutorial-project/serviceAccounts/*',
          '//cloudresourcemanager.googleapis.com/projects/*',
          '//storage.googleapis.com/projects/*',
        ],
      },
    ]);
    for (const [role, resource] of [
      ['roles/iam.serviceAccountTokenCreator', STEPS_ACCOUNT],
      [
        'roles/iam.serviceAccountTokenCreator',
        '//iam.googleapis.com/projects/tutorial-project/serviceAccounts/123456789-compute@developer.gserviceaccount.com',
      ],
      ['roles/viewer', '//cloudresourcemanager.googleapis.com/projects/tutorial-project'],
      ['roles/viewer', '//cloudresourcemanager.googleapis.com/folders/123'],
      ['roles/viewer', '//cloudresourcemanager.googleapis.com/organizations/1'],
      ['roles/viewer', '//storage.googleapis.com/projects/-/buckets/x'],
      ['roles/viewer', '//storage.googleapis.com/projects/_/buckets/*'],
    ] as const) {
      expect(grantRefusal(env, role, resource)?.rule, resource).toBe('grant-sensitive-resource');
    }
  });

  it('allows a sensitive resource the policy lists exactly, with a listed role only', () => {
    const env = environment([
      { roles: ['roles/iam.serviceAccountTokenCreator'], resources: [STEPS_ACCOUNT] },
    ]);
    expect(
      grantRefusal(env, 'roles/iam.serviceAccountTokenCreator', STEPS_ACCOUNT),
    ).toBeUndefined();
    expect(grantRefusal(env, 'roles/iam.serviceAccountAdmin', STEPS_ACCOUNT)?.rule).toBe(
      'grant-not-allowed',
    );
  });

  it('refuses resource names with dot segments, encoded slashes, queries or empty segments', () => {
    const env = environment([
      {
        roles: ['roles/storage.objectViewer'],
        resources: ['//storage.googleapis.com/projects/_/buckets/*'],
      },
    ]);
    for (const resource of [
      '//storage.googleapis.com/projects/_/buckets/..',
      '//storage.googleapis.com/projects/_/buckets/a%2F..%2Fb',
      '//storage.googleapis.com/projects/_/buckets/a?x=1',
      '//storage.googleapis.com/projects/_/buckets//b',
    ]) {
      expect(grantRefusal(env, 'roles/storage.objectViewer', resource)?.rule, resource).toBe(
        'invalid-grant-resource',
      );
    }
  });
});

describe('tenantGrantProblems and validateDocuments', () => {
  it('names spec.workloadIdentity[i].grants[j] for each refused grant', () => {
    const problems = tenantGrantProblems(
      tenant([
        { role: 'roles/storage.objectViewer', resource: BUCKET },
        { role: 'roles/iam.serviceAccountTokenCreator', resource: STEPS_ACCOUNT },
      ]),
      environment([{ roles: ['roles/storage.objectViewer'], resources: [BUCKET] }]),
    );
    expect(rules(problems)).toEqual([
      'spec.workloadIdentity[0].grants[1] grant-sensitive-resource',
    ]);
  });

  it('refuses the provisioner’s own accounts as a tenant’s Google service account', () => {
    for (const id of RESERVED_SERVICE_ACCOUNT_IDS) {
      expect(rules(tenantGrantProblems(tenant([], id), environment()))).toEqual([
        'spec.workloadIdentity[0].googleServiceAccount reserved-service-account',
      ]);
    }
  });

  it('reports refused grants of the files given to validate', () => {
    const result = validateDocuments([
      { source: 'env.yaml#1', doc: environmentDoc() },
      {
        source: 'team-x.yaml#1',
        doc: {
          apiVersion: API_VERSION,
          kind: 'Tenant',
          metadata: { name: 'team-x' },
          spec: {
            environment: 'tutorial',
            workloadIdentity: [
              {
                kubernetesServiceAccount: 'app',
                googleServiceAccount: 'sa-team-x-app',
                grants: [{ role: 'roles/storage.admin', resource: BUCKET }],
              },
            ],
          },
        },
      },
    ]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors.map((e) => `${e.source} ${e.path} ${e.rule}`)).toEqual([
      'team-x.yaml#1 spec.workloadIdentity[0].grants[0] grant-not-allowed',
    ]);
  });
});

describe('environment refusals', () => {
  it('refuses the provisioner’s own accounts as node service accounts', () => {
    const errors = errorsOf(() =>
      parseEnvironment(
        environmentDoc({
          nodeServiceAccounts: { application: 'egress-steps', gateway: 'egress-workflows' },
        }),
      ),
    );
    expect(rules(errors)).toEqual([
      'spec.nodeServiceAccounts.application reserved-service-account',
      'spec.nodeServiceAccounts.gateway reserved-service-account',
    ]);
  });

  it('holds the reserved ids equal to the accounts the deployment creates', () => {
    expect(
      serviceAccounts()
        .map((sa) => sa.accountId)
        .sort(),
    ).toEqual([...RESERVED_SERVICE_ACCOUNT_IDS].sort());
  });

  it('refuses authorized networks that together cover all of IPv4', () => {
    const errors = errorsOf(() =>
      parseEnvironment(
        environmentDoc({
          cluster: { authorizedNetworks: [{ cidr: '0.0.0.0/1' }, { cidr: '128.0.0.0/1' }] },
        }),
      ),
    );
    expect(rules(errors)).toEqual(['spec.cluster.authorizedNetworks open-control-plane']);
    // A single /0 keeps its own, more precise error.
    expect(
      rules(
        errorsOf(() =>
          parseEnvironment(
            environmentDoc({ cluster: { authorizedNetworks: [{ cidr: '0.0.0.0/0' }] } }),
          ),
        ),
      ),
    ).toEqual(['spec.cluster.authorizedNetworks[0].cidr open-control-plane']);
  });
});

describe('coversAllIpv4', () => {
  const blocks = (...texts: string[]) => texts.map((t) => parseIpv4Block(t) as Ipv4Block);
  it('is true only when the union has no gap', () => {
    expect(coversAllIpv4(blocks('0.0.0.0/1', '128.0.0.0/1'))).toBe(true);
    expect(coversAllIpv4(blocks('128.0.0.0/1', '0.0.0.0/2', '64.0.0.0/2'))).toBe(true);
    expect(coversAllIpv4(blocks('0.0.0.0/0'))).toBe(true);
    expect(coversAllIpv4(blocks('0.0.0.0/1', '128.0.0.0/2', '192.0.0.0/3'))).toBe(false);
    expect(coversAllIpv4(blocks('0.0.0.0/1', '128.0.0.1/32'))).toBe(false);
    expect(coversAllIpv4(blocks('0.0.0.0/1', '0.0.0.0/1'))).toBe(false);
    expect(coversAllIpv4([])).toBe(false);
  });
});
