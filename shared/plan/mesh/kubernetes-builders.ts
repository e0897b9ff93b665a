/**
 * Typed builders of the built-in Kubernetes kinds the compiler emits (cdk8s style: one
 * `XxxProps` interface and one function per kind). They fix apiVersion, kind and key order, so
 * the rendered YAML is stable and readable; policy decisions live in the callers.
 */
import type { KubeObject } from '../kube-object.js';

/** Metadata every builder takes. */
export interface ObjectMetaProps {
  name: string;
  /** Absent for cluster-scoped kinds. */
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** Sorted copy of a string map, so output does not depend on the order specs list labels in. */
export function sortedRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
}

/** Metadata in a fixed key order, with sorted labels and annotations; empty maps left out. */
function objectMeta(props: ObjectMetaProps): KubeObject['metadata'] {
  const meta: KubeObject['metadata'] = { name: props.name };
  if (props.namespace !== undefined) meta.namespace = props.namespace;
  if (props.labels && Object.keys(props.labels).length > 0)
    meta.labels = sortedRecord(props.labels);
  if (props.annotations && Object.keys(props.annotations).length > 0) {
    meta.annotations = sortedRecord(props.annotations);
  }
  return meta;
}

/** A Kubernetes object of one apiVersion and kind: metadata in the fixed order, then the body. */
export function kubeObject(
  apiVersion: string,
  kind: string,
  props: ObjectMetaProps,
  body: Omit<KubeObject, 'apiVersion' | 'kind' | 'metadata'> = {},
): KubeObject {
  return { apiVersion, kind, metadata: objectMeta(props), ...body };
}

/** The fields that have a value, in the order given: optional fields are left out, not null. */
export function definedFields(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
}

/** A list, or undefined when it is absent or empty: for fields that are left out when empty. */
export function nonEmpty<T>(list: readonly T[] | undefined): readonly T[] | undefined {
  return list && list.length > 0 ? list : undefined;
}

/** Properties for `Namespace` (cluster-scoped). */
export type NamespaceProps = Omit<ObjectMetaProps, 'namespace'>;

/** A Namespace; labels carry the mesh's injection and selection contract. */
export function namespace(props: NamespaceProps): KubeObject {
  return kubeObject('v1', 'Namespace', props);
}

/** Properties for `ServiceAccount`. */
export type ServiceAccountProps = ObjectMetaProps & { namespace: string };

/** A ServiceAccount (annotations carry Workload Identity's binding). */
export function serviceAccount(props: ServiceAccountProps): KubeObject {
  return kubeObject('v1', 'ServiceAccount', props);
}

/** A label selector as Kubernetes takes it. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
}

/** A NetworkPolicy peer: pods, namespaces (both ANDed when given together), or an IP block. */
export interface NetworkPolicyPeer {
  namespaceSelector?: LabelSelector;
  podSelector?: LabelSelector;
  ipBlock?: { cidr: string; except?: string[] };
}

/** A NetworkPolicy port. */
export interface NetworkPolicyPort {
  protocol: 'TCP' | 'UDP' | 'SCTP';
  port: number;
}

/** Properties for `NetworkPolicy`. */
export interface NetworkPolicyProps extends ObjectMetaProps {
  namespace: string;
  /** Pods the policy applies to; `{}` selects every pod of the namespace. */
  podSelector?: LabelSelector;
  egress?: { to: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }[];
  ingress?: { from: NetworkPolicyPeer[]; ports?: NetworkPolicyPort[] }[];
}

/**
 * A NetworkPolicy. policyTypes is always explicit: left out, Kubernetes infers it from which
 * rule lists are present, which hides from a reader whether a policy isolates ingress.
 */
export function networkPolicy(props: NetworkPolicyProps): KubeObject {
  const policyTypes: string[] = [];
  if (props.ingress) policyTypes.push('Ingress');
  if (props.egress) policyTypes.push('Egress');
  return kubeObject('networking.k8s.io/v1', 'NetworkPolicy', props, {
    spec: definedFields({
      podSelector: props.podSelector ?? {},
      policyTypes,
      ingress: props.ingress,
      egress: props.egress,
    }),
  });
}

/** Properties for `Role`. */
export interface RoleProps extends ObjectMetaProps {
  namespace: string;
  rules: { apiGroups: string[]; resources: string[]; verbs: string[] }[];
}

/** A namespaced RBAC Role. */
export function role(props: RoleProps): KubeObject {
  return kubeObject('rbac.authorization.k8s.io/v1', 'Role', props, {
    rules: props.rules,
  });
}

/** Properties for `RoleBinding` of a Role to one ServiceAccount of the same namespace. */
export interface RoleBindingProps extends ObjectMetaProps {
  namespace: string;
  roleName: string;
  serviceAccountName: string;
}

/** A RoleBinding of a Role to a ServiceAccount. */
export function roleBinding(props: RoleBindingProps): KubeObject {
  return kubeObject('rbac.authorization.k8s.io/v1', 'RoleBinding', props, {
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: props.roleName },
    subjects: [
      { kind: 'ServiceAccount', name: props.serviceAccountName, namespace: props.namespace },
    ],
  });
}

/** One Service port. */
export interface ServicePort {
  name: string;
  port: number;
  targetPort: number;
  protocol?: 'TCP' | 'UDP';
}

/** Properties for `Service` (ClusterIP). */
export interface ServiceProps extends ObjectMetaProps {
  namespace: string;
  selector: Record<string, string>;
  ports: ServicePort[];
}

/** A ClusterIP Service. */
export function service(props: ServiceProps): KubeObject {
  return kubeObject('v1', 'Service', props, {
    spec: {
      type: 'ClusterIP',
      selector: sortedRecord(props.selector),
      ports: props.ports.map((p) => ({
        name: p.name,
        port: p.port,
        targetPort: p.targetPort,
        protocol: p.protocol ?? 'TCP',
      })),
    },
  });
}

/** Properties for `Deployment`. */
export interface DeploymentProps extends ObjectMetaProps {
  namespace: string;
  /** Left out when an autoscaler owns the replica count. */
  replicas?: number;
  selector: Record<string, string>;
  podLabels: Record<string, string>;
  podAnnotations?: Record<string, string>;
  podSpec: Record<string, unknown>;
}

/** A Deployment. */
export function deployment(props: DeploymentProps): KubeObject {
  return kubeObject('apps/v1', 'Deployment', props, {
    spec: definedFields({
      replicas: props.replicas,
      selector: { matchLabels: sortedRecord(props.selector) },
      template: {
        metadata: definedFields({
          annotations: props.podAnnotations && sortedRecord(props.podAnnotations),
          labels: sortedRecord(props.podLabels),
        }),
        spec: props.podSpec,
      },
    }),
  });
}

/** Properties for `PodDisruptionBudget`. */
export interface PodDisruptionBudgetProps extends ObjectMetaProps {
  namespace: string;
  minAvailable: number;
  selector: Record<string, string>;
}

/** A PodDisruptionBudget (policy/v1). */
export function podDisruptionBudget(props: PodDisruptionBudgetProps): KubeObject {
  return kubeObject('policy/v1', 'PodDisruptionBudget', props, {
    spec: {
      minAvailable: props.minAvailable,
      selector: { matchLabels: sortedRecord(props.selector) },
    },
  });
}

/** Properties for a CPU-based `HorizontalPodAutoscaler` of a Deployment. */
export interface HorizontalPodAutoscalerProps extends ObjectMetaProps {
  namespace: string;
  deploymentName: string;
  minReplicas: number;
  maxReplicas: number;
  cpuUtilizationPercent: number;
}

/** A HorizontalPodAutoscaler (autoscaling/v2) scaling a Deployment on CPU. */
export function horizontalPodAutoscaler(props: HorizontalPodAutoscalerProps): KubeObject {
  return kubeObject('autoscaling/v2', 'HorizontalPodAutoscaler', props, {
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: props.deploymentName },
      minReplicas: props.minReplicas,
      maxReplicas: props.maxReplicas,
      metrics: [
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: { type: 'Utilization', averageUtilization: props.cpuUtilizationPercent },
          },
        },
      ],
    },
  });
}
