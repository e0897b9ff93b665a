import { GoogleApiError, invalidField } from '../api-error.js';
import { ok, type HandlerTable, type SimRequest } from '../handler.js';
import { durationMs } from '../latency.js';
import type { Json, SimStore } from '../store.js';
import { resolveComputeRef } from './compute.js';
import { checkCnameConflicts, checkRecordData } from './dns-records.js';
import { deepMerge, requireName, requireString } from './shared.js';

/**
 * dns v1: managed zones (created with SOA and NS records, as Cloud DNS does: gcloud's
 * record-set transactions read and replace the SOA), changes applied atomically, record sets.
 * A change's records are in the zone at once, but the change reports `pending` until the latency
 * model's `dns-change` time has passed on the simulator's clock (Cloud DNS's propagation).
 */

const zones = 'dns.managedZones';
const records = 'dns.rrsets';
const changes = 'dns.changes';

function zoneKey(req: SimRequest): string {
  return `projects/${req.params.project}/managedZones/${req.params.managedZone}`;
}

function requireZone(req: SimRequest): Json {
  const zone = req.store.get(zones, zoneKey(req));
  if (!zone) throw new GoogleApiError(404, `managedZone "${zoneKey(req)}" not found`);
  return zone;
}

function recordKey(zone: string, record: Json): string {
  return `${zone}/rrsets/${String(record.name)}/${String(record.type)}`;
}

function sameRecord(a: Json, b: Json): boolean {
  const norm = (r: Json) => JSON.stringify([r.name, r.type, Number(r.ttl ?? 0), r.rrdatas ?? []]);
  return norm(a) === norm(b);
}

function render(record: Json): Json {
  return { kind: 'dns#resourceRecordSet', ...record };
}

/** A change as Cloud DNS reports it: `pending` until its propagation time has passed. */
function renderChange(store: SimStore, change: Json): Json {
  const { __doneAtMs, ...visible } = change;
  return { ...visible, status: Number(__doneAtMs ?? 0) <= store.clock.now() ? 'done' : 'pending' };
}

/** Checks that every network a private zone is visible to exists. */
function checkVisibilityNetworks(req: SimRequest, project: string, config: unknown): void {
  const networks = ((config as Json | undefined)?.networks as Json[] | undefined) ?? [];
  networks.forEach((network, i) => {
    const ref = resolveComputeRef(String(network.networkUrl ?? ''), project, 'networks');
    if (!req.store.get('compute.networks', ref)) {
      throw invalidField(
        `entity.managedZone.privateVisibilityConfig.networks[${i}].networkUrl`,
        `Invalid value for 'entity.managedZone.privateVisibilityConfig.networks[${i}].networkUrl': '${String(network.networkUrl)}'`,
      );
    }
  });
}

/** Zone fields fixed at creation: a patch may repeat them, never change them. */
const fixedZoneFields = ['name', 'dnsName', 'visibility'] as const;

function applyChange(req: SimRequest, zoneKeyValue: string, zone: Json, body: Json): Json {
  const additions = (body.additions as Json[] | undefined) ?? [];
  const deletions = (body.deletions as Json[] | undefined) ?? [];
  const dnsName = String(zone.dnsName);
  const check = (list: Json[], field: string): void =>
    list.forEach((record, i) => {
      const name = requireString(record.name, `${field}[${i}].name`);
      requireString(record.type, `${field}[${i}].type`);
      if (!name.endsWith('.') || !(name === dnsName || name.endsWith(`.${dnsName}`))) {
        throw invalidField(
          `entity.change.${field}[${i}].name`,
          `Invalid value for 'entity.change.${field}[${i}].name': '${name}'`,
        );
      }
    });
  check(additions, 'additions');
  additions.forEach((record, i) => checkRecordData(record, `entity.change.additions[${i}]`));
  check(deletions, 'deletions');
  // All-or-nothing: check every deletion and addition against the state before applying any.
  const remaining = new Map(
    req.store.list(records, `${zoneKeyValue}/rrsets/`).map((r) => [recordKey(zoneKeyValue, r), r]),
  );
  deletions.forEach((record, i) => {
    const existing = remaining.get(recordKey(zoneKeyValue, record));
    if (!existing || !sameRecord(existing, record)) {
      throw new GoogleApiError(
        412,
        `The resource 'entity.change.deletions[${i}]' named '${String(record.name)} (${String(record.type)})' does not exist.`,
        { status: 'FAILED_PRECONDITION', reason: 'conditionNotMet' },
      );
    }
    remaining.delete(recordKey(zoneKeyValue, record));
  });
  additions.forEach((record, i) => {
    if (remaining.has(recordKey(zoneKeyValue, record))) {
      throw new GoogleApiError(
        409,
        `The resource 'entity.change.additions[${i}]' named '${String(record.name)} (${String(record.type)})' already exists`,
      );
    }
    remaining.set(recordKey(zoneKeyValue, record), record);
  });
  checkCnameConflicts(remaining.values(), additions);
  for (const record of deletions) req.store.remove(records, recordKey(zoneKeyValue, record));
  for (const record of additions) {
    req.store.put(records, recordKey(zoneKeyValue, record), {
      name: record.name,
      type: record.type,
      ttl: record.ttl ?? 300,
      rrdatas: record.rrdatas ?? [],
    });
  }
  const id = String(
    Object.keys(req.store.collection(changes)).filter((k) => k.startsWith(`${zoneKeyValue}/`))
      .length,
  );
  const change: Json = {
    kind: 'dns#change',
    id,
    startTime: req.store.timestamp(),
    status: 'pending',
    ...(additions.length > 0 ? { additions: additions.map(render) } : {}),
    ...(deletions.length > 0 ? { deletions: deletions.map(render) } : {}),
    __doneAtMs: req.store.clock.now() + durationMs('dns-change', req.store.timeScale),
  };
  req.store.put(changes, `${zoneKeyValue}/changes/${id}`, change);
  return renderChange(req.store, change);
}

function namedRecordKey(req: SimRequest): string {
  return recordKey(zoneKey(req), { name: req.params.name, type: req.params.type });
}

function requireRecord(req: SimRequest): Json {
  requireZone(req);
  const record = req.store.get(records, namedRecordKey(req));
  if (!record) {
    throw new GoogleApiError(
      404,
      `The 'parameters.name' resource named '${req.params.name}' does not exist.`,
    );
  }
  return record;
}

/** dns v1 handlers by method id. */
export const dnsHandlers: HandlerTable = {
  'dns.managedZones.create': (req) => {
    const project = req.params.project!;
    const name = requireName(req.body.name, 'entity.managedZone.name');
    const dnsName = requireString(req.body.dnsName, 'entity.managedZone.dnsName');
    if (!dnsName.endsWith('.')) {
      throw invalidField(
        'entity.managedZone.dnsName',
        `Invalid value for 'entity.managedZone.dnsName': '${dnsName}'`,
      );
    }
    const key = `projects/${project}/managedZones/${name}`;
    if (req.store.get(zones, key)) {
      throw new GoogleApiError(
        409,
        `The resource 'entity.managedZone' named '${name}' already exists`,
      );
    }
    const visibility = (req.body.visibility as string | undefined) ?? 'public';
    checkVisibilityNetworks(req, project, req.body.privateVisibilityConfig);
    const nameServers =
      visibility === 'private'
        ? ['ns-gcp-private.googledomains.com.']
        : [
            'ns-cloud-a1.googledomains.com.',
            'ns-cloud-a2.googledomains.com.',
            'ns-cloud-a3.googledomains.com.',
            'ns-cloud-a4.googledomains.com.',
          ];
    const zone: Json = {
      kind: 'dns#managedZone',
      ...req.body,
      visibility,
      id: req.store.nextId(),
      creationTime: req.store.timestamp(),
      nameServers,
      description: req.body.description ?? '',
      cloudLoggingConfig: { kind: 'dns#managedZoneCloudLoggingConfig' },
    };
    req.store.put(zones, key, zone);
    req.store.put(records, recordKey(key, { name: dnsName, type: 'SOA' }), {
      name: dnsName,
      type: 'SOA',
      ttl: 21600,
      rrdatas: [`${nameServers[0]} cloud-dns-hostmaster.google.com. 1 21600 3600 259200 300`],
    });
    req.store.put(records, recordKey(key, { name: dnsName, type: 'NS' }), {
      name: dnsName,
      type: 'NS',
      ttl: 21600,
      rrdatas: nameServers,
    });
    return ok(zone);
  },
  'dns.managedZones.get': (req) => ok(requireZone(req)),
  'dns.managedZones.patch': (req) => {
    const zone = requireZone(req);
    for (const field of fixedZoneFields) {
      if (req.body[field] !== undefined && req.body[field] !== zone[field]) {
        throw invalidField(
          `entity.managedZone.${field}`,
          `Invalid value for 'entity.managedZone.${field}': '${String(req.body[field])}': it cannot change after the zone is created`,
        );
      }
    }
    checkVisibilityNetworks(req, req.params.project!, req.body.privateVisibilityConfig);
    const oldValue = structuredClone(zone);
    const next = deepMerge(zone, req.body) as Json;
    // A map is replaced, not merged: the patch's labels are the zone's labels.
    if (req.body.labels !== undefined) next.labels = req.body.labels;
    req.store.put(zones, zoneKey(req), next);
    return ok({
      id: req.store.nextId(),
      kind: 'dns#operation',
      startTime: req.store.timestamp(),
      status: 'done',
      type: 'UPDATE',
      zoneContext: { oldValue, newValue: next },
    });
  },
  'dns.managedZones.list': (req) => {
    const dnsName = req.query.get('dnsName');
    const managedZones = req.store
      .list(zones, `projects/${req.params.project}/managedZones/`)
      .filter((z) => !dnsName || z.dnsName === dnsName);
    return ok({ kind: 'dns#managedZonesListResponse', managedZones });
  },
  'dns.managedZones.delete': (req) => {
    const zone = requireZone(req);
    const key = zoneKey(req);
    const own = req.store.list(records, `${key}/rrsets/`);
    if (own.some((r) => !(r.name === zone.dnsName && (r.type === 'SOA' || r.type === 'NS')))) {
      throw new GoogleApiError(
        400,
        `The resource named '${req.params.managedZone}' cannot be deleted because it is not empty`,
        {
          reason: 'containerNotEmpty',
        },
      );
    }
    for (const collection of [records, changes]) {
      for (const k of Object.keys(req.store.collection(collection))) {
        if (k.startsWith(`${key}/`)) req.store.remove(collection, k);
      }
    }
    req.store.remove(zones, key);
    return { status: 204, body: undefined };
  },
  'dns.changes.create': (req) => ok(applyChange(req, zoneKey(req), requireZone(req), req.body)),
  'dns.changes.get': (req) => {
    requireZone(req);
    const change = req.store.get(changes, `${zoneKey(req)}/changes/${req.params.changeId}`);
    if (!change)
      throw new GoogleApiError(
        404,
        `change "${zoneKey(req)}/changes/${req.params.changeId}" not found`,
      );
    return ok(renderChange(req.store, change));
  },
  'dns.changes.list': (req) => {
    requireZone(req);
    return ok({
      kind: 'dns#changesListResponse',
      changes: req.store
        .list(changes, `${zoneKey(req)}/changes/`)
        .map((change) => renderChange(req.store, change)),
    });
  },
  'dns.resourceRecordSets.get': (req) => ok(render(requireRecord(req))),
  'dns.resourceRecordSets.create': (req) => {
    const zone = requireZone(req);
    applyChange(req, zoneKey(req), zone, { additions: [req.body] });
    return ok(render(req.store.get(records, recordKey(zoneKey(req), req.body))!));
  },
  'dns.resourceRecordSets.patch': (req) => {
    const existing = requireRecord(req);
    const next = { ...existing, ...req.body, name: existing.name, type: existing.type };
    applyChange(req, zoneKey(req), requireZone(req), { deletions: [existing], additions: [next] });
    return ok(render(next));
  },
  'dns.resourceRecordSets.delete': (req) => {
    const existing = requireRecord(req);
    applyChange(req, zoneKey(req), requireZone(req), { deletions: [existing] });
    return ok({});
  },
  'dns.resourceRecordSets.list': (req) => {
    requireZone(req);
    const name = req.query.get('name');
    const type = req.query.get('type');
    const rrsets = req.store
      .list(records, `${zoneKey(req)}/rrsets/`)
      .filter((r) => (!name || r.name === name) && (!type || r.type === type))
      .map(render);
    return ok({ kind: 'dns#resourceRecordSetsListResponse', rrsets });
  },
};
