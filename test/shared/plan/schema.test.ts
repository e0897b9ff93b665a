import { describe, expect, it } from 'vitest';
import { planEnvironment } from '../../../shared/plan/index.js';
import type { GcpResourceKind } from '../../../shared/plan/gcp/request.js';
import {
  setIamPolicyBody,
  mergeBindings,
  desiredProjectBindings,
} from '../../../shared/plan/gcp/iam.js';
import { recordChangeFor } from '../../../shared/plan/gcp/dns.js';
import { environmentWith, tutorialEnvironment } from './helpers.js';
import { loadSchema, validateMessage } from './schema-validator.js';

/** The message each request body is, per kind: [schema file, root message]. */
const MESSAGE_OF: Readonly<Record<GcpResourceKind, [string, string]>> = {
  ServiceBatchEnable: ['serviceusage_v1', 'BatchEnableServicesRequest'],
  Network: ['compute_v1', 'Network'],
  Subnetwork: ['compute_v1', 'Subnetwork'],
  Router: ['compute_v1', 'Router'],
  Firewall: ['compute_v1', 'Firewall'],
  ServiceAccount: ['iam_v1', 'CreateServiceAccountRequest'],
  ProjectIamBindings: ['cloudresourcemanager_v1', 'Policy'],
  ManagedZone: ['dns_v1', 'ManagedZone'],
  RecordSetChange: ['dns_v1', 'Change'],
  Feature: ['gkehub_v1', 'Feature'],
  Cluster: ['container_v1', 'CreateClusterRequest'],
  NodePool: ['container_v1', 'CreateNodePoolRequest'],
};

const validate = (file: string, message: string, value: unknown) =>
  validateMessage(loadSchema(file), message, value);

describe('every request body against the API message schemas', () => {
  const environments = {
    tutorial: tutorialEnvironment(),
    // No authorized networks, no network policy, another channel: other branches of the bodies.
    variant: environmentWith({
      cluster: { releaseChannel: 'STABLE', networkPolicy: false },
      gatewayPool: { taint: { effect: 'NO_EXECUTE' } },
    }),
  };
  for (const [label, env] of Object.entries(environments)) {
    for (const step of planEnvironment(env).steps) {
      for (const request of step.creates) {
        it(`${label}: ${step.name} ${request.kind} ${request.name}`, () => {
          const [file, message] = MESSAGE_OF[request.kind];
          expect(validate(file, message, request.body)).toEqual([]);
        });
      }
    }
  }

  it('also for the setIamPolicy body and a record replacement', () => {
    const env = tutorialEnvironment();
    const edit = mergeBindings(
      { etag: 'BwX=', version: 1, bindings: [] },
      desiredProjectBindings(env),
    );
    expect(
      validate('cloudresourcemanager_v1', 'SetIamPolicyRequest', setIamPolicyBody(edit.policy)),
    ).toEqual([]);
    const zone = env.spec.privateDns.zones[0];
    if (!zone) throw new Error('the tutorial has zones');
    const change = recordChangeFor(zone, [
      {
        name: zone.records[0]?.name ?? '',
        type: zone.records[0]?.type ?? 'A',
        ttl: 60,
        rrdatas: ['x.'],
      },
    ]);
    expect(change?.deletions).toHaveLength(1);
    expect(validate('dns_v1', 'Change', change)).toEqual([]);
  });
});

describe('the schema check itself', () => {
  it('rejects an unknown field, at any depth', () => {
    expect(validate('compute_v1', 'Firewall', { name: 'x', allow: [] })).toEqual([
      'Firewall.allow: Firewall has no field "allow"',
    ]);
    expect(
      validate('container_v1', 'CreateClusterRequest', {
        cluster: { privateClusterConfig: { enablePrivateNodes: true, masterCidr: '10.0.0.0/28' } },
      }),
    ).toEqual([
      'CreateClusterRequest.cluster.privateClusterConfig.masterCidr: PrivateClusterConfig has no field "masterCidr"',
    ]);
  });

  it('rejects an enum value the API does not define', () => {
    expect(
      validate('gkehub_v1', 'Feature', {
        fleetDefaultMemberConfig: { mesh: { management: 'AUTOMATIC' } },
      }),
    ).toEqual([
      'Feature.fleetDefaultMemberConfig.mesh.management: must be one of MANAGEMENT_UNSPECIFIED, MANAGEMENT_AUTOMATIC, MANAGEMENT_MANUAL, got "AUTOMATIC"',
    ]);
    expect(validate('compute_v1', 'Firewall', { direction: 'egress' })).toHaveLength(1);
  });

  it('rejects wrong scalar types and list shapes', () => {
    expect(validate('compute_v1', 'Firewall', { priority: '1000' })).toEqual([
      'Firewall.priority: must be an integer, got "1000"',
    ]);
    expect(validate('compute_v1', 'Firewall', { sourceRanges: '10.0.0.0/8' })).toEqual([
      'Firewall.sourceRanges: must be a list',
    ]);
    expect(validate('compute_v1', 'Firewall', { name: ['x'] })).toEqual([
      'Firewall.name: must not be a list',
    ]);
  });

  it('checks map values', () => {
    expect(validate('dns_v1', 'ManagedZone', { labels: { a: 'b' } })).toEqual([]);
    expect(validate('dns_v1', 'ManagedZone', { labels: { a: 1 } })).toEqual([
      'ManagedZone.labels.a: must be a string, got 1',
    ]);
  });
});
