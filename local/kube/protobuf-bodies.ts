/**
 * Decodes the protobuf request bodies kubectl's typed clients send (`kubectl create namespace`,
 * `create configmap`, `create secret`, `create serviceaccount` post
 * `application/vnd.kubernetes.protobuf`, and client-go does not fall back to JSON on 415).
 *
 * Only the kinds and fields those commands set are described (field numbers from
 * k8s.io/api/core/v1/generated.proto and apimachinery's meta/v1 and runtime protos); other
 * kinds are a 415 naming the kind.
 */
import { KubeApiError } from './status-errors.js';
import { type JsonObject } from '../../shared/lib/json.js';

type FieldKind = 'string' | 'bytes' | 'int' | 'bool' | 'stringMap' | 'bytesMap';

interface FieldSpec {
  name: string;
  kind: FieldKind | MessageSpec;
  repeated?: boolean;
}

type MessageSpec = { readonly [field: number]: FieldSpec };

const objectMeta: MessageSpec = {
  1: { name: 'name', kind: 'string' },
  2: { name: 'generateName', kind: 'string' },
  3: { name: 'namespace', kind: 'string' },
  5: { name: 'uid', kind: 'string' },
  6: { name: 'resourceVersion', kind: 'string' },
  7: { name: 'generation', kind: 'int' },
  11: { name: 'labels', kind: 'stringMap' },
  12: { name: 'annotations', kind: 'stringMap' },
  14: { name: 'finalizers', kind: 'string', repeated: true },
};

const localObjectReference: MessageSpec = { 1: { name: 'name', kind: 'string' } };

const messagesByKind: Readonly<Record<string, MessageSpec>> = {
  Namespace: {
    1: { name: 'metadata', kind: objectMeta },
    2: { name: 'spec', kind: { 1: { name: 'finalizers', kind: 'string', repeated: true } } },
  },
  ConfigMap: {
    1: { name: 'metadata', kind: objectMeta },
    2: { name: 'data', kind: 'stringMap' },
    3: { name: 'binaryData', kind: 'bytesMap' },
    4: { name: 'immutable', kind: 'bool' },
  },
  Secret: {
    1: { name: 'metadata', kind: objectMeta },
    2: { name: 'data', kind: 'bytesMap' },
    3: { name: 'type', kind: 'string' },
    4: { name: 'stringData', kind: 'stringMap' },
    5: { name: 'immutable', kind: 'bool' },
  },
  ServiceAccount: {
    1: { name: 'metadata', kind: objectMeta },
    3: { name: 'imagePullSecrets', kind: localObjectReference, repeated: true },
    4: { name: 'automountServiceAccountToken', kind: 'bool' },
  },
};

/** One decoded wire field: a varint value or a length-delimited byte range. */
type WireValue = { varint: bigint } | { bytes: Uint8Array };

function readFields(buffer: Uint8Array): { field: number; value: WireValue }[] {
  const fields: { field: number; value: WireValue }[] = [];
  let offset = 0;
  const readVarint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      const byte = buffer[offset];
      if (byte === undefined) throw new Error('truncated varint');
      offset += 1;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
      shift += 7n;
    }
  };
  while (offset < buffer.length) {
    const tag = readVarint();
    const field = Number(tag >> 3n);
    const wireType = Number(tag & 7n);
    if (wireType === 0) fields.push({ field, value: { varint: readVarint() } });
    else if (wireType === 2) {
      const length = Number(readVarint());
      fields.push({ field, value: { bytes: buffer.subarray(offset, offset + length) } });
      offset += length;
    } else if (wireType === 1) offset += 8;
    else if (wireType === 5) offset += 4;
    else throw new Error(`unsupported wire type ${wireType}`);
  }
  return fields;
}

const text = new TextDecoder();

function bytesOf(value: WireValue): Uint8Array {
  return 'bytes' in value ? value.bytes : new Uint8Array();
}

function decodeMessage(buffer: Uint8Array, spec: MessageSpec): JsonObject {
  const result: JsonObject = {};
  for (const { field, value } of readFields(buffer)) {
    const fieldSpec = spec[field];
    if (!fieldSpec) continue;
    let decoded: unknown;
    const { kind } = fieldSpec;
    if (kind === 'stringMap' || kind === 'bytesMap') {
      const entry = readFields(bytesOf(value));
      const key = text.decode(
        bytesOf(entry.find((item) => item.field === 1)?.value ?? { bytes: new Uint8Array() }),
      );
      const raw = bytesOf(
        entry.find((item) => item.field === 2)?.value ?? { bytes: new Uint8Array() },
      );
      const map = (result[fieldSpec.name] ??= {}) as JsonObject;
      map[key] = kind === 'stringMap' ? text.decode(raw) : Buffer.from(raw).toString('base64');
      continue;
    }
    if (kind === 'string') decoded = text.decode(bytesOf(value));
    else if (kind === 'bytes') decoded = Buffer.from(bytesOf(value)).toString('base64');
    else if (kind === 'int') decoded = 'varint' in value ? Number(value.varint) : 0;
    else if (kind === 'bool') decoded = 'varint' in value && value.varint !== 0n;
    else decoded = decodeMessage(bytesOf(value), kind);
    // proto2 writes optional empty strings; JSON omits them.
    if (decoded === '' && !fieldSpec.repeated) continue;
    if (fieldSpec.repeated) ((result[fieldSpec.name] ??= []) as unknown[]).push(decoded);
    else result[fieldSpec.name] = decoded;
  }
  return result;
}

const magic = [0x6b, 0x38, 0x73, 0x00];

/** Decodes a `k8s\0`-framed protobuf object into its JSON form; 415 for kinds not described. */
export function decodeProtobufObject(body: Buffer): JsonObject {
  if (!magic.every((byte, index) => body[index] === byte)) {
    throw new KubeApiError(415, 'UnsupportedMediaType', 'the protobuf body lacks the k8s envelope');
  }
  const envelope = readFields(body.subarray(4));
  const typeMeta = decodeMessage(
    bytesOf(envelope.find((item) => item.field === 1)?.value ?? { bytes: new Uint8Array() }),
    {
      1: { name: 'apiVersion', kind: 'string' },
      2: { name: 'kind', kind: 'string' },
    },
  );
  const kind = String(typeMeta.kind ?? '');
  const spec = messagesByKind[kind];
  if (!spec) {
    throw new KubeApiError(
      415,
      'UnsupportedMediaType',
      `the Kubernetes API simulator decodes protobuf bodies only for ${Object.keys(messagesByKind).join(', ')}; send ${kind || 'this kind'} as application/json`,
    );
  }
  const raw = bytesOf(
    envelope.find((item) => item.field === 2)?.value ?? { bytes: new Uint8Array() },
  );
  return { apiVersion: typeMeta.apiVersion, kind, ...decodeMessage(raw, spec) };
}
