/**
 * The core (`v1`) kinds the product writes, after k8s.io/kubernetes
 * pkg/apis/core/validation/validation.go: `ValidateService`, `ValidateConfigMap`, and the pod
 * template rules Deployments use (`ValidatePodTemplateSpec`, `validateContainers`,
 * `validateContainerPorts`).
 */
import type { StatusCause } from '../status-errors.js';
import { isPlainObject, type JsonObject } from '../../../shared/lib/json.js';
import {
  duplicate,
  FieldPath,
  has,
  invalidEach,
  isDNS1123Label,
  isValidPortName,
  isValidPortNum,
  listAt,
  maxLenError,
  notSupported,
  objectAt,
  regexError,
  required,
  stringAt,
} from './fields.js';
import { validateAnnotations, validateLabels } from './meta.js';

/** `supportedPortProtocols`, sorted as `sets.List` returns them. */
export const supportedPortProtocols = ['SCTP', 'TCP', 'UDP'];

const supportedServiceTypes = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];

/** `ValidatePortNumOrName`: an integer port, or an IANA service name. */
export function validatePortNumOrName(value: unknown, path: FieldPath): StatusCause[] {
  if (typeof value === 'number') return invalidEach(path, value, isValidPortNum(value));
  if (typeof value === 'string') return invalidEach(path, value, isValidPortName(value));
  return [];
}

function validateProtocol(port: JsonObject, path: FieldPath): StatusCause[] {
  if (!has(port, 'protocol')) return [];
  const protocol = port.protocol;
  return typeof protocol === 'string' && supportedPortProtocols.includes(protocol)
    ? []
    : [notSupported(path.child('protocol'), protocol, supportedPortProtocols)];
}

/** `validateServicePort`: name (required when several), port, protocol, targetPort. */
function validateServicePort(
  port: JsonObject,
  requireName: boolean,
  names: Set<string>,
  path: FieldPath,
): StatusCause[] {
  const causes: StatusCause[] = [];
  const name = stringAt(port, 'name');
  if (requireName && name === '') {
    causes.push(required(path.child('name')));
  } else if (name !== '') {
    causes.push(...invalidEach(path.child('name'), name, isDNS1123Label(name)));
    if (names.has(name)) causes.push(duplicate(path.child('name'), name));
    else names.add(name);
  }
  const number = typeof port.port === 'number' ? port.port : 0;
  causes.push(...invalidEach(path.child('port'), number, isValidPortNum(number)));
  causes.push(...validateProtocol(port, path));
  causes.push(...validatePortNumOrName(port.targetPort, path.child('targetPort')));
  return causes;
}

/** `ValidateService` (spec part): ports, selector, type. */
export function validateService(service: JsonObject): StatusCause[] {
  const spec = objectAt(service, 'spec');
  const specPath = FieldPath.root('spec');
  const causes: StatusCause[] = [];
  const type = has(spec, 'type') ? spec.type : 'ClusterIP';
  if (typeof type !== 'string' || !supportedServiceTypes.includes(type))
    causes.push(notSupported(specPath.child('type'), type, supportedServiceTypes));
  const ports = listAt(spec, 'ports');
  const headless = spec.clusterIP === 'None';
  if (ports.length === 0 && !headless && type !== 'ExternalName')
    causes.push(required(specPath.child('ports')));
  const names = new Set<string>();
  const seen = new Set<string>();
  ports.forEach((port, index) => {
    const path = specPath.child('ports').index(index);
    causes.push(...validateServicePort(port, ports.length > 1, names, path));
    const key = { protocol: port.protocol ?? 'TCP', port: port.port };
    const text = JSON.stringify(key);
    if (seen.has(text)) causes.push(duplicate(path, key));
    seen.add(text);
  });
  causes.push(...validateLabels(spec.selector, specPath.child('selector')));
  return causes;
}

const configMapKeyFmt = '[-._a-zA-Z0-9]+';

/** `IsConfigMapKey`. */
function isConfigMapKey(key: string): string[] {
  const errors: string[] = [];
  if (key.length > 253) errors.push(maxLenError(253));
  if (!new RegExp(`^${configMapKeyFmt}$`).test(key))
    errors.push(
      regexError(
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
        configMapKeyFmt,
        'key.name',
        'KEY_NAME',
        'key-name',
      ),
    );
  if (key === '.') errors.push("must not be '.'");
  else if (key === '..') errors.push("must not be '..'");
  else if (key.startsWith('..')) errors.push("must not start with '..'");
  return errors;
}

/** `ValidateConfigMap`: data and binaryData keys. */
export function validateConfigMap(configMap: JsonObject): StatusCause[] {
  const causes: StatusCause[] = [];
  for (const field of ['data', 'binaryData']) {
    const map = configMap[field];
    if (!isPlainObject(map)) continue;
    for (const key of Object.keys(map))
      causes.push(...invalidEach(FieldPath.root(field).key(key), key, isConfigMapKey(key)));
  }
  return causes;
}

/** `validateContainerPorts`. */
function validateContainerPorts(ports: JsonObject[], path: FieldPath): StatusCause[] {
  const causes: StatusCause[] = [];
  const names = new Set<string>();
  ports.forEach((port, index) => {
    const at = path.index(index);
    const name = stringAt(port, 'name');
    if (name !== '') {
      const messages = isValidPortName(name);
      if (messages.length > 0) causes.push(...invalidEach(at.child('name'), name, messages));
      else if (names.has(name)) causes.push(duplicate(at.child('name'), name));
      else names.add(name);
    }
    const containerPort = typeof port.containerPort === 'number' ? port.containerPort : 0;
    if (containerPort === 0) causes.push(required(at.child('containerPort')));
    else
      causes.push(
        ...invalidEach(at.child('containerPort'), containerPort, isValidPortNum(containerPort)),
      );
    if (typeof port.hostPort === 'number' && port.hostPort !== 0)
      causes.push(
        ...invalidEach(at.child('hostPort'), port.hostPort, isValidPortNum(port.hostPort)),
      );
    causes.push(...validateProtocol(port, at));
  });
  return causes;
}

/** `validateContainers` and `validateContainerCommon`: ≥1 container, unique names, image. */
function validateContainers(podSpec: JsonObject, path: FieldPath): StatusCause[] {
  const containers = listAt(podSpec, 'containers');
  if (containers.length === 0) return [required(path)];
  const causes: StatusCause[] = [];
  const names = new Set<string>();
  containers.forEach((container, index) => {
    const at = path.index(index);
    const name = stringAt(container, 'name');
    if (name === '') {
      causes.push(required(at.child('name')));
    } else {
      causes.push(...invalidEach(at.child('name'), name, isDNS1123Label(name)));
      if (names.has(name)) causes.push(duplicate(at.child('name'), name));
      names.add(name);
    }
    if (stringAt(container, 'image') === '') causes.push(required(at.child('image')));
    causes.push(...validateContainerPorts(listAt(container, 'ports'), at.child('ports')));
  });
  return causes;
}

/** `ValidatePodTemplateSpec`: the template's labels and annotations, then its pod spec. */
export function validatePodTemplateSpec(template: JsonObject, path: FieldPath): StatusCause[] {
  const metadata = objectAt(template, 'metadata');
  return [
    ...validateLabels(metadata.labels, path.child('labels')),
    ...validateAnnotations(metadata.annotations, path.child('annotations')),
    ...validateContainers(objectAt(template, 'spec'), path.child('spec', 'containers')),
  ];
}

/** The template's restart policy must be Always for a Deployment (`ValidatePodTemplateSpecForReplicaSet`). */
export function validateRestartPolicyAlways(template: JsonObject, path: FieldPath): StatusCause[] {
  const spec = objectAt(template, 'spec');
  if (!has(spec, 'restartPolicy') || spec.restartPolicy === 'Always') return [];
  return [notSupported(path.child('spec', 'restartPolicy'), spec.restartPolicy, ['Always'])];
}
