import { describe, expect, it } from 'vitest';
import { ApiException } from '@kubernetes/client-node';
import {
  applyGroups,
  classifyKubeError,
  clusterAccessOf,
  clusterServerOf,
  deleteGroups,
  kubeConfigOptions,
  modelTypeOf,
  toModelForm,
  toWireForm,
} from '../../../shared/kube/index.js';
import { PermanentError, type RetryableError } from '../../../shared/errors.js';
import { tutorialEnvironment } from './helpers.js';

const policy = {
  apiVersion: 'networking.k8s.io/v1',
  kind: 'NetworkPolicy',
  metadata: { name: 'p', namespace: 'a', labels: { x: 'y' } },
  spec: {
    podSelector: {},
    policyTypes: ['Ingress'],
    ingress: [{ from: [{ podSelector: {} }], ports: [{ protocol: 'TCP', port: 53 }] }],
  },
};

describe('client-node model names', () => {
  it('renames wire fields to model fields and back (NetworkPolicy ingress `from`)', () => {
    const model = toModelForm(policy) as unknown as {
      spec: { ingress: Record<string, unknown>[] };
    };
    expect(Object.keys(model.spec.ingress[0]!)).toEqual(['_from', 'ports']);
    expect(toWireForm(model, policy.apiVersion, policy.kind)).toEqual(policy);
  });

  it('leaves custom resources alone and turns Dates back into API server timestamps', () => {
    const sidecar = {
      apiVersion: 'networking.istio.io/v1',
      kind: 'Sidecar',
      metadata: { name: 's' },
      spec: { from: 1 },
    };
    expect(toModelForm(sidecar)).toEqual(sidecar);
    const answer = {
      ...sidecar,
      metadata: { name: 's', creationTimestamp: new Date('2026-01-02T03:04:05Z') },
    };
    expect(toWireForm(answer, sidecar.apiVersion, sidecar.kind)).toMatchObject({
      metadata: { creationTimestamp: '2026-01-02T03:04:05Z' },
    });
    expect(modelTypeOf('apps/v1', 'Deployment')).toBe('V1Deployment');
    expect(modelTypeOf('v1', 'Namespace')).toBe('V1Namespace');
  });
});

describe('ordering', () => {
  const o = (kind: string, namespace?: string) => ({
    kind,
    metadata: { name: kind.toLowerCase(), ...(namespace ? { namespace } : {}) },
  });
  it('applies namespaces, then cluster-scoped kinds, then namespaced kinds in KIND_ORDER; deletes in reverse', () => {
    const objects = [
      o('AuthorizationPolicy', 'a'),
      o('NetworkPolicy', 'a'),
      o('ClusterRole'),
      o('ServiceAccount', 'a'),
      o('Namespace'),
      o('Deployment', 'a'),
    ];
    const kinds = applyGroups(objects).map((g) => g.map((x) => x.kind));
    expect(kinds).toEqual([
      ['Namespace'],
      ['ClusterRole'],
      ['ServiceAccount'],
      ['Deployment'],
      ['NetworkPolicy'],
      ['AuthorizationPolicy'],
    ]);
    expect(deleteGroups(objects).map((g) => g[0]!.kind)).toEqual([
      'AuthorizationPolicy',
      'NetworkPolicy',
      'Deployment',
      'ServiceAccount',
      'ClusterRole',
      'Namespace',
    ]);
  });
});

describe('errors and access', () => {
  const api = (code: number, message: string) =>
    new ApiException(code, 'x', JSON.stringify({ message }), {});
  it('classifies API server answers into retryable and permanent reasons', () => {
    const reason = (e: Error) => `${e.name}:${(e as RetryableError).reason}`;
    expect(reason(classifyKubeError(api(429, 'slow down'), 'apply', 'k'))).toBe(
      'RetryableError:rate-limited',
    );
    expect(reason(classifyKubeError(api(503, 'x'), 'apply', 'k'))).toBe(
      'RetryableError:kube-unavailable',
    );
    expect(reason(classifyKubeError(api(409, 'x'), 'apply', 'k'))).toBe('RetryableError:conflict');
    expect(
      reason(
        classifyKubeError(
          api(403, 'unable to create new content in namespace a because it is being terminated'),
          'apply',
          'k',
        ),
      ),
    ).toBe('RetryableError:namespace-terminating');
    expect(reason(classifyKubeError(api(403, 'forbidden'), 'apply', 'k'))).toBe(
      'PermanentError:permission-denied',
    );
    expect(reason(classifyKubeError(api(401, 'who'), 'apply', 'k'))).toBe(
      'PermanentError:unauthenticated',
    );
    const invalid = classifyKubeError(
      api(422, 'spec.x: Invalid value'),
      'apply',
      'VirtualService/a/b',
    );
    expect(invalid).toBeInstanceOf(PermanentError);
    expect(invalid.message).toBe('apply VirtualService/a/b: HTTP 422: spec.x: Invalid value');
    expect(reason(classifyKubeError(new Error('connect ECONNREFUSED'), 'list', 'k'))).toBe(
      'RetryableError:kube-unreachable',
    );
  });

  it("names the environment's own cluster and checks the endpoint the Container API reports", () => {
    const env = tutorialEnvironment();
    const access = clusterAccessOf(env);
    expect(access).toEqual({
      clusterName: env.spec.cluster.name,
      clusterPath: `projects/${env.spec.project}/locations/${env.spec.zone}/clusters/${env.spec.cluster.name}`,
    });
    const reporting = (endpoint: unknown) => ({
      controlPlaneEndpointsConfig: { dnsEndpointConfig: { endpoint } },
    });
    const refusal = (cluster: Record<string, unknown> | undefined, mode: 'google' | 'local') => {
      try {
        clusterServerOf(access, cluster, mode);
      } catch (error) {
        const e = error as PermanentError;
        return `${e.name}:${e.reason}:${e.options.field ?? ''}`;
      }
      return 'accepted';
    };
    const field = 'controlPlaneEndpointsConfig.dnsEndpointConfig.endpoint';
    expect(clusterServerOf(access, reporting('gke-1.us-central1.gke.goog'), 'google')).toEqual({
      clusterName: env.spec.cluster.name,
      endpoint: 'gke-1.us-central1.gke.goog',
    });
    expect(refusal(reporting('https://gke-1.us-central1.gke.goog'), 'google')).toBe('accepted');
    for (const endpoint of ['http://gke-1.us-central1.gke.goog', 'http://127.0.0.1:1', 'ftp://x']) {
      expect(refusal(reporting(endpoint), 'google'), endpoint).toBe(
        `PermanentError:insecure-cluster-endpoint:${field}`,
      );
    }
    expect(refusal(reporting('https://u:p@gke-1.gke.goog'), 'google')).toBe(
      `PermanentError:insecure-cluster-endpoint:${field}`,
    );
    expect(refusal(reporting(''), 'google')).toBe(
      `PermanentError:missing-cluster-endpoint:${field}`,
    );
    expect(refusal(undefined, 'google')).toBe('PermanentError:cluster-not-found:spec.cluster.name');
    expect(refusal(reporting('http://127.0.0.1:8080'), 'local')).toBe('accepted');
    expect(refusal(reporting('http://localhost:8080'), 'local')).toBe('accepted');
    for (const endpoint of [
      'http://attacker.example',
      'gke-1.us-central1.gke.goog',
      'http://10.0.0.1',
    ]) {
      expect(refusal(reporting(endpoint), 'local'), endpoint).toBe(
        `PermanentError:non-local-cluster-endpoint:${field}`,
      );
    }
    const options = kubeConfigOptions(
      { endpoint: 'gke-1.us-central1.gke.goog', clusterName: 'c1' },
      't',
    );
    expect(options.clusters[0]).toEqual({
      name: 'c1',
      server: 'https://gke-1.us-central1.gke.goog',
      skipTLSVerify: false,
    });
    expect(options.users[0]).toEqual({ name: 'c1-user', token: 't' });
    expect(
      kubeConfigOptions({ endpoint: 'http://127.0.0.1:1', clusterName: 'c' }, 't').clusters[0]!
        .skipTLSVerify,
    ).toBe(true);
  });
});
