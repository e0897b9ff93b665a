/**
 * Kubernetes' built-in validation of the kinds the product writes: each refusal answers as
 * kube-apiserver does (422, a `Status` of reason Invalid naming kind, group, name and one cause
 * per field, worded as k8s.io/kubernetes words it), on every write path, and stores nothing.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startKubeSimulator, type KubeSimulator } from '../../../local/kube/index.js';
import { objectPath, restClient, type Json } from './helpers.js';

let simulator: KubeSimulator;
let call: ReturnType<typeof restClient>;

beforeAll(async () => {
  simulator = await startKubeSimulator({ port: 0 });
  call = restClient(simulator.url);
});

afterAll(async () => {
  await simulator.close();
});

beforeEach(async () => {
  simulator.reset();
  await call('POST', '/api/v1/namespaces', { metadata: { name: 'team-x' } });
});

const plurals: Record<string, string> = {
  Namespace: 'namespaces',
  Service: 'services',
  ConfigMap: 'configmaps',
  Deployment: 'deployments',
  NetworkPolicy: 'networkpolicies',
  Role: 'roles',
  RoleBinding: 'rolebindings',
  PodDisruptionBudget: 'poddisruptionbudgets',
  HorizontalPodAutoscaler: 'horizontalpodautoscalers',
};

function collection(object: Json): string {
  const namespace = object.kind === 'Namespace' ? undefined : 'team-x';
  return objectPath(object.apiVersion, plurals[object.kind] ?? '', namespace);
}

function create(object: Json) {
  return call('POST', collection(object), object);
}

/** Asserts a 422 Status of kube-apiserver's shape with exactly these causes; nothing stored. */
async function expectInvalid(
  response: Awaited<ReturnType<typeof call>>,
  object: Json,
  causes: { field: string; reason: string; message: string }[],
): Promise<void> {
  const group = String(object.apiVersion).includes('/')
    ? String(object.apiVersion).split('/')[0]
    : undefined;
  const qualified = group ? `${object.kind}.${group}` : object.kind;
  const list = causes.map((cause) => `${cause.field}: ${cause.message}`);
  expect(response.status).toBe(422);
  expect(response.body).toEqual({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    reason: 'Invalid',
    code: 422,
    message: `${qualified} "${object.metadata.name}" is invalid: ${list.length === 1 ? list[0] : `[${list.join(', ')}]`}`,
    details: {
      name: object.metadata.name,
      ...(group ? { group } : {}),
      kind: object.kind,
      causes,
    },
  });
  const stored = simulator
    .objects()
    .filter(
      (entry) =>
        entry.kind === object.kind && (entry.metadata as Json).name === object.metadata.name,
    );
  if (object.kind !== 'Namespace') expect(stored).toEqual([]);
}

const rfc1123Label =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const portRange = 'must be between 1 and 65535, inclusive';

function deployment(spec: Json = {}, name = 'web'): Json {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'team-x' },
    spec: {
      selector: { matchLabels: { app: 'web' } },
      template: {
        metadata: { labels: { app: 'web' } },
        spec: { containers: [{ name: 'web', image: 'nginx' }] },
      },
      ...spec,
    },
  };
}

function service(spec: Json, name = 'web'): Json {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'team-x' },
    spec: { selector: { app: 'web' }, ...spec },
  };
}

function networkPolicy(spec: Json): Json {
  return {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: { name: 'egress', namespace: 'team-x' },
    spec: { podSelector: {}, policyTypes: ['Egress'], ...spec },
  };
}

describe('Deployment (k8s.io/kubernetes pkg/apis/apps/validation/validation.go ValidateDeploymentSpec)', () => {
  it('accepts a valid Deployment', async () => {
    expect((await create(deployment())).status).toBe(201);
  });

  it('refuses a selector that does not match the template labels', async () => {
    // ValidatePodTemplateSpecForReplicaSet: "`selector` does not match template `labels`".
    const object = deployment({
      template: {
        metadata: { labels: { app: 'other' } },
        spec: { containers: [{ name: 'web', image: 'nginx' }] },
      },
    });
    await expectInvalid(await create(object), object, [
      {
        field: 'spec.template.metadata.labels',
        reason: 'FieldValueInvalid',
        message: 'Invalid value: {"app":"other"}: `selector` does not match template `labels`',
      },
    ]);
  });

  it('refuses an empty selector and a template without containers', async () => {
    // ValidateDeploymentSpec: "empty selector is invalid for deployment";
    // pkg/apis/core/validation/validation.go validateContainers: Required when empty.
    const object = deployment({
      selector: {},
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [] } },
    });
    await expectInvalid(await create(object), object, [
      {
        field: 'spec.selector',
        reason: 'FieldValueInvalid',
        message: 'Invalid value: {}: empty selector is invalid for deployment',
      },
      {
        field: 'spec.template.spec.containers',
        reason: 'FieldValueRequired',
        message: 'Required value',
      },
    ]);
  });

  it('refuses duplicate or invalid container names, a missing image and port 70000', async () => {
    // pkg/apis/core/validation/validation.go validateContainers, validateContainerCommon,
    // validateContainerPorts.
    const object = deployment({
      template: {
        metadata: { labels: { app: 'web' } },
        spec: {
          containers: [
            { name: 'web', image: 'nginx', ports: [{ containerPort: 70000 }] },
            { name: 'web', image: 'nginx' },
            { name: 'Side_Car' },
          ],
        },
      },
    });
    await expectInvalid(await create(object), object, [
      {
        field: 'spec.template.spec.containers[0].ports[0].containerPort',
        reason: 'FieldValueInvalid',
        message: `Invalid value: 70000: ${portRange}`,
      },
      {
        field: 'spec.template.spec.containers[1].name',
        reason: 'FieldValueDuplicate',
        message: 'Duplicate value: "web"',
      },
      {
        field: 'spec.template.spec.containers[2].name',
        reason: 'FieldValueInvalid',
        message: `Invalid value: "Side_Car": ${rfc1123Label}`,
      },
      {
        field: 'spec.template.spec.containers[2].image',
        reason: 'FieldValueRequired',
        message: 'Required value',
      },
    ]);
  });

  it('refuses on every write path: update, merge patch, strategic merge patch, apply', async () => {
    const valid = deployment();
    expect((await create(valid)).status).toBe(201);
    const path = objectPath('apps/v1', 'deployments', 'team-x', 'web');
    const before = (await call('GET', path)).body;
    const mismatch = {
      field: 'spec.template.metadata.labels',
      reason: 'FieldValueInvalid',
      message: 'Invalid value: {"app":"other"}: `selector` does not match template `labels`',
    };
    const relabel = { spec: { template: { metadata: { labels: { app: 'other' } } } } };
    const bad = structuredClone(valid);
    bad.spec.template.metadata.labels = { app: 'other' };
    const responses = [
      await call('PUT', path, bad),
      await call('PATCH', path, relabel, 'application/merge-patch+json'),
      await call('PATCH', path, relabel, 'application/strategic-merge-patch+json'),
      await call(
        'PATCH',
        `${path}?fieldManager=test&force=true`,
        bad,
        'application/apply-patch+yaml',
      ),
    ];
    for (const response of responses) {
      expect(response.status).toBe(422);
      expect(response.body.reason).toBe('Invalid');
      expect(response.body.details.causes).toEqual([mismatch]);
    }
    expect((await call('GET', path)).body).toEqual(before);
  });
});

describe('immutable fields on update', () => {
  it('refuses a changed Deployment selector (pkg/registry/apps/deployment/strategy.go ValidateUpdate)', async () => {
    expect((await create(deployment())).status).toBe(201);
    const object = deployment({
      selector: { matchLabels: { app: 'web', tier: 'front' } },
      template: {
        metadata: { labels: { app: 'web', tier: 'front' } },
        spec: { containers: [{ name: 'web', image: 'nginx' }] },
      },
    });
    const response = await call(
      'PUT',
      objectPath('apps/v1', 'deployments', 'team-x', 'web'),
      object,
    );
    expect(response.status).toBe(422);
    expect(response.body.details.causes).toEqual([
      {
        field: 'spec.selector',
        reason: 'FieldValueInvalid',
        message: 'Invalid value: {"matchLabels":{"app":"web","tier":"front"}}: field is immutable',
      },
    ]);
    expect(response.body.message).toBe(
      'Deployment.apps "web" is invalid: spec.selector: Invalid value: {"matchLabels":{"app":"web","tier":"front"}}: field is immutable',
    );
  });

  it('refuses a changed RoleBinding roleRef (pkg/apis/rbac/validation ValidateRoleBindingUpdate)', async () => {
    const binding = (role: string): Json => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'bind', namespace: 'team-x' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
      subjects: [{ kind: 'ServiceAccount', name: 'gateway', namespace: 'team-x' }],
    });
    expect((await create(binding('reader'))).status).toBe(201);
    const path = objectPath('rbac.authorization.k8s.io/v1', 'rolebindings', 'team-x', 'bind');
    const response = await call(
      'PATCH',
      `${path}?fieldManager=test&force=true`,
      binding('writer'),
      'application/apply-patch+yaml',
    );
    expect(response.status).toBe(422);
    expect(response.body.details).toEqual({
      name: 'bind',
      group: 'rbac.authorization.k8s.io',
      kind: 'RoleBinding',
      causes: [
        {
          field: 'roleRef',
          reason: 'FieldValueInvalid',
          message:
            'Invalid value: {"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"writer"}: cannot change roleRef',
        },
      ],
    });
  });
});

describe('Service (k8s.io/kubernetes pkg/apis/core/validation/validation.go ValidateService)', () => {
  it('accepts a valid Service', async () => {
    const response = await create(
      service({
        ports: [
          { name: 'http', port: 80, targetPort: 8080 },
          { name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'TCP' },
        ],
      }),
    );
    expect(response.status).toBe(201);
  });

  it('refuses port 70000, an unknown protocol, a bad targetPort name and duplicate names', async () => {
    // validateServicePort: IsValidPortNum, supportedPortProtocols, ValidatePortNumOrName, Duplicate.
    const object = service({
      ports: [
        { name: 'http', port: 70000, protocol: 'HTTP', targetPort: 'Http_Port' },
        { name: 'http', port: 443 },
        { port: 444 },
      ],
    });
    await expectInvalid(await create(object), object, [
      {
        field: 'spec.ports[0].port',
        reason: 'FieldValueInvalid',
        message: `Invalid value: 70000: ${portRange}`,
      },
      {
        field: 'spec.ports[0].protocol',
        reason: 'FieldValueNotSupported',
        message: 'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"',
      },
      {
        field: 'spec.ports[0].targetPort',
        reason: 'FieldValueInvalid',
        message:
          'Invalid value: "Http_Port": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)',
      },
      {
        field: 'spec.ports[1].name',
        reason: 'FieldValueDuplicate',
        message: 'Duplicate value: "http"',
      },
      { field: 'spec.ports[2].name', reason: 'FieldValueRequired', message: 'Required value' },
    ]);
  });

  it('reports a mistyped port as the decoding error only, not as port 0', async () => {
    // A real server fails to decode a string into ServicePort.port (int32); the rule never runs.
    const response = await create(service({ ports: [{ name: 'http', port: 'http' }] }));
    expect(response.status).toBe(422);
    expect(response.body.details.causes).toEqual([
      expect.objectContaining({ field: 'spec.ports[0].port', reason: 'FieldValueTypeInvalid' }),
    ]);
  });

  it('refuses a name that is not a DNS-1035 label and selector labels that are not labels', async () => {
    // ValidateServiceName = apimachineryvalidation.NameIsDNS1035Label; ValidateLabels of spec.selector.
    const object = service({ ports: [{ port: 80 }], selector: { 'app/x/y': 'web' } }, '1web');
    await expectInvalid(await create(object), object, [
      {
        field: 'metadata.name',
        reason: 'FieldValueInvalid',
        message:
          "Invalid value: \"1web\": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')",
      },
      {
        field: 'spec.selector',
        reason: 'FieldValueInvalid',
        message:
          "Invalid value: \"app/x/y\": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
      },
    ]);
  });
});

describe('NetworkPolicy (k8s.io/kubernetes pkg/apis/networking/validation/validation.go ValidateNetworkPolicySpec)', () => {
  it('accepts a valid NetworkPolicy', async () => {
    const response = await create(
      networkPolicy({
        egress: [
          {
            to: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }],
            ports: [{ protocol: 'TCP', port: 443, endPort: 8443 }],
          },
          {
            to: [
              {
                namespaceSelector: {
                  matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' },
                },
              },
            ],
          },
        ],
      }),
    );
    expect(response.status).toBe(201);
  });

  it('refuses port 0, endPort below port, an unknown protocol and a named port with endPort', async () => {
    // ValidateNetworkPolicyPort.
    const object = networkPolicy({
      egress: [
        {
          ports: [
            { port: 0 },
            { protocol: 'ICMP', port: 443, endPort: 80 },
            { port: 'https', endPort: 8443 },
          ],
        },
      ],
    });
    await expectInvalid(await create(object), object, [
      {
        field: 'spec.egress[0].ports[0].port',
        reason: 'FieldValueInvalid',
        message: `Invalid value: 0: ${portRange}`,
      },
      {
        field: 'spec.egress[0].ports[1].protocol',
        reason: 'FieldValueNotSupported',
        message: 'Unsupported value: "ICMP": supported values: "TCP", "UDP", "SCTP"',
      },
      {
        field: 'spec.egress[0].ports[1].endPort',
        reason: 'FieldValueInvalid',
        message: 'Invalid value: 80: must be greater than or equal to `port`',
      },
      {
        field: 'spec.egress[0].ports[2].endPort',
        reason: 'FieldValueInvalid',
        message: 'Invalid value: 8443: may not be specified when `port` is non-numeric',
      },
    ]);
  });

  it('refuses an invalid CIDR, an except outside the CIDR, and an ipBlock beside another peer', async () => {
    // ValidateIPBlock, ValidateNetworkPolicyPeer.
    const object = networkPolicy({
      egress: [
        {
          to: [
            { ipBlock: { cidr: 'notacidr' } },
            { ipBlock: { cidr: '10.0.0.0/8', except: ['192.168.0.0/16', '10.0.0.0/8', 'x'] } },
            { ipBlock: { cidr: '0.0.0.0/0' }, podSelector: {} },
            {},
          ],
        },
      ],
    });
    const cidr = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';
    await expectInvalid(await create(object), object, [
      {
        field: 'spec.egress[0].to[0].ipBlock.cidr',
        reason: 'FieldValueInvalid',
        message: `Invalid value: "notacidr": ${cidr}`,
      },
      {
        field: 'spec.egress[0].to[1].ipBlock.except[0]',
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "192.168.0.0/16": must be a strict subset of `cidr`',
      },
      {
        field: 'spec.egress[0].to[1].ipBlock.except[1]',
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "10.0.0.0/8": must be a strict subset of `cidr`',
      },
      {
        field: 'spec.egress[0].to[1].ipBlock.except[2]',
        reason: 'FieldValueInvalid',
        message: `Invalid value: "x": ${cidr}`,
      },
      {
        field: 'spec.egress[0].to[2]',
        reason: 'FieldValueForbidden',
        message: 'Forbidden: may not specify both ipBlock and another peer',
      },
      {
        field: 'spec.egress[0].to[3]',
        reason: 'FieldValueRequired',
        message: 'Required value: must specify a peer',
      },
    ]);
  });

  it('refuses label selectors with a bad operator, missing values or a bad key', async () => {
    // k8s.io/apimachinery pkg/apis/meta/v1/validation/validation.go ValidateLabelSelectorRequirement.
    const object = networkPolicy({
      podSelector: {
        matchExpressions: [
          { key: 'app', operator: 'Equals', values: ['web'] },
          { key: '-app', operator: 'In', values: [] },
        ],
      },
    });
    await expectInvalid(await create(object), object, [
      {
        field: 'spec.podSelector.matchExpressions[0].operator',
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "Equals": not a valid selector operator',
      },
      {
        field: 'spec.podSelector.matchExpressions[1].values',
        reason: 'FieldValueRequired',
        message: "Required value: must be specified when `operator` is 'In' or 'NotIn'",
      },
      {
        field: 'spec.podSelector.matchExpressions[1].key',
        reason: 'FieldValueInvalid',
        message:
          "Invalid value: \"-app\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      },
    ]);
  });
});

describe('RBAC (k8s.io/kubernetes pkg/apis/rbac/validation/validation.go)', () => {
  it('accepts path-segment names such as system:egress-reader', async () => {
    const role = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'system:egress-reader', namespace: 'team-x' },
      rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
    };
    expect((await create(role)).status).toBe(201);
  });

  it('refuses a RoleBinding to an unknown roleRef kind and subject kind (ValidateRoleBinding)', async () => {
    const object = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'bind', namespace: 'team-x' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Policy', name: 'a/b' },
      subjects: [
        { kind: 'Robot', name: 'r2' },
        { kind: 'ServiceAccount', name: 'Bad_Name', namespace: 'team-x' },
      ],
    };
    await expectInvalid(await create(object), object, [
      {
        field: 'roleRef.kind',
        reason: 'FieldValueNotSupported',
        message: 'Unsupported value: "Policy": supported values: "Role", "ClusterRole"',
      },
      {
        field: 'roleRef.name',
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "a/b": may not contain \'/\'',
      },
      {
        field: 'subjects[0].kind',
        reason: 'FieldValueNotSupported',
        message: 'Unsupported value: "Robot": supported values: "ServiceAccount", "User", "Group"',
      },
      {
        field: 'subjects[1].name',
        reason: 'FieldValueInvalid',
        message:
          "Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
      },
    ]);
  });

  it('refuses a Role rule without verbs or resources (ValidatePolicyRule)', async () => {
    const object = {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: { name: 'reader', namespace: 'team-x' },
      rules: [{ apiGroups: [''], verbs: [] }],
    };
    await expectInvalid(await create(object), object, [
      {
        field: 'rules[0].verbs',
        reason: 'FieldValueRequired',
        message: 'Required value: verbs must contain at least one value',
      },
      {
        field: 'rules[0].resources',
        reason: 'FieldValueRequired',
        message: 'Required value: resource rules must supply at least one resource',
      },
    ]);
  });
});

describe('ObjectMeta (k8s.io/apimachinery pkg/api/validation/objectmeta.go ValidateObjectMetaAccessor)', () => {
  it('refuses a namespace name with dots, a long label value and a bad annotation key', async () => {
    // ValidateNamespaceName = NameIsDNSLabel (IsDNS1123Label); ValidateLabels; ValidateAnnotations.
    const object = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name: 'team.x',
        labels: { team: 'x'.repeat(64) },
        annotations: { 'bad key': 'v' },
      },
    };
    await expectInvalid(await create(object), object, [
      {
        field: 'metadata.name',
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "team.x": must not contain dots',
      },
      {
        field: 'metadata.labels',
        reason: 'FieldValueInvalid',
        message: `Invalid value: "${'x'.repeat(64)}": must be no more than 63 characters`,
      },
      {
        field: 'metadata.annotations',
        reason: 'FieldValueInvalid',
        message:
          "Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
      },
    ]);
    expect((await call('GET', '/api/v1/namespaces/team.x')).status).toBe(404);
  });

  it('refuses annotations over 256 KiB in all', async () => {
    const object = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'big', namespace: 'team-x', annotations: { a: 'x'.repeat(262144) } },
    };
    await expectInvalid(await create(object), object, [
      {
        field: 'metadata.annotations',
        reason: 'FieldValueTooLong',
        message: 'Too long: must have at most 262144 bytes',
      },
    ]);
  });
});

describe('PodDisruptionBudget and HorizontalPodAutoscaler', () => {
  it('refuses minAvailable with maxUnavailable (pkg/apis/policy/validation ValidatePodDisruptionBudgetSpec)', async () => {
    const object = {
      apiVersion: 'policy/v1',
      kind: 'PodDisruptionBudget',
      metadata: { name: 'pdb', namespace: 'team-x' },
      spec: { minAvailable: 1, maxUnavailable: '150%', selector: { matchLabels: { app: 'web' } } },
    };
    await expectInvalid(await create(object), object, [
      {
        field: 'spec',
        reason: 'FieldValueInvalid',
        message: `Invalid value: ${JSON.stringify(object.spec)}: minAvailable and maxUnavailable cannot be both set`,
      },
      {
        field: 'spec.maxUnavailable',
        reason: 'FieldValueInvalid',
        message: 'Invalid value: "150%": must not be greater than 100%',
      },
    ]);
  });

  it('refuses maxReplicas below minReplicas (pkg/apis/autoscaling/validation validateHorizontalPodAutoscalerSpec)', async () => {
    const object = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'hpa', namespace: 'team-x' },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 3,
        maxReplicas: 2,
      },
    };
    await expectInvalid(await create(object), object, [
      {
        field: 'spec.maxReplicas',
        reason: 'FieldValueInvalid',
        message: 'Invalid value: 2: must be greater than or equal to `minReplicas`',
      },
    ]);
  });
});
