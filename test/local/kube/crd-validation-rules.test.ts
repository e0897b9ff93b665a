/**
 * The Istio CRDs' CEL rules (`x-kubernetes-validations`) as kube-apiserver 1.32 evaluates them:
 * k8s.io/apiextensions-apiserver pkg/apiserver/schema/cel/validation.go (validateExpressions:
 * `field.Invalid(fldPath, sts.Type, ruleMessageOrDefault(rule))`, `%v evaluating rule: %v`,
 * transition rules only with an old value, ratcheting) and pkg/registry/customresource
 * strategy.go (`hasBlockingErr`: rules do not run after a required/enum/type/size error). The
 * 422 body is apimachinery's errors.NewInvalid.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startKubeSimulator, type KubeSimulator } from '../../../local/kube/index.js';
import { loadCrdKinds, type StructuralSchema } from '../../../local/kube/crd-kinds.js';
import { skippedRules, validateCrdRules } from '../../../local/kube/cel/index.js';
import { finalStateObjects, objectPath, restClient, type Json } from './helpers.js';

const plurals: Record<string, string> = {
  Namespace: 'namespaces',
  ServiceAccount: 'serviceaccounts',
  NetworkPolicy: 'networkpolicies',
  PeerAuthentication: 'peerauthentications',
  Sidecar: 'sidecars',
  Gateway: 'gateways',
  DestinationRule: 'destinationrules',
  ServiceEntry: 'serviceentries',
  VirtualService: 'virtualservices',
  AuthorizationPolicy: 'authorizationpolicies',
};

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
  await call('POST', '/api/v1/namespaces', {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: 'istio-egress' },
  });
});

function create(object: Json) {
  const metadata = object.metadata as Json;
  return call(
    'POST',
    objectPath(object.apiVersion, plurals[object.kind] ?? '', metadata.namespace),
    object,
  );
}

const serviceEntry = (ports: Json[]): Json => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'ServiceEntry',
  metadata: { name: 'bad-port', namespace: 'istio-egress' },
  spec: { hosts: ['example.com'], ports, resolution: 'DNS', location: 'MESH_EXTERNAL' },
});

/** The 422 Status kube-apiserver answers with one cause. */
function invalidStatus(kind: string, group: string, name: string, field: string, body: string) {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `${kind}.${group} "${name}" is invalid: ${field}: ${body}`,
    reason: 'Invalid',
    details: { name, group, kind, causes: [{ reason: 'FieldValueInvalid', message: body, field }] },
    code: 422,
  };
}

describe('CEL validation rules of the Istio CRDs', () => {
  it('refuses a ServiceEntry port 70000 (rule `0 < self && self <= 65535`) and stores nothing', async () => {
    // Source: the ServiceEntry CRD's rule on spec.ports[].number; the value shown is the
    // schema type (validation.go: field.Invalid(fldPath, sts.Type, ...), Kubernetes 1.32).
    const response = await create(
      serviceEntry([{ number: 70000, name: 'http', protocol: 'HTTP' }]),
    );
    expect(response.status).toBe(422);
    expect(response.body).toEqual(
      invalidStatus(
        'ServiceEntry',
        'networking.istio.io',
        'bad-port',
        'spec.ports[0].number',
        'Invalid value: "integer": port must be between 1-65535',
      ),
    );
    const stored = await call(
      'GET',
      objectPath('networking.istio.io/v1', 'serviceentries', 'istio-egress', 'bad-port'),
    );
    expect(stored.status).toBe(404);
  });

  it('refuses a DestinationRule connect timeout `abc`: the rule fails to evaluate', async () => {
    // Source: rule `duration(self) >= duration('1ms')`; cel-go's String.ConvertToType error,
    // reported by validation.go as "%v evaluating rule: %v" with the rule's message.
    const response = await create({
      apiVersion: 'networking.istio.io/v1',
      kind: 'DestinationRule',
      metadata: { name: 'slow', namespace: 'istio-egress' },
      spec: {
        host: 'example.com',
        trafficPolicy: { connectionPool: { tcp: { connectTimeout: 'abc' } } },
      },
    });
    expect(response.status).toBe(422);
    expect(response.body).toEqual(
      invalidStatus(
        'DestinationRule',
        'networking.istio.io',
        'slow',
        'spec.trafficPolicy.connectionPool.tcp.connectTimeout',
        "Invalid value: \"string\": type conversion error from 'string' to 'google.protobuf.Duration' evaluating rule: must be a valid duration greater than 1ms",
      ),
    );
  });

  it('refuses a VirtualService http timeout `abc`, and one below 1ms', async () => {
    const virtualService = (timeout: string): Json => ({
      apiVersion: 'networking.istio.io/v1',
      kind: 'VirtualService',
      metadata: { name: 'timeout', namespace: 'istio-egress' },
      spec: {
        hosts: ['example.com'],
        http: [{ timeout, route: [{ destination: { host: 'example.com' } }] }],
      },
    });
    const abc = await create(virtualService('abc'));
    expect(abc.status).toBe(422);
    expect(abc.body.message).toBe(
      `VirtualService.networking.istio.io "timeout" is invalid: spec.http[0].timeout: Invalid value: "string": type conversion error from 'string' to 'google.protobuf.Duration' evaluating rule: must be a valid duration greater than 1ms`,
    );
    const tiny = await create(virtualService('100us'));
    expect(tiny.status).toBe(422);
    expect(tiny.body.details.causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.http[0].timeout',
        message: 'Invalid value: "string": must be a valid duration greater than 1ms',
      },
    ]);
    // Go's time.ParseDuration grammar: compound durations are valid.
    expect((await create(virtualService('1m30.5s'))).status).toBe(201);
  });

  it('refuses an AuthorizationPolicy with both `selector` and `targetRef`', async () => {
    // Source: rule `(has(self.selector) ? 1 : 0) + (has(self.targetRef) ? 1 : 0) + ... <= 1`
    // on the AuthorizationPolicy CRD's spec.
    const response = await create({
      apiVersion: 'security.istio.io/v1',
      kind: 'AuthorizationPolicy',
      metadata: { name: 'both', namespace: 'istio-egress' },
      spec: {
        selector: { matchLabels: { app: 'egress' } },
        targetRef: { group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'egress' },
      },
    });
    expect(response.status).toBe(422);
    expect(response.body).toEqual(
      invalidStatus(
        'AuthorizationPolicy',
        'security.istio.io',
        'both',
        'spec',
        'Invalid value: "object": only one of targetRefs or selector can be set',
      ),
    );
  });

  it('refuses an update (PUT) that breaks a rule, keeping the stored object', async () => {
    const created = await create(serviceEntry([{ number: 443, name: 'tls', protocol: 'TLS' }]));
    expect(created.status).toBe(201);
    const path = objectPath('networking.istio.io/v1', 'serviceentries', 'istio-egress', 'bad-port');
    const changed = structuredClone(created.body);
    changed.spec.ports[0].number = 0;
    const response = await call('PUT', path, changed);
    expect(response.status).toBe(422);
    expect(response.body.details.causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.ports[0].number',
        message: 'Invalid value: "integer": port must be between 1-65535',
      },
    ]);
    expect((await call('GET', path)).body.spec.ports[0].number).toBe(443);
  });

  it('does not run the rules after a blocking schema error (strategy.go hasBlockingErr)', async () => {
    // A type error (FieldValueTypeInvalid) on one port and a rule failure on another: the API
    // server reports the type error and the `<nil>` cause, not the rule.
    const response = await create(
      serviceEntry([
        { number: 'eighty', name: 'http', protocol: 'HTTP' },
        { number: 70000, name: 'tls', protocol: 'TLS' },
      ]),
    );
    expect(response.status).toBe(422);
    const causes = response.body.details.causes as Json[];
    expect(causes.map((cause) => cause.field)).toEqual(['spec.ports[0].number', '<nil>']);
    expect(causes[1]).toEqual({
      reason: 'FieldValueInvalid',
      field: '<nil>',
      message:
        'Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    });
  });

  it("accepts the tutorial's Istio objects: every rule passes", async () => {
    const objects = finalStateObjects();
    for (const object of objects) {
      const response = await create(object as Json);
      expect(
        [201, 409].includes(response.status),
        `${String(object.kind)}: ${JSON.stringify(response.body)}`,
      ).toBe(true);
    }
    const kinds = new Set(objects.map((object) => object.kind));
    for (const kind of [
      'ServiceEntry',
      'DestinationRule',
      'VirtualService',
      'AuthorizationPolicy',
      'Gateway',
      'Sidecar',
      'PeerAuthentication',
    ])
      expect(kinds.has(kind)).toBe(true);
    expect(skippedRules()).toEqual([]);
  });

  it('compiles and runs every rule of the bundled CRDs with the library', () => {
    let rules = 0;
    const visit = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(visit);
      if (typeof node !== 'object' || node === null) return;
      const record = node as Record<string, unknown>;
      if (Array.isArray(record['x-kubernetes-validations']))
        rules += record['x-kubernetes-validations'].length;
      Object.values(record).forEach(visit);
    };
    for (const crd of loadCrdKinds()) for (const version of crd.versions) visit(version.schema);
    expect(rules).toBe(362);
    // An empty object reaches only the root: compile every node's rules by validating the
    // tutorial objects above and a wasm plugin that reaches the url library.
    const wasm = loadCrdKinds().find((crd) => crd.kind === 'WasmPlugin')?.versions[0]?.schema;
    expect(wasm).toBeDefined();
    const verdict = (url: string) =>
      validateCrdRules(wasm as StructuralSchema, { spec: { url } }, undefined).causes;
    expect(verdict('oci://ghcr.io/istio/wasm:1')).toEqual([]);
    expect(verdict('ghcr.io/istio/wasm:1')).toEqual([]);
    expect(verdict('ftp://example.com/plugin.wasm')).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.url',
        message: 'Invalid value: "string": url must have schema one of [http, https, file, oci]',
      },
    ]);
    expect(skippedRules()).toEqual([]);
  });
});

describe('rule semantics beyond the bundled CRDs (synthetic schemas)', () => {
  const schemaWith = (spec: StructuralSchema): StructuralSchema => ({
    type: 'object',
    properties: { spec },
  });

  it('runs a transition rule (oldSelf) only on update, where the old value exists', () => {
    // No bundled Istio CRD has a transition rule; validation.go skips them without an old value.
    const schema = schemaWith({
      type: 'object',
      properties: {
        replicas: {
          type: 'integer',
          'x-kubernetes-validations': [
            { rule: 'self >= oldSelf', message: 'replicas may not decrease' },
          ],
        },
      },
    });
    const object = (replicas: number) => ({ spec: { replicas } });
    expect(validateCrdRules(schema, object(1), undefined).causes).toEqual([]);
    expect(validateCrdRules(schema, object(3), object(2)).causes).toEqual([]);
    expect(validateCrdRules(schema, object(1), object(2)).causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.replicas',
        message: 'Invalid value: "integer": replicas may not decrease',
      },
    ]);
    // The old object lacks the field: no comparable value, no transition rule.
    expect(validateCrdRules(schema, object(1), { spec: {} }).causes).toEqual([]);
  });

  it('words reason, fieldPath, messageExpression and the default message as the API server', () => {
    const schema = schemaWith({
      type: 'object',
      properties: { a: { type: 'string' }, b: { type: 'string' } },
      'x-kubernetes-validations': [
        { rule: 'has(self.a)' },
        { rule: 'self.b != "x"', reason: 'FieldValueForbidden', message: 'b may not be x' },
        { rule: 'self.b != "x"', reason: 'FieldValueRequired', message: 'b must be set' },
        { rule: 'self.b != "x"', reason: 'FieldValueDuplicate', message: 'ignored' },
        { rule: 'self.b != "x"', fieldPath: '.b', messageExpression: '"b is " + self.b' },
        { rule: 'self.a == "y"', message: 'a must be y' },
      ],
    });
    expect(validateCrdRules(schema, { spec: { b: 'x' } }, undefined).causes).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec',
        message: 'Invalid value: "object": failed rule: has(self.a)',
      },
      { reason: 'FieldValueForbidden', field: 'spec', message: 'Forbidden: b may not be x' },
      { reason: 'FieldValueRequired', field: 'spec', message: 'Required value: b must be set' },
      { reason: 'FieldValueDuplicate', field: 'spec', message: 'Duplicate value: "object"' },
      { reason: 'FieldValueInvalid', field: 'spec.b', message: 'Invalid value: "object": b is x' },
      {
        reason: 'FieldValueInvalid',
        field: 'spec',
        message: 'Invalid value: "object": no such key: a evaluating rule: a must be y',
      },
    ]);
  });

  it('adds the `<nil>` cause after a blocking error only when the schema has rules', () => {
    const withRules = schemaWith({
      type: 'object',
      'x-kubernetes-validations': [{ rule: 'true' }],
    });
    const withoutRules = schemaWith({ type: 'object' });
    const required = [{ reason: 'FieldValueRequired', field: 'spec.a', message: 'Required value' }];
    expect(validateCrdRules(withRules, { spec: {} }, undefined, required).causes).toHaveLength(1);
    expect(validateCrdRules(withoutRules, { spec: {} }, undefined, required).causes).toEqual([]);
  });

  it('ratchets an unchanged invalid value on update into a warning', () => {
    const schema = schemaWith({
      type: 'object',
      properties: {
        port: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self <= 65535' }] },
        name: { type: 'string' },
      },
    });
    const old = { spec: { port: 70000, name: 'a' } };
    const verdict = validateCrdRules(schema, { spec: { port: 70000, name: 'b' } }, old);
    expect(verdict.causes).toEqual([]);
    expect(verdict.warnings).toEqual([
      'spec.port: Invalid value: "integer": failed rule: self <= 65535',
    ]);
    expect(validateCrdRules(schema, { spec: { port: 70001 } }, old).causes).toHaveLength(1);
  });

  it('skips, and logs once, a rule the library cannot compile or run: never a 500', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const schema = schemaWith({
      type: 'object',
      'x-kubernetes-validations': [
        { rule: 'self.(' },
        { rule: 'quantity(self.q).isGreaterThan(quantity("1"))' },
      ],
    });
    for (let i = 0; i < 2; i++)
      expect(validateCrdRules(schema, { spec: { q: '2' } }, undefined).causes).toEqual([]);
    expect(warn).toHaveBeenCalledTimes(2);
    expect(skippedRules()).toEqual(
      expect.arrayContaining(['self.(', 'quantity(self.q).isGreaterThan(quantity("1"))']),
    );
    warn.mockRestore();
  });
});
