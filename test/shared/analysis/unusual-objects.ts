/**
 * Objects the compiler never writes but a cluster may hold (another writer, a hand-made policy),
 * added to a generated environment so that the analyzer's indexes are held to every way a
 * policy, a route or an export can concern a tenant: DENY and CUSTOM policies, source patterns
 * with wildcards, principals, notNamespaces, rules without sources, conditions that leave notes,
 * policies of another workload, and configuration exported to everyone or with wildcard hosts.
 */
import type { KubeObject } from '../../../shared/plan/kube-object.js';
import { poolHost } from '../../../bench/generated-environment.js';

const GATEWAY_SELECTOR = { matchLabels: { istio: 'egress' } };

function policy(namespace: string, name: string, spec: Record<string, unknown>): KubeObject {
  return {
    apiVersion: 'security.istio.io/v1',
    kind: 'AuthorizationPolicy',
    metadata: { namespace, name },
    spec,
  };
}

/** The unusual objects, for an environment whose tenants are `team-0` … `team-N`. */
export function unusualObjects(): KubeObject[] {
  return [
    policy('istio-egress', 'deny-team-3-h0', {
      selector: GATEWAY_SELECTOR,
      action: 'DENY',
      rules: [
        {
          from: [{ source: { namespaces: ['team-3'] } }],
          to: [{ operation: { hosts: [poolHost(0)] } }],
        },
      ],
    }),
    policy('istio-system', 'custom-admin', {
      action: 'CUSTOM',
      provider: { name: 'ext-authz' },
      rules: [
        {
          from: [{ source: { namespaces: ['team-5*'] } }],
          to: [{ operation: { paths: ['/admin*'] } }],
        },
      ],
    }),
    policy('istio-egress', 'allow-suffix-7', {
      selector: GATEWAY_SELECTOR,
      rules: [
        {
          from: [{ source: { namespaces: ['*-7', 'team-17'] } }],
          to: [{ operation: { hosts: [poolHost(2), poolHost(4)] } }],
        },
      ],
    }),
    policy('istio-egress', 'allow-principal-9', {
      selector: GATEWAY_SELECTOR,
      rules: [
        {
          from: [{ source: { principals: ['cluster.local/ns/team-9/sa/default'] } }],
          to: [{ operation: { hosts: [poolHost(4)], methods: ['POST'] } }],
        },
      ],
    }),
    policy('istio-egress', 'allow-prefix-1-but-12', {
      selector: GATEWAY_SELECTOR,
      rules: [
        {
          from: [{ source: { namespaces: ['team-1*'], notNamespaces: ['team-12'] } }],
          to: [{ operation: { hosts: ['*.shared.example.com'], paths: ['/v1/*'] } }],
        },
      ],
    }),
    policy('istio-egress', 'allow-from-nobody', {
      selector: GATEWAY_SELECTOR,
      rules: [{ from: [], to: [{ operation: { hosts: [poolHost(8)] } }] }],
    }),
    policy('istio-egress', 'allow-with-notes', {
      selector: GATEWAY_SELECTOR,
      rules: [
        {
          from: [{ source: { namespaces: ['team-2', 'team-22'] } }],
          when: [{ key: 'request.headers[x-team]', values: ['two'] }],
        },
        {
          from: [{ source: { namespaces: ['team-2'] } }],
          when: [{ key: 'experimental.envoy.filters.x', values: ['y'] }],
          to: [{ operation: { hosts: [poolHost(12)] } }],
        },
      ],
    }),
    policy('istio-egress', 'allow-any-on-9999', {
      selector: GATEWAY_SELECTOR,
      rules: [{ to: [{ operation: { ports: ['9999'] } }] }],
    }),
    policy('istio-egress', 'allow-other-workload', {
      selector: { matchLabels: { app: 'not-the-gateway' } },
      rules: [{}],
    }),
    policy('istio-egress', 'deny-not-namespaces', {
      selector: GATEWAY_SELECTOR,
      action: 'DENY',
      rules: [
        {
          from: [{ source: { notNamespaces: ['team-0', 'team-1', 'team-2', 'team-3', 'team-4'] } }],
          // On its port only: on any other, HTTP fields make a DENY rule deny all TCP there.
          to: [{ operation: { hosts: [poolHost(16)], paths: ['/private*'], ports: ['8080'] } }],
        },
      ],
    }),
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'ServiceEntry',
      metadata: { namespace: 'team-4', name: 'everyone-h0' },
      spec: {
        hosts: [poolHost(0), poolHost(5)],
        exportTo: ['*'],
        ports: [{ number: 443, name: 'tls', protocol: 'TLS' }],
        resolution: 'DNS',
      },
    },
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { namespace: 'istio-egress', name: 'wildcard-shared' },
      spec: {
        hosts: ['*.shared.example.com'],
        gateways: ['mesh'],
        exportTo: ['.', 'team-6'],
        tls: [
          {
            match: [{ port: 443, sniHosts: ['*.shared.example.com'] }],
            route: [{ destination: { host: poolHost(1), port: { number: 443 } } }],
          },
        ],
      },
    },
    {
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { namespace: 'team-6', name: 'to-gateway' },
      spec: {
        host: 'istio-egressgateway.istio-egress.svc.cluster.local',
        exportTo: ['.'],
        trafficPolicy: { tls: { mode: 'ISTIO_MUTUAL', sni: poolHost(2) } },
      },
    },
  ];
}
