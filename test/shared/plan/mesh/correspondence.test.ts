import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../../shared/plan/kube-object.js';
import { desiredObjects } from '../../../../shared/plan/mesh/index.js';
import { objectFacts } from './facts.js';
import { findObject, fixturePath, tutorialEnvironment, tutorialTenants } from './tutorial.js';

/**
 * The compiler's output for examples/tutorial against the tutorial's own final state
 * (test/fixtures/mesh/tutorial-final-state.yaml), field by field (see facts.ts). Every
 * difference is an intended improvement listed below, with its reason; docs/design-notes.md
 * carries the same table. An unlisted difference fails, and so does a listed one that no longer
 * occurs (the table must stay exact).
 */
interface Improvement {
  id: string;
  why: string;
  /** Facts of the tutorial the compiler deliberately does not reproduce. */
  removed: string[];
  /** Facts the compiler adds. */
  added: string[];
}

const IMPROVEMENTS: Improvement[] = [
  {
    id: 'export-to-granted-tenants-only',
    why: 'A host is exported only to istio-egress and the tenants granted it; the tutorial exported httpbin.org to team-x, which is not granted it.',
    removed: [
      'ServiceEntry[httpbin.org] exportTo istio-egress,team-x,team-y',
      'VirtualService[httpbin.org] exportTo istio-egress,team-x,team-y',
    ],
    added: [
      'ServiceEntry[httpbin.org] exportTo istio-egress,team-y',
      'VirtualService[httpbin.org] exportTo istio-egress,team-y',
    ],
  },
  {
    id: 'no-blanket-egress-443',
    why: 'No egress-all-443: the passthrough port (8443) admits only SNI names some tenant is granted as passthrough. One policy for the environment, as the gateway sees no client identity over passthrough.',
    removed: [
      'AuthorizationPolicy istio-egress/egress-all-443 exists',
      'AuthorizationPolicy(istio-egress, ALLOW, selector none) rule when destination.port=8443',
    ],
    added: [
      'AuthorizationPolicy istio-egress/egress-gateway-passthrough-sni exists',
      'AuthorizationPolicy(istio-egress, ALLOW, selector istio=egress) rule when destination.port=8443; when connection.sni=example.com',
    ],
  },
  {
    id: 'ports-per-granted-mode',
    why: 'A host gets the ports and routes of the modes granted for it. Nobody is granted httpbin.org over passthrough (team-y is limited to /status/418, which passthrough would bypass), so its 443 port and TLS routes are gone.',
    removed: [
      'ServiceEntry[httpbin.org] port 443/TLS name tls',
      'VirtualService[httpbin.org] tls [gateways=istio-egress/egress-gateway port=443 sni=httpbin.org] -> httpbin.org:443',
      'VirtualService[httpbin.org] tls [gateways=mesh port=443 sni=httpbin.org] -> istio-egressgateway.istio-egress.svc.cluster.local:443 subset target-egress-gateway-TLS-passthrough',
    ],
    added: [],
  },
  {
    id: 'authz-selects-gateway-pods',
    why: 'Per tenant×host policies select the gateway pods (istio: egress) instead of every workload of istio-egress, and are named egress-TENANT-to-HOST (team-y’s “httpbin-teapot” becomes “httpbin-org”).',
    removed: [
      'AuthorizationPolicy istio-egress/egress-team-y-to-httpbin-teapot exists',
      'AuthorizationPolicy(istio-egress, ALLOW, selector none) rule from namespaces=team-x; to hosts=example.com; when destination.port=8080',
      'AuthorizationPolicy(istio-egress, ALLOW, selector none) rule from namespaces=team-y; to hosts=httpbin.org paths=/status/418; when destination.port=8080',
    ],
    added: [
      'AuthorizationPolicy istio-egress/egress-team-y-to-httpbin-org exists',
      'AuthorizationPolicy(istio-egress, ALLOW, selector istio=egress) rule from namespaces=team-x; to hosts=example.com; when destination.port=8080',
      'AuthorizationPolicy(istio-egress, ALLOW, selector istio=egress) rule from namespaces=team-y; to hosts=httpbin.org paths=/status/418; when destination.port=8080',
    ],
  },
  {
    id: 'gateway-denies-by-default',
    why: 'An allow-nothing policy on the gateway: with no ALLOW policy at all Istio allows everything, so with zero tenants the gateway would be open.',
    removed: [],
    added: [
      'AuthorizationPolicy istio-egress/egress-gateway-allow-nothing exists',
      'AuthorizationPolicy(istio-egress, ALLOW, selector istio=egress) allows nothing',
    ],
  },
  {
    id: 'gateway-binds-own-namespace-only',
    why: "Gateway servers accept VirtualServices of istio-egress only ('istio-egress/*' instead of '*'), so a tenant cannot bind a route of its own to the egress gateway.",
    removed: [
      'Gateway istio-egress/egress-gateway server 443/TLS hosts *',
      'Gateway istio-egress/egress-gateway server 80/HTTPS hosts *',
    ],
    added: [
      'Gateway istio-egress/egress-gateway server 443/TLS hosts istio-egress/*',
      'Gateway istio-egress/egress-gateway server 80/HTTPS hosts istio-egress/*',
    ],
  },
  {
    id: 'origination-rule-for-gateway-only',
    why: 'The TLS-origination DestinationRule is exported to istio-egress only: only the gateway originates TLS.',
    removed: ['DestinationRule[example.com] exportTo *'],
    added: ['DestinationRule[example.com] exportTo istio-egress'],
  },
  {
    id: 'managed-mesh-injection',
    why: 'Managed control plane (docs/design-notes.md): namespaces use the default injection label istio-injection=enabled instead of a pinned istio.io/rev, set only after REVISION_READY; istio-egress must allow injection for the gateway injection template (the tutorial’s installer-built gateway carried its own proxy).',
    removed: [
      'Namespace istio-egress label istio-injection=disabled',
      'Namespace team-x label istio.io/rev=REVISION',
      'Namespace team-y label istio.io/rev=REVISION',
    ],
    added: [
      'Namespace istio-egress label istio-injection=enabled',
      'Namespace team-x label istio-injection=enabled',
      'Namespace team-y label istio-injection=enabled',
    ],
  },
  {
    id: 'pod-security',
    why: 'Tenant namespaces enforce a Pod Security level (spec.tenancy.podSecurity, baseline by default): a hostNetwork pod would bypass the sidecar, the NetworkPolicies and the GKE metadata server (issue 16, finding 12).',
    removed: [],
    added: ['team-x', 'team-y'].flatMap((ns) => [
      `Namespace ${ns} label pod-security.kubernetes.io/audit=baseline`,
      `Namespace ${ns} label pod-security.kubernetes.io/enforce-version=latest`,
      `Namespace ${ns} label pod-security.kubernetes.io/enforce=baseline`,
      `Namespace ${ns} label pod-security.kubernetes.io/warn=baseline`,
    ]),
  },
  {
    id: 'adopted-namespaces',
    why: 'kube-system and istio-system exist without the product: marked adopted, so the applier sets their labels and never deletes them.',
    removed: [],
    added: [
      'Namespace istio-system annotation egress.provisioner.dev/adopted=true',
      'Namespace kube-system annotation egress.provisioner.dev/adopted=true',
    ],
  },
  {
    id: 'netpol-select-namespaces-by-name',
    why: 'NetworkPolicies select namespaces by kubernetes.io/metadata.name, which the API server sets and nobody can forge, rather than by labels (istio, kube-system, team) any namespace editor could copy; the per-tenant policy is named allow-egress-to-tenant-NAME so a tenant called “dns” cannot collide with allow-egress-to-dns.',
    removed: [
      'NetworkPolicy team-x/allow-egress-to-control-plane egress [ns{istio=egress}+pod{istio=egress},ns{istio=system}+pod{istio=istiod}] ports []',
      'NetworkPolicy team-x/allow-egress-to-dns egress [ns{kube-system=true}] ports [TCP/53,UDP/53]',
      'NetworkPolicy team-x/allow-egress-to-team-y exists',
      'NetworkPolicy team-x/allow-egress-to-team-y egress [ns{team=y}] ports []',
      'NetworkPolicy team-x/allow-egress-to-team-y podSelector all',
      'NetworkPolicy team-x/allow-egress-to-team-y policyTypes Egress',
    ],
    added: [
      'NetworkPolicy team-x/allow-egress-to-control-plane egress [ns{kubernetes.io/metadata.name=istio-egress}+pod{istio=egress},ns{kubernetes.io/metadata.name=istio-system}+pod{istio=istiod}] ports []',
      'NetworkPolicy team-x/allow-egress-to-dns egress [ns{kubernetes.io/metadata.name=kube-system}] ports [TCP/53,UDP/53]',
      'NetworkPolicy team-x/allow-egress-to-tenant-team-y exists',
      'NetworkPolicy team-x/allow-egress-to-tenant-team-y egress [ns{kubernetes.io/metadata.name=team-y}] ports []',
      'NetworkPolicy team-x/allow-egress-to-tenant-team-y podSelector all',
      'NetworkPolicy team-x/allow-egress-to-tenant-team-y policyTypes Egress',
    ],
  },
  {
    id: 'baseline-netpols-for-every-tenant',
    why: 'Every tenant gets the baseline NetworkPolicies (the tutorial applied them to team-x only). Since allow-egress-to-same-namespace also isolates ingress, a tenant named in another’s allowToTenants admits that tenant explicitly (team-x → team-y keeps working).',
    removed: [],
    added: [
      'NetworkPolicy team-y/allow-egress-to-control-plane exists',
      'NetworkPolicy team-y/allow-egress-to-control-plane podSelector all',
      'NetworkPolicy team-y/allow-egress-to-control-plane policyTypes Egress',
      'NetworkPolicy team-y/allow-egress-to-control-plane egress [ns{kubernetes.io/metadata.name=istio-egress}+pod{istio=egress},ns{kubernetes.io/metadata.name=istio-system}+pod{istio=istiod}] ports []',
      'NetworkPolicy team-y/allow-egress-to-dns exists',
      'NetworkPolicy team-y/allow-egress-to-dns podSelector all',
      'NetworkPolicy team-y/allow-egress-to-dns policyTypes Egress',
      'NetworkPolicy team-y/allow-egress-to-dns egress [ns{kubernetes.io/metadata.name=kube-system}] ports [TCP/53,UDP/53]',
      'NetworkPolicy team-y/allow-egress-to-same-namespace exists',
      'NetworkPolicy team-y/allow-egress-to-same-namespace podSelector all',
      'NetworkPolicy team-y/allow-egress-to-same-namespace policyTypes Egress,Ingress',
      'NetworkPolicy team-y/allow-egress-to-same-namespace egress [pod{}] ports []',
      'NetworkPolicy team-y/allow-egress-to-same-namespace ingress [pod{}] ports []',
      'NetworkPolicy team-y/allow-ingress-from-granted-tenants exists',
      'NetworkPolicy team-y/allow-ingress-from-granted-tenants podSelector all',
      'NetworkPolicy team-y/allow-ingress-from-granted-tenants policyTypes Ingress',
      'NetworkPolicy team-y/allow-ingress-from-granted-tenants ingress [ns{kubernetes.io/metadata.name=team-x}] ports []',
    ],
  },
  {
    id: 'managed-mesh-egress-gateway',
    why: 'The tutorial’s installer (asmcli + IstioOperator overlay) made the egress gateway; with the managed control plane the product deploys it itself, as Istio’s gateway chart does.',
    removed: [],
    added: [
      'Deployment istio-egress/istio-egressgateway exists',
      'Deployment istio-egress/istio-egressgateway label app=istio-egressgateway',
      'Deployment istio-egress/istio-egressgateway label istio=egress',
      'Service istio-egress/istio-egressgateway exists',
      'Service istio-egress/istio-egressgateway label app=istio-egressgateway',
      'Service istio-egress/istio-egressgateway label istio=egress',
      'ServiceAccount istio-egress/istio-egressgateway exists',
      'ServiceAccount istio-egress/istio-egressgateway label app=istio-egressgateway',
      'ServiceAccount istio-egress/istio-egressgateway label istio=egress',
      'Role istio-egress/istio-egressgateway exists',
      'RoleBinding istio-egress/istio-egressgateway exists',
      'PodDisruptionBudget istio-egress/istio-egressgateway exists',
      'HorizontalPodAutoscaler istio-egress/istio-egressgateway exists',
    ],
  },
  {
    id: 'telemetry-access-logging',
    why: 'Access logging through a Telemetry resource instead of the installer’s meshConfig.accessLogFile (not settable on the managed control plane).',
    removed: [],
    added: ['Telemetry istio-system/mesh-access-logging exists'],
  },
];

/** The tutorial's final state; PROJECT_ID stands for the example's project. */
function tutorialFinalState(): KubeObject[] {
  const text = readFileSync(fixturePath('tutorial-final-state.yaml'), 'utf8').replaceAll(
    'PROJECT_ID',
    tutorialEnvironment().spec.project,
  );
  return parseAllDocuments(text)
    .map((d) => d.toJS() as KubeObject | null)
    .filter((d): d is KubeObject => d !== null);
}

const difference = (a: Set<string>, b: Set<string>) => [...a].filter((f) => !b.has(f)).sort();

describe('correspondence with the tutorial’s final state', () => {
  const tutorial = objectFacts(tutorialFinalState());
  const rendered = objectFacts(desiredObjects(tutorialEnvironment(), tutorialTenants()));

  it('differs from the tutorial exactly by the listed improvements', () => {
    const listedRemoved = IMPROVEMENTS.flatMap((i) => i.removed).sort();
    const listedAdded = IMPROVEMENTS.flatMap((i) => i.added).sort();
    expect(difference(tutorial, rendered), 'tutorial facts missing from the output').toEqual(
      listedRemoved,
    );
    expect(difference(rendered, tutorial), 'output facts not in the tutorial').toEqual(listedAdded);
  });

  it('lists each difference once', () => {
    const all = IMPROVEMENTS.flatMap((i) => [...i.removed, ...i.added]);
    expect(new Set(all).size).toBe(all.length);
    expect(new Set(IMPROVEMENTS.map((i) => i.id)).size).toBe(IMPROVEMENTS.length);
  });

  it('compares the routing, TLS and authorization fields, not only names', () => {
    // Guards the comparison itself: these tutorial facts must be extracted and kept.
    for (const fact of [
      'VirtualService[example.com] http [gateways=istio-egress/egress-gateway port=80] -> example.com:443 subset example-com-originate-TLS',
      'VirtualService[example.com] tls [gateways=mesh port=443 sni=example.com] -> istio-egressgateway.istio-egress.svc.cluster.local:443 subset target-egress-gateway-TLS-passthrough',
      'DestinationRule[example.com] subset example-com-originate-TLS port 443 tls SIMPLE sni example.com',
      'DestinationRule[istio-egressgateway.istio-egress.svc.cluster.local] subset target-egress-gateway-mTLS port 80 tls ISTIO_MUTUAL',
      'Gateway istio-egress/egress-gateway server 80/HTTPS tls ISTIO_MUTUAL',
      'Gateway istio-egress/egress-gateway server 443/TLS tls PASSTHROUGH',
      'ServiceEntry[example.com] port 443/TLS name tls',
      'ServiceEntry[metadata.google.internal] exportTo istio-egress,team-x',
      'Sidecar team-x/default outbound REGISTRY_ONLY',
      'PeerAuthentication istio-system/default mtls STRICT',
      'ServiceAccount team-x/test annotation iam.gke.io/gcp-service-account=sa-test-app-team-x@tutorial-project.iam.gserviceaccount.com',
      'NetworkPolicy team-x/allow-egress-to-metadata-server egress [ip 127.0.0.1/32] ports [TCP/988]',
    ]) {
      expect(tutorial.has(fact), fact).toBe(true);
      expect(rendered.has(fact), fact).toBe(true);
    }
  });

  it('keeps the tutorial’s egress gateway contract (installer overlay: labels, pool, ports)', () => {
    // test/fixtures/plan/gcp-final-state.yaml "mesh": label istio: egress, toleration
    // dedicated=gateway, nodeSelector gke-nodepool: gateway, Service ports 80→8080 and 443→8443.
    const objects = desiredObjects(tutorialEnvironment(), tutorialTenants());
    const deployment = findObject(objects, 'Deployment', 'istio-egress', 'istio-egressgateway');
    const template = (
      deployment.spec as {
        template: {
          metadata: { labels: Record<string, string>; annotations: Record<string, string> };
          spec: Record<string, unknown>;
        };
      }
    ).template;
    expect(template.metadata.labels).toMatchObject({
      istio: 'egress',
      'sidecar.istio.io/inject': 'true',
    });
    expect(template.metadata.annotations).toEqual({ 'inject.istio.io/templates': 'gateway' });
    expect(template.spec.tolerations).toEqual([
      { key: 'dedicated', operator: 'Equal', value: 'gateway', effect: 'NoSchedule' },
    ]);
    expect(template.spec.nodeSelector).toEqual({ 'cloud.google.com/gke-nodepool': 'gateway' });
    expect(template.spec.containers).toMatchObject([{ name: 'istio-proxy', image: 'auto' }]);
    const service = findObject(objects, 'Service', 'istio-egress', 'istio-egressgateway');
    expect(
      (service.spec as { ports: { port: number; targetPort: number }[] }).ports.map((p) => [
        p.port,
        p.targetPort,
      ]),
    ).toEqual([
      [80, 8080],
      [443, 8443],
    ]);
  });
});
