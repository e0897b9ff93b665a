import type { DNS } from '@google-cloud/dns';
import type { RecordSetBody } from '../plan/gcp/dns.js';
import { callGoogle } from './errors.js';
import {
  ALREADY_EXISTS,
  NOT_FOUND,
  type DnsApi,
  type DnsChangeStatus,
  type GcpResource,
} from '../core/gcp-apis.js';

/** The part of a dns Zone the adapter uses (the library's types are loose about metadata). */
interface ZoneHandle {
  getMetadata(): Promise<[unknown, ...unknown[]]>;
  delete(): Promise<unknown>;
  getRecords(): Promise<[{ type: string; metadata: Record<string, unknown> }[], ...unknown[]]>;
  record(type: string, metadata: { name: string; ttl: number; data: string[] }): unknown;
  createChange(config: {
    add?: unknown[];
    delete?: unknown[];
  }): Promise<[{ id?: string; metadata?: { id?: string; status?: string } }, ...unknown[]]>;
  change(id: string): {
    getMetadata(): Promise<[{ id?: string; status?: string }, ...unknown[]]>;
  };
  request(
    options: { method: string; uri: string; json: object },
    callback: (error: unknown) => void,
  ): void;
}

type Interceptor = DNS['interceptors'][number];

const withoutOwnRetries = new WeakSet<DNS>();

/**
 * Turns off `@google-cloud/dns`'s own retries of 408/429/5xx answers, so a failure reaches the step
 * at once and the runner owns retrying (scaled, counted, visible), as docs/architecture.md "Step
 * contract" says. The constructor's `autoRetry`/`maxRetries` options do nothing here:
 * `@google-cloud/common`'s Service keeps only its own config when building the request function, so
 * the library retried 3 times with real-time backoff whatever the caller passed. A request's
 * `maxRetries` is still read, so every request gets `maxRetries: 0` through the client's request
 * interceptors. Connection failures before any answer stay the library's (its `noResponseRetries`
 * cannot be reached per request). Idempotent per client.
 */
export function disableLibraryRetries(client: DNS): DNS {
  if (withoutOwnRetries.has(client)) return client;
  // The library's interceptor type mixes its request options with `request`'s; the options
  // object passes through unchanged but for `maxRetries` (mutated, as its own interceptors do).
  const noRetries = (options: object) => Object.assign(options, { maxRetries: 0 });
  client.interceptors.push({ request: noRetries as Interceptor['request'] });
  withoutOwnRetries.add(client);
  return client;
}

/**
 * {@link DnsApi} over `@google-cloud/dns`. One client per project: the library binds its
 * `projectId` at construction, so the composition root passes a factory. The adapter turns the
 * library's own retries off on every client it gets ({@link disableLibraryRetries}).
 */
export class DnsAdapter implements DnsApi {
  private readonly clientFor: (project: string) => DNS;

  constructor(clientFor: (project: string) => DNS) {
    this.clientFor = (project) => disableLibraryRetries(clientFor(project));
  }

  private zone(project: string, name: string): ZoneHandle {
    return this.clientFor(project).zone(name) as unknown as ZoneHandle;
  }

  async getZone(project: string, name: string): Promise<GcpResource | undefined> {
    const found = await callGoogle(
      { action: 'get managed zone', resource: `projects/${project}/managedZones/${name}` },
      async () => (await this.zone(project, name).getMetadata())[0],
      { onNotFound: () => undefined },
    );
    return found === undefined ? undefined : (found as GcpResource);
  }

  async createZone(
    project: string,
    body: object & { name: string },
  ): Promise<GcpResource | typeof ALREADY_EXISTS> {
    const { name, ...config } = body;
    return callGoogle(
      { action: 'create managed zone', resource: `projects/${project}/managedZones/${name}` },
      async () => {
        const [zone] = await this.clientFor(project).createZone(name, config as never);
        return (zone as unknown as { metadata: GcpResource }).metadata;
      },
      { onAlreadyExists: () => ALREADY_EXISTS },
    );
  }

  async patchZone(project: string, name: string, body: object): Promise<void> {
    const zone = this.zone(project, name);
    await callGoogle(
      { action: 'patch managed zone', resource: `projects/${project}/managedZones/${name}` },
      () =>
        new Promise<void>((resolve, reject) =>
          zone.request({ method: 'PATCH', uri: '', json: body }, (error) =>
            error ? reject(error) : resolve(),
          ),
        ),
    );
  }

  async deleteZone(project: string, name: string): Promise<'deleted' | typeof NOT_FOUND> {
    return callGoogle(
      { action: 'delete managed zone', resource: `projects/${project}/managedZones/${name}` },
      async () => {
        await this.zone(project, name).delete();
        return 'deleted' as const;
      },
      { onNotFound: () => NOT_FOUND },
    );
  }

  async listRecordSets(project: string, zone: string): Promise<RecordSetBody[]> {
    return callGoogle(
      { action: 'list record sets', resource: `projects/${project}/managedZones/${zone}` },
      async () => {
        const [records] = await this.zone(project, zone).getRecords();
        return records.map((record) => ({
          name: String(record.metadata.name),
          type: String(record.metadata.type ?? record.type).toUpperCase(),
          ttl: Number(record.metadata.ttl ?? 0),
          rrdatas: ((record.metadata.rrdatas as string[] | undefined) ?? []).map(String),
        }));
      },
    );
  }

  async applyChange(
    project: string,
    zoneName: string,
    change: { additions?: RecordSetBody[]; deletions?: RecordSetBody[] },
  ): Promise<DnsChangeStatus> {
    const zone = this.zone(project, zoneName);
    const toRecord = (set: RecordSetBody) =>
      zone.record(set.type.toLowerCase(), { name: set.name, ttl: set.ttl, data: [...set.rrdatas] });
    return callGoogle(
      { action: 'create change in', resource: `projects/${project}/managedZones/${zoneName}` },
      async () => {
        const [created] = await zone.createChange({
          ...(change.additions?.length ? { add: change.additions.map(toRecord) } : {}),
          ...(change.deletions?.length ? { delete: change.deletions.map(toRecord) } : {}),
        });
        return {
          id: String(created.metadata?.id ?? created.id ?? ''),
          status: created.metadata?.status ?? 'done',
        };
      },
    );
  }

  async getChange(
    project: string,
    zoneName: string,
    id: string,
  ): Promise<DnsChangeStatus | undefined> {
    return callGoogle(
      {
        action: 'get change',
        resource: `projects/${project}/managedZones/${zoneName}/changes/${id}`,
      },
      async () => {
        const [metadata] = await this.zone(project, zoneName).change(id).getMetadata();
        return { id: String(metadata.id ?? id), status: metadata.status ?? 'done' };
      },
      { onNotFound: () => undefined },
    );
  }
}
