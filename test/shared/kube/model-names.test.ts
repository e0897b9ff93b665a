import { describe, expect, it } from 'vitest';
import { ApiException } from '@kubernetes/client-node';
import {
  applyGroups,
  classifyKubeError,
  clusterAccessFromOutputs,
  deleteGroups,
  kubeConfigOptions,
  modelTypeOf,
  toModelForm,
  toWireForm,
} from '../../../shared/kube/index.js';
import { PermanentError, type RetryableError } from '../../../shared/errors.js';

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

  it('reads the cluster step outputs and builds kubeconfig options', () => {
    expect(
      clusterAccessFromOutputs({ endpoint: 'gke-1.us-central1.gke.goog', clusterName: 'c1' }),
    ).toEqual({
      endpoint: 'gke-1.us-central1.gke.goog',
      clusterName: 'c1',
    });
    expect(() => clusterAccessFromOutputs({ endpoint: '', clusterName: 'c1' })).toThrow(
      /reported no DNS-based endpoint/,
    );
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
