import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../shared/plan/kube-object.js';
import { desiredObjects, desiredTenantObjects } from '../../../../shared/plan/mesh/index.js';
import { builtInErrors, isBuiltIn, loadIstioValidators } from './schema-validators.js';
import {
  findObject,
  makeEnvironment,
  makeTenant,
  tutorialEnvironment,
  tutorialTenants,
} from './tutorial.js';

const validators = loadIstioValidators();
const isIstio = (o: KubeObject) => o.apiVersion.includes('istio.io/');

/**
 * The tutorial plus a tenant that exercises the remaining branches (ports, methods, no WI),
 * and the objects the experimental istio-mutual passthrough adds or changes (suffixed -mutual).
 */
function renderedObjects(): KubeObject[] {
  const extra = makeTenant('team-z', {
    namespace: 'zeta',
    egress: [
      { host: 'api.example.net', mode: 'tls-origination', port: 8080, methods: ['GET', 'HEAD'] },
      { host: 'files.example.net', mode: 'passthrough' },
      { host: 'plain.example.net', mode: 'http', targetPort: 8080, paths: ['/v1/*'] },
    ],
    googleApis: true,
    networkPolicy: { allowSameNamespace: false, allowToTenants: ['team-x', 'gone'] },
  });
  const wrapped = makeEnvironment({ mesh: { passthroughMode: 'istio-mutual' } });
  const mutual = desiredTenantObjects(wrapped, [...tutorialTenants(), extra]).filter(
    (o) => o.metadata.name.startsWith('egress-mtls-') || o.kind === 'VirtualService',
  );
  return [
    ...desiredObjects(tutorialEnvironment(), [...tutorialTenants(), extra]),
    ...mutual.map((o) => ({
      ...o,
      metadata: { ...o.metadata, name: `${o.metadata.name}-mutual` },
    })),
  ];
}

describe('rendered objects validate against their schemas', () => {
  const objects = renderedObjects();

  it('covers every kind the compiler emits with a schema', () => {
    const unvalidated = objects.filter((o) => !isIstio(o) && !isBuiltIn(o)).map((o) => o.kind);
    expect(unvalidated).toEqual([]);
  });

  for (const obj of objects) {
    const id = `${obj.kind} ${obj.metadata.namespace ?? ''}/${obj.metadata.name}`;
    it(`${id} (${obj.apiVersion})`, () => {
      expect(isIstio(obj) ? validators.errors(obj) : builtInErrors(obj)).toEqual([]);
    });
  }
});

describe('the schema checks can fail', () => {
  const objects = desiredObjects(tutorialEnvironment(), tutorialTenants());

  it('rejects an Istio enum value the CRD does not know', () => {
    const gateway = structuredClone(
      findObject(objects, 'Gateway', 'istio-egress', 'egress-gateway'),
    );
    (gateway.spec as { servers: { tls: { mode: string } }[] }).servers[0]!.tls.mode = 'MUTUALLY';
    expect(validators.errors(gateway).join('\n')).toContain('/spec/servers/0/tls/mode');
  });

  it('rejects a misspelt Istio field (the API server would prune it silently)', () => {
    const se = structuredClone(
      findObject(objects, 'ServiceEntry', 'istio-egress', 'example-com-ext'),
    );
    (se.spec as Record<string, unknown>).exportto = ['*'];
    expect(validators.errors(se).join('\n')).toContain('must NOT have additional properties');
  });

  it('rejects an Istio apiVersion the CRDs do not serve', () => {
    const pa = { ...findObject(objects, 'PeerAuthentication', 'istio-system', 'default') };
    pa.apiVersion = 'security.istio.io/v1alpha9';
    expect(validators.errors(pa)).toEqual([
      'no CRD schema for security.istio.io/v1alpha9 PeerAuthentication',
    ]);
  });

  it('rejects a NetworkPolicy ipBlock without a CIDR', () => {
    const np = structuredClone(
      findObject(objects, 'NetworkPolicy', 'team-x', 'allow-egress-to-google-apis'),
    );
    (np.spec as { egress: { to: { ipBlock: unknown }[] }[] }).egress[0]!.to[0]!.ipBlock = {};
    expect(builtInErrors(np).join('\n')).toContain('must have required property cidr');
  });

  it('rejects a Deployment container without a name', () => {
    const deployment = structuredClone(
      findObject(objects, 'Deployment', 'istio-egress', 'istio-egressgateway'),
    );
    const spec = deployment.spec as { template: { spec: { containers: { name?: string }[] } } };
    delete spec.template.spec.containers[0]!.name;
    expect(builtInErrors(deployment).join('\n')).toContain('must have required property');
  });
});
