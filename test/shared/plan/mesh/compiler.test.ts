import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../shared/plan/kube-object.js';
import {
  allocateMutualPorts,
  mutualObjectName,
  MUTUAL_PASSTHROUGH_PORTS,
  GATEWAY_ALLOW_NOTHING_POLICY,
  KIND_ORDER,
  PASSTHROUGH_SNI_POLICY,
  desiredMeshObjects,
  desiredObjects,
  desiredTenantObjects,
  toYamlStream,
} from '../../../../shared/plan/mesh/index.js';
import { OWNER_LABELS, type Tenant } from '../../../../shared/spec/index.js';
import {
  findObject,
  makeEnvironment,
  makeTenant,
  tutorialEnvironment,
  tutorialTenants,
} from './tutorial.js';

const env = tutorialEnvironment();
const id = (o: KubeObject) => `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
const policies = (objects: KubeObject[]) => objects.filter((o) => o.kind === 'AuthorizationPolicy');

interface Rule {
  from?: unknown[];
  to?: { operation: Record<string, string[]> }[];
  when?: { key: string; values: string[] }[];
}
const rulesOf = (o: KubeObject) => ((o.spec as { rules?: Rule[] }).rules ?? []) as Rule[];

describe('determinism', () => {
  it('gives identical output for any order of tenants, rules and labels', () => {
    const [x, y] = tutorialTenants() as [Tenant, Tenant];
    const z = makeTenant('team-z', {
      namespaceLabels: { b: '2', a: '1' },
      egress: [
        { host: 'example.com', mode: 'tls-origination', paths: ['/b', '/a'] },
        { host: 'httpbin.org', mode: 'http', methods: ['POST', 'GET'] },
      ],
    });
    const zShuffled: Tenant = {
      ...z,
      spec: {
        ...z.spec,
        namespaceLabels: { a: '1', b: '2' },
        egress: [
          { ...z.spec.egress[1]!, methods: ['GET', 'POST'] },
          { ...z.spec.egress[0]!, paths: ['/a', '/b'] },
        ],
      },
    };
    const first = toYamlStream(desiredObjects(env, [x, y, z]));
    expect(toYamlStream(desiredObjects(env, [z, y, x]))).toBe(first);
    expect(toYamlStream(desiredObjects(env, [y, zShuffled, x]))).toBe(first);
  });

  it('sorts namespaces first, then by kind order, namespace and name', () => {
    const objects = desiredObjects(env, tutorialTenants());
    const ranks = objects.map((o) => KIND_ORDER.indexOf(o.kind));
    expect(ranks.every((r) => r >= 0)).toBe(true);
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
    expect(objects[0]?.kind).toBe('Namespace');
    for (let i = 1; i < objects.length; i++) {
      const [a, b] = [objects[i - 1]!, objects[i]!];
      if (a.kind !== b.kind) continue;
      const keyA = `${a.metadata.namespace ?? ''}/${a.metadata.name}`;
      const keyB = `${b.metadata.namespace ?? ''}/${b.metadata.name}`;
      expect(keyA < keyB, `${id(a)} before ${id(b)}`).toBe(true);
    }
  });
});

describe('ownership labels', () => {
  const objects = desiredObjects(env, tutorialTenants());

  it('marks every object with managed-by and environment', () => {
    for (const o of objects) {
      expect(o.metadata.labels?.[OWNER_LABELS.managedBy], id(o)).toBe('egress-provisioner');
      expect(o.metadata.labels?.[OWNER_LABELS.environment], id(o)).toBe('tutorial');
    }
  });

  it('marks exactly the objects of one tenant with that tenant', () => {
    const owned = objects
      .filter((o) => o.metadata.labels?.[OWNER_LABELS.tenant] === 'team-y')
      .map(id);
    expect(owned).toEqual([
      'Namespace//team-y',
      'NetworkPolicy/team-y/allow-egress-to-control-plane',
      'NetworkPolicy/team-y/allow-egress-to-dns',
      'NetworkPolicy/team-y/allow-egress-to-same-namespace',
      'NetworkPolicy/team-y/allow-ingress-from-granted-tenants',
      'Sidecar/team-y/default',
      'AuthorizationPolicy/istio-egress/egress-team-y-to-httpbin-org',
    ]);
    // A host's routing is shared by its tenants: no tenant label, or pruning one would cut all.
    const se = findObject(objects, 'ServiceEntry', 'istio-egress', 'httpbin-org-ext');
    expect(se.metadata.labels?.[OWNER_LABELS.tenant]).toBeUndefined();
  });
});

describe('offboarding', () => {
  const x = makeTenant('team-x', {
    egress: [
      { host: 'example.com', mode: 'tls-origination' },
      { host: 'example.com', mode: 'passthrough' },
    ],
    networkPolicy: { allowToTenants: ['team-y'] },
  });
  const y = makeTenant('team-y', {
    egress: [{ host: 'example.com', mode: 'tls-origination' }],
    networkPolicy: { acceptFromTenants: ['team-x'] },
  });

  it('removes the tenant’s objects and narrows the export of a shared host', () => {
    const before = desiredObjects(env, [x, y]);
    const after = desiredObjects(env, [{ ...x, spec: { ...x.spec, state: 'absent' } }, y]);
    expect(after.filter((o) => o.metadata.labels?.[OWNER_LABELS.tenant] === 'team-x')).toEqual([]);
    expect(before.some((o) => o.metadata.namespace === 'team-x')).toBe(true);
    expect(
      after.some((o) => o.metadata.namespace === 'team-x' || o.metadata.name === 'team-x'),
    ).toBe(false);

    const exportTo = (objects: KubeObject[], kind: string, name: string) =>
      (findObject(objects, kind, 'istio-egress', name).spec as { exportTo: string[] }).exportTo;
    expect(exportTo(before, 'ServiceEntry', 'example-com-ext')).toEqual(['.', 'team-x', 'team-y']);
    expect(exportTo(after, 'ServiceEntry', 'example-com-ext')).toEqual(['.', 'team-y']);
    expect(exportTo(after, 'VirtualService', 'example-com-through-egress-gateway')).toEqual([
      '.',
      'team-y',
    ]);
    // team-x was the only passthrough grant: its route and the SNI policy go with it.
    const vs = findObject(
      after,
      'VirtualService',
      'istio-egress',
      'example-com-through-egress-gateway',
    );
    expect((vs.spec as { tls?: unknown }).tls).toBeUndefined();
    expect(after.map(id)).not.toContain(
      `AuthorizationPolicy/istio-egress/${PASSTHROUGH_SNI_POLICY}`,
    );
    // team-y no longer admits team-x.
    expect(after.map(id)).not.toContain('NetworkPolicy/team-y/allow-ingress-from-granted-tenants');
    expect(before.map(id)).toContain('NetworkPolicy/team-y/allow-ingress-from-granted-tenants');
  });

  it('admits another tenant into a namespace only when that tenant accepts it (consent)', () => {
    const ingress = (objects: KubeObject[]) =>
      objects.map(id).includes('NetworkPolicy/team-y/allow-ingress-from-granted-tenants');
    const unaccepted = makeTenant('team-y', { egress: [{ host: 'example.com' }] });
    const objects = desiredTenantObjects(env, [x, unaccepted]);
    expect(ingress(objects)).toBe(false);
    // team-x's own egress policy stays: it opens nothing without team-y's ingress.
    expect(objects.map(id)).toContain('NetworkPolicy/team-x/allow-egress-to-tenant-team-y');
    expect(ingress(desiredTenantObjects(env, [x, y]))).toBe(true);
    // Accepting alone grants nothing: team-x must also ask.
    const silent = makeTenant('team-x', { egress: [{ host: 'example.com' }] });
    expect(ingress(desiredTenantObjects(env, [silent, y]))).toBe(false);
  });

  it('drops a NetworkPolicy towards a tenant that is gone, without failing', () => {
    const objects = desiredTenantObjects(env, [x]);
    expect(objects.map(id)).not.toContain('NetworkPolicy/team-x/allow-egress-to-tenant-team-y');
  });
});

describe('the gateway denies what is not granted', () => {
  it('keeps an allow-nothing policy on the gateway with zero tenants', () => {
    const objects = desiredObjects(env, []);
    expect(objects).toEqual(desiredMeshObjects(env));
    const authz = policies(objects);
    expect(authz.map((o) => o.metadata.name)).toEqual([GATEWAY_ALLOW_NOTHING_POLICY]);
    // An ALLOW policy without rules matches nothing; with `rules: [{}]` it would allow all.
    expect(authz[0]?.spec).toEqual({
      selector: { matchLabels: { istio: 'egress' } },
      action: 'ALLOW',
    });
  });

  it('emits no ALLOW rule that matches regardless of port, source or SNI', () => {
    const objects = desiredObjects(env, tutorialTenants());
    for (const policy of policies(objects)) {
      expect((policy.spec as { selector: unknown }).selector, policy.metadata.name).toEqual({
        matchLabels: { istio: 'egress' },
      });
      for (const rule of rulesOf(policy)) {
        const keys = (rule.when ?? []).map((w) => w.key);
        expect(keys, policy.metadata.name).toContain('destination.port');
        // Port 8080 rules name a source namespace; port 8443 rules name SNI values.
        expect(Boolean(rule.from) || keys.includes('connection.sni'), policy.metadata.name).toBe(
          true,
        );
      }
    }
  });

  it('uses the gateway Service’s targetPorts in destination.port, not its ports', () => {
    const objects = desiredObjects(env, tutorialTenants());
    const service = findObject(objects, 'Service', 'istio-egress', 'istio-egressgateway');
    const ports = (service.spec as { ports: { port: number; targetPort: number }[] }).ports;
    const target = (port: number) => String(ports.find((p) => p.port === port)?.targetPort);
    const perTenant = findObject(
      objects,
      'AuthorizationPolicy',
      'istio-egress',
      'egress-team-x-to-example-com',
    );
    expect(rulesOf(perTenant)[0]?.when).toEqual([
      { key: 'destination.port', values: [target(80)] },
    ]);
    const sni = findObject(objects, 'AuthorizationPolicy', 'istio-egress', PASSTHROUGH_SNI_POLICY);
    expect(rulesOf(sni)).toEqual([
      {
        when: [
          { key: 'destination.port', values: [target(443)] },
          { key: 'connection.sni', values: ['example.com'] },
        ],
      },
    ]);
  });
});

describe('mesh options', () => {
  it('labels no namespace for injection and leaves the gateway Deployment out before REVISION_READY', () => {
    const objects = desiredObjects(env, tutorialTenants(), { revisionReady: false });
    expect(objects.filter((o) => o.metadata.labels?.['istio-injection'] !== undefined)).toEqual([]);
    expect(objects.map((o) => o.kind)).not.toContain('Deployment');
    const ready = desiredObjects(env, tutorialTenants());
    expect(
      ready.filter((o) => o.metadata.labels?.['istio-injection'] === 'enabled').map(id),
    ).toEqual(['Namespace//istio-egress', 'Namespace//team-x', 'Namespace//team-y']);
  });

  it('follows the spec for gateway pool, taint, replicas, mTLS and access logging', () => {
    const custom = makeEnvironment({
      gatewayPool: {
        name: 'egress-pool',
        taint: { key: 'role', value: 'egress', effect: 'NO_EXECUTE' },
      },
      mesh: { egressGateway: { replicas: 7 }, mtlsMode: 'PERMISSIVE', accessLogging: false },
    });
    const objects = desiredMeshObjects(custom);
    const pod = (
      findObject(objects, 'Deployment', 'istio-egress', 'istio-egressgateway').spec as {
        template: { spec: Record<string, unknown> };
      }
    ).template.spec;
    expect(pod.nodeSelector).toEqual({ 'cloud.google.com/gke-nodepool': 'egress-pool' });
    expect(pod.tolerations).toEqual([
      { key: 'role', operator: 'Equal', value: 'egress', effect: 'NoExecute' },
    ]);
    const hpa = findObject(
      objects,
      'HorizontalPodAutoscaler',
      'istio-egress',
      'istio-egressgateway',
    );
    expect(hpa.spec).toMatchObject({ minReplicas: 7, maxReplicas: 7 });
    expect(findObject(objects, 'PeerAuthentication', 'istio-system', 'default').spec).toEqual({
      mtls: { mode: 'PERMISSIVE' },
    });
    expect(objects.map((o) => o.kind)).not.toContain('Telemetry');
  });
});

describe('tenant objects', () => {
  it('uses spec.namespace, custom ports and methods', () => {
    const t = makeTenant('team-z', {
      namespace: 'zeta',
      egress: [{ host: 'api.example.net', mode: 'tls-origination', port: 8080, methods: ['GET'] }],
    });
    const objects = desiredTenantObjects(env, [t]);
    const policy = findObject(
      objects,
      'AuthorizationPolicy',
      'istio-egress',
      'egress-team-z-to-api-example-net',
    );
    expect(rulesOf(policy)).toEqual([
      {
        from: [{ source: { namespaces: ['zeta'] } }],
        to: [
          { operation: { hosts: ['api.example.net', 'api.example.net:8080'], methods: ['GET'] } },
        ],
        when: [{ key: 'destination.port', values: ['8080'] }],
      },
    ]);
    const se = findObject(objects, 'ServiceEntry', 'istio-egress', 'api-example-net-ext');
    expect((se.spec as { ports: unknown }).ports).toEqual([
      { number: 443, name: 'tls', protocol: 'TLS' },
      { number: 8080, name: 'http-8080', protocol: 'HTTP' },
    ]);
    expect(findObject(objects, 'Sidecar', 'zeta', 'default').spec).toEqual({
      outboundTrafficPolicy: { mode: 'REGISTRY_ONLY' },
      egress: [{ hosts: ['istio-egress/*', 'zeta/*'] }],
    });
  });

  it('gives direct Google API access only to tenants that ask for it', () => {
    const objects = desiredObjects(env, tutorialTenants());
    const names = objects.map(id);
    expect(names).toContain('NetworkPolicy/team-x/allow-egress-to-google-apis');
    expect(names).not.toContain('NetworkPolicy/team-y/allow-egress-to-google-apis');
    expect(names).not.toContain('NetworkPolicy/team-y/allow-egress-to-metadata-server');
    const se = findObject(objects, 'ServiceEntry', 'istio-egress', 'private-googleapis-com');
    expect((se.spec as { exportTo: string[] }).exportTo).toEqual(['.', 'team-x']);
    expect(findObject(objects, 'ServiceAccount', 'team-x', 'test').metadata.annotations).toEqual({
      'iam.gke.io/gcp-service-account':
        'sa-test-app-team-x@tutorial-project.iam.gserviceaccount.com',
    });
    const y = tutorialTenants()[1]!;
    const withoutX = desiredObjects(env, [y]).map(id);
    expect(withoutX).not.toContain('ServiceEntry/istio-egress/private-googleapis-com');
  });
});

describe('experimental istio-mutual passthrough', () => {
  const wrappedEnv = makeEnvironment({ mesh: { passthroughMode: 'istio-mutual' } });
  const x = tutorialTenants()[0]!;
  const z = makeTenant('team-z', { egress: [{ host: 'example.com', mode: 'passthrough' }] });

  it('authorizes passthrough per tenant, by namespace, gateway port and SNI', () => {
    const objects = desiredTenantObjects(wrappedEnv, [x, z]);
    const port = allocateMutualPorts(['example.com']).get('example.com')!;
    expect(objects.map(id)).not.toContain(
      `AuthorizationPolicy/istio-egress/${PASSTHROUGH_SNI_POLICY}`,
    );
    for (const [tenant, ns] of [
      ['team-x', 'team-x'],
      ['team-z', 'team-z'],
    ]) {
      const policy = findObject(
        objects,
        'AuthorizationPolicy',
        'istio-egress',
        `egress-${tenant}-to-example-com-passthrough`,
      );
      expect(rulesOf(policy)).toEqual([
        {
          from: [{ source: { namespaces: [ns] } }],
          when: [
            { key: 'destination.port', values: [String(port)] },
            { key: 'connection.sni', values: ['example.com'] },
          ],
        },
      ]);
    }
  });

  it('wraps the app’s TLS in Istio mTLS to a per-host gateway port, unwrapped by a tcp route', () => {
    const objects = desiredTenantObjects(wrappedEnv, [x]);
    const port = allocateMutualPorts(['example.com']).get('example.com')!;
    const name = mutualObjectName('example.com');
    const service = findObject(objects, 'Service', 'istio-egress', name);
    expect(service.spec).toMatchObject({
      selector: { app: 'istio-egressgateway', istio: 'egress' },
      ports: [{ name: 'tls', port, targetPort: port }],
    });
    expect(findObject(objects, 'Gateway', 'istio-egress', name).spec).toEqual({
      selector: { istio: 'egress' },
      servers: [
        {
          port: { number: port, name: `tls-${port}`, protocol: 'TLS' },
          hosts: ['istio-egress/example.com'],
          tls: { mode: 'ISTIO_MUTUAL' },
        },
      ],
    });
    const dr = findObject(objects, 'DestinationRule', 'istio-egress', name);
    expect(dr.spec).toMatchObject({
      host: `${name}.istio-egress.svc.cluster.local`,
      exportTo: ['.', 'team-x'],
      subsets: [
        {
          name: 'istio-mutual',
          trafficPolicy: {
            portLevelSettings: [
              { port: { number: port }, tls: { mode: 'ISTIO_MUTUAL', sni: 'example.com' } },
            ],
          },
        },
      ],
    });
    const vs = findObject(
      objects,
      'VirtualService',
      'istio-egress',
      'example-com-through-egress-gateway',
    );
    expect(vs.spec).toMatchObject({
      gateways: ['mesh', 'istio-egress/egress-gateway', `istio-egress/${name}`],
      tls: [
        {
          match: [{ gateways: ['mesh'], port: 443, sniHosts: ['example.com'] }],
          route: [
            {
              destination: {
                host: `${name}.istio-egress.svc.cluster.local`,
                subset: 'istio-mutual',
                port: { number: port },
              },
            },
          ],
        },
      ],
      tcp: [
        {
          match: [{ gateways: [`istio-egress/${name}`], port }],
          route: [{ destination: { host: 'example.com', port: { number: 443 } } }],
        },
      ],
    });
  });

  it('binds a passthrough-only host to its own gateway only', () => {
    const objects = desiredTenantObjects(wrappedEnv, [z]);
    const vs = findObject(
      objects,
      'VirtualService',
      'istio-egress',
      'example-com-through-egress-gateway',
    );
    expect((vs.spec as { gateways: string[] }).gateways).toEqual([
      'mesh',
      'istio-egress/egress-mtls-example-com',
    ]);
    expect((vs.spec as { http?: unknown }).http).toBeUndefined();
  });

  it('gives each host a stable port that other hosts do not move', () => {
    const few = allocateMutualPorts(['a.example', 'b.example']);
    const more = allocateMutualPorts(['c.example', 'b.example', 'a.example', 'd.example']);
    expect(more.get('a.example')).toBe(few.get('a.example'));
    expect(more.get('b.example')).toBe(few.get('b.example'));
    const ports = [...more.values()];
    expect(new Set(ports).size).toBe(4);
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(MUTUAL_PASSTHROUGH_PORTS.first);
      expect(port).toBeLessThan(MUTUAL_PASSTHROUGH_PORTS.first + MUTUAL_PASSTHROUGH_PORTS.count);
    }
  });

  it('keeps names within 63 characters for long hosts', () => {
    const long = `${'a'.repeat(60)}.example.com`;
    expect(mutualObjectName(long)).toMatch(/^egress-mtls-a+--[0-9a-f]{12}$/);
    expect(mutualObjectName(long).length).toBeLessThanOrEqual(63);
    expect(mutualObjectName('example.com')).toBe('egress-mtls-example-com');
  });

  it('leaves the mesh-config objects as they are in plain mode', () => {
    expect(desiredMeshObjects(wrappedEnv)).toEqual(desiredMeshObjects(env));
  });
});
