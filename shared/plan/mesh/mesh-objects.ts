import type { Environment } from '../../spec/environment.js';
import type { KubeObject } from '../kube-object.js';
import {
  deployment,
  horizontalPodAutoscaler,
  namespace,
  podDisruptionBudget,
  role,
  roleBinding,
  service,
  serviceAccount,
} from './kubernetes-builders.js';
import {
  authorizationPolicy,
  destinationRule,
  gateway,
  peerAuthentication,
  telemetry,
} from './istio-builders.js';
import {
  ADOPTED_ANNOTATION,
  EGRESS_GATEWAY_RESOURCE,
  GATEWAY_DESTINATION_RULE,
  GATEWAY_PORTS,
  GATEWAY_SELECTOR,
  ISTIO_SYSTEM,
  MTLS_SUBSET,
  PASSTHROUGH_SUBSET,
  gatewayServiceHost,
  ownerLabels,
} from './names.js';
import { sortObjects } from './sort.js';

/** Options of the mesh compiler. */
export interface MeshObjectsOptions {
  /**
   * Whether the managed control plane reports REVISION_READY. Until it does, no namespace is
   * labelled for injection and the gateway Deployment is left out: a pod created before the
   * injector exists would keep `image: auto` and never start. Default true (the final state).
   */
  revisionReady?: boolean;
}

/** Name of the allow-nothing policy that makes the egress gateway deny by default. */
export const GATEWAY_ALLOW_NOTHING_POLICY = 'egress-gateway-allow-nothing';
/** Name of the mesh-wide access-logging Telemetry. */
export const ACCESS_LOGGING_TELEMETRY = 'mesh-access-logging';

const TAINT_EFFECTS = {
  NO_SCHEDULE: 'NoSchedule',
  PREFER_NO_SCHEDULE: 'PreferNoSchedule',
  NO_EXECUTE: 'NoExecute',
} as const;

/**
 * Objects of the mesh-config step: namespaces, egress gateway, PeerAuthentication, Gateway,
 * egress DestinationRule, Telemetry, and the gateway's allow-nothing AuthorizationPolicy.
 * None depends on tenants, so onboarding a tenant never touches them.
 */
export function desiredMeshObjects(env: Environment, opts: MeshObjectsOptions = {}): KubeObject[] {
  const revisionReady = opts.revisionReady ?? true;
  const gw = env.spec.mesh.egressGateway;
  const labels = ownerLabels(env);
  const objects: KubeObject[] = [
    namespace({
      name: ISTIO_SYSTEM,
      labels: { ...labels, istio: 'system' },
      // The managed control plane creates istio-system; the product only adds its labels.
      annotations: { [ADOPTED_ANNOTATION]: 'true' },
    }),
    namespace({
      name: gw.namespace,
      // Gateway injection (inject.istio.io/templates: gateway) needs the injector to see the
      // namespace; the tutorial's `istio-injection: disabled` fits only its installer-built
      // gateway, which carried its own proxy image.
      labels: {
        ...labels,
        istio: 'egress',
        ...(revisionReady ? { 'istio-injection': 'enabled' } : {}),
      },
    }),
    // kube-system exists in every cluster: this label-only object is server-side applied, so the
    // product's field manager owns just this label; the applier never deletes an adopted
    // namespace (and the API server refuses to delete kube-system anyway).
    namespace({
      name: 'kube-system',
      labels: { ...labels, 'kube-system': 'true' },
      annotations: { [ADOPTED_ANNOTATION]: 'true' },
    }),
    ...egressGatewayWorkload(env, revisionReady),
    peerAuthentication({
      name: 'default',
      namespace: ISTIO_SYSTEM,
      labels,
      mtlsMode: env.spec.mesh.mtlsMode,
    }),
    gateway({
      name: EGRESS_GATEWAY_RESOURCE,
      namespace: gw.namespace,
      labels,
      selector: GATEWAY_SELECTOR,
      // Hosts are `<gateway namespace>/*` rather than '*': only VirtualServices of the gateway's
      // own namespace (all of them written by this compiler) can bind, so a tenant cannot attach
      // a route of its own. Listing granted hosts instead would make this mesh-level object
      // change with every tenant; per-host control is the VirtualServices' and policies' job.
      servers: [
        {
          port: { number: GATEWAY_PORTS.http.port, name: 'https', protocol: 'HTTPS' },
          hosts: [`${gw.namespace}/*`],
          tls: { mode: 'ISTIO_MUTUAL' },
        },
        {
          port: { number: GATEWAY_PORTS.tls.port, name: 'tls', protocol: 'TLS' },
          hosts: [`${gw.namespace}/*`],
          tls: { mode: 'PASSTHROUGH' },
        },
      ],
    }),
    destinationRule({
      name: GATEWAY_DESTINATION_RULE,
      namespace: gw.namespace,
      labels,
      host: gatewayServiceHost(env),
      subsets: [
        {
          name: MTLS_SUBSET,
          trafficPolicy: {
            loadBalancer: { simple: 'ROUND_ROBIN' },
            portLevelSettings: [
              { port: { number: GATEWAY_PORTS.http.port }, tls: { mode: 'ISTIO_MUTUAL' } },
            ],
          },
        },
        { name: PASSTHROUGH_SUBSET },
      ],
    }),
    // No ALLOW policy at all would mean "allow everything"; this one keeps the gateway closed
    // when no tenant is granted anything (ALLOW policies are ORed, so grants add to it).
    authorizationPolicy({
      name: GATEWAY_ALLOW_NOTHING_POLICY,
      namespace: gw.namespace,
      labels,
      selector: GATEWAY_SELECTOR,
      rules: [],
    }),
  ];
  if (env.spec.mesh.accessLogging) {
    objects.push(
      telemetry({
        name: ACCESS_LOGGING_TELEMETRY,
        namespace: ISTIO_SYSTEM,
        labels,
        accessLogProviders: ['envoy'],
      }),
    );
  }
  return sortObjects(objects);
}

/**
 * The egress gateway of the managed mesh, as Istio's gateway Helm chart lays it out: the pods
 * run the injected proxy (gateway template), on the tainted gateway pool only.
 */
function egressGatewayWorkload(env: Environment, revisionReady: boolean): KubeObject[] {
  const gw = env.spec.mesh.egressGateway;
  const pool = env.spec.gatewayPool;
  const labels = ownerLabels(env);
  const podSelector = { app: gw.name, ...GATEWAY_SELECTOR };
  const objects: KubeObject[] = [
    serviceAccount({
      name: gw.name,
      namespace: gw.namespace,
      labels: { ...labels, ...podSelector },
    }),
    // The gateway reads TLS secrets of its namespace (credentialName), as the chart grants it.
    role({
      name: gw.name,
      namespace: gw.namespace,
      labels,
      rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['get', 'watch', 'list'] }],
    }),
    roleBinding({
      name: gw.name,
      namespace: gw.namespace,
      labels,
      roleName: gw.name,
      serviceAccountName: gw.name,
    }),
    service({
      name: gw.name,
      namespace: gw.namespace,
      labels: { ...labels, ...podSelector },
      selector: podSelector,
      ports: [GATEWAY_PORTS.http, GATEWAY_PORTS.tls].map((p) => ({
        name: p.name,
        port: p.port,
        targetPort: p.targetPort,
      })),
    }),
    podDisruptionBudget({
      name: gw.name,
      namespace: gw.namespace,
      labels,
      minAvailable: 1,
      selector: podSelector,
    }),
    horizontalPodAutoscaler({
      name: gw.name,
      namespace: gw.namespace,
      labels,
      deploymentName: gw.name,
      minReplicas: gw.replicas,
      maxReplicas: Math.max(5, gw.replicas),
      cpuUtilizationPercent: 80,
    }),
  ];
  if (revisionReady) {
    objects.push(
      deployment({
        name: gw.name,
        namespace: gw.namespace,
        labels: { ...labels, ...podSelector },
        // No `replicas`: the autoscaler owns the count (its minReplicas is spec.replicas);
        // applying a fixed count on every reconcile would fight it.
        selector: podSelector,
        podAnnotations: { 'inject.istio.io/templates': 'gateway' },
        podLabels: { ...podSelector, 'sidecar.istio.io/inject': 'true' },
        podSpec: {
          serviceAccountName: gw.name,
          containers: [
            {
              name: 'istio-proxy',
              // Replaced by the injector with the mesh's proxy image.
              image: 'auto',
              resources: {
                requests: { cpu: '100m', memory: '128Mi' },
                limits: { cpu: '2000m', memory: '1024Mi' },
              },
            },
          ],
          nodeSelector: { 'cloud.google.com/gke-nodepool': pool.name },
          tolerations: [
            {
              key: pool.taint.key,
              operator: 'Equal',
              value: pool.taint.value,
              effect: TAINT_EFFECTS[pool.taint.effect],
            },
          ],
        },
      }),
    );
  }
  return objects;
}
