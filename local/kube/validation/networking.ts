/**
 * `networking.k8s.io` NetworkPolicy, after k8s.io/kubernetes
 * pkg/apis/networking/validation/validation.go `ValidateNetworkPolicySpec`,
 * `ValidateNetworkPolicyPort`, `ValidateNetworkPolicyPeer` and `ValidateIPBlock`.
 */
import type { StatusCause } from '../status-errors.js';
import { isPlainObject, type JsonObject } from '../../../shared/lib/json.js';
import { supportedPortProtocols } from './core.js';
import {
  FieldPath,
  forbidden,
  has,
  invalidEach,
  invalidValue,
  isValidCidr,
  isValidPortName,
  isValidPortNum,
  listAt,
  notSupported,
  objectAt,
  parseCidr,
  required,
} from './fields.js';
import { validateLabelSelector } from './meta.js';

/** `ValidateNetworkPolicyPort`: protocol, port (number or name), endPort ≥ port. */
function validatePort(port: JsonObject, path: FieldPath): StatusCause[] {
  const causes: StatusCause[] = [];
  if (has(port, 'protocol') && !supportedPortProtocols.includes(String(port.protocol)))
    causes.push(notSupported(path.child('protocol'), port.protocol, ['TCP', 'UDP', 'SCTP']));
  const endPort = port.endPort;
  const hasEndPort = typeof endPort === 'number';
  if (typeof port.port === 'number') {
    causes.push(...invalidEach(path.child('port'), port.port, isValidPortNum(port.port)));
    if (hasEndPort) {
      if (endPort < port.port)
        causes.push(
          invalidValue(path.child('endPort'), endPort, 'must be greater than or equal to `port`'),
        );
      causes.push(...invalidEach(path.child('endPort'), endPort, isValidPortNum(endPort)));
    }
  } else if (typeof port.port === 'string') {
    if (hasEndPort)
      causes.push(
        invalidValue(
          path.child('endPort'),
          endPort,
          'may not be specified when `port` is non-numeric',
        ),
      );
    causes.push(...invalidEach(path.child('port'), port.port, isValidPortName(port.port)));
  } else if (hasEndPort) {
    causes.push(
      invalidValue(
        path.child('endPort'),
        endPort,
        'may not be specified when `port` is not specified',
      ),
    );
  }
  return causes;
}

/** `ValidateIPBlock`: cidr required and valid, each except valid and strictly inside it. */
function validateIPBlock(block: JsonObject, path: FieldPath): StatusCause[] {
  const cidrText = typeof block.cidr === 'string' ? block.cidr : '';
  if (cidrText === '') return [required(path.child('cidr'))];
  const causes = isValidCidr(path.child('cidr'), cidrText);
  const cidr = parseCidr(cidrText);
  if (!cidr) return causes;
  const excepts = Array.isArray(block.except) ? block.except : [];
  excepts.forEach((entry, index) => {
    const at = path.child('except').index(index);
    const text = typeof entry === 'string' ? entry : '';
    const invalid = isValidCidr(at, text);
    causes.push(...invalid);
    const except = parseCidr(text);
    if (!except) return;
    const bits = cidr.family === 4 ? 32 : 128;
    const shift = BigInt(bits - cidr.prefix);
    const inside =
      except.family === cidr.family && except.network >> shift === cidr.network >> shift;
    if (!inside || cidr.prefix >= except.prefix)
      causes.push(invalidValue(at, text, 'must be a strict subset of `cidr`'));
  });
  return causes;
}

/** `ValidateNetworkPolicyPeer`: exactly one kind of peer, or pod and namespace selectors together. */
function validatePeer(peer: JsonObject, path: FieldPath): StatusCause[] {
  const causes: StatusCause[] = [];
  let peers = 0;
  if (isPlainObject(peer.podSelector)) {
    peers += 1;
    causes.push(...validateLabelSelector(peer.podSelector, path.child('podSelector')));
  }
  if (isPlainObject(peer.namespaceSelector)) {
    peers += 1;
    causes.push(...validateLabelSelector(peer.namespaceSelector, path.child('namespaceSelector')));
  }
  if (isPlainObject(peer.ipBlock)) {
    peers += 1;
    causes.push(...validateIPBlock(peer.ipBlock, path.child('ipBlock')));
  }
  if (peers === 0) causes.push(required(path, 'must specify a peer'));
  else if (peers > 1 && isPlainObject(peer.ipBlock))
    causes.push(forbidden(path, 'may not specify both ipBlock and another peer'));
  return causes;
}

/** `ValidateNetworkPolicySpec`. */
export function validateNetworkPolicy(policy: JsonObject): StatusCause[] {
  const spec = objectAt(policy, 'spec');
  const path = FieldPath.root('spec');
  const causes = validateLabelSelector(spec.podSelector, path.child('podSelector'));
  for (const [direction, peersKey] of [
    ['ingress', 'from'],
    ['egress', 'to'],
  ] as const) {
    listAt(spec, direction).forEach((rule, ruleIndex) => {
      const rulePath = path.child(direction).index(ruleIndex);
      listAt(rule, 'ports').forEach((port, index) =>
        causes.push(...validatePort(port, rulePath.child('ports').index(index))),
      );
      listAt(rule, peersKey).forEach((peer, index) =>
        causes.push(...validatePeer(peer, rulePath.child(peersKey).index(index))),
      );
    });
  }
  const policyTypes = Array.isArray(spec.policyTypes) ? spec.policyTypes : [];
  if (policyTypes.length > 2) {
    causes.push(
      invalidValue(
        path.child('policyTypes'),
        policyTypes,
        'may not specify more than two policyTypes',
      ),
    );
    return causes;
  }
  policyTypes.forEach((type, index) => {
    if (type !== 'Ingress' && type !== 'Egress')
      causes.push(
        notSupported(path.child('policyTypes').index(index), type, ['Ingress', 'Egress']),
      );
  });
  return causes;
}
