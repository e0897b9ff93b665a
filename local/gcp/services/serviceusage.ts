import { GoogleApiError } from '../api-error.js';
import { ok, type HandlerTable, type Reply, type SimRequest } from '../handler.js';
import type { Json } from '../store.js';
import { renderLongRunning } from './lro.js';

/**
 * serviceusage v1: services get/list/enable/batchEnable and their operations. Google names
 * services under the project *number*; gcloud and the clients address them by project id.
 */

const collection = 'serviceusage.services';

function project(req: SimRequest): string {
  if (req.params.v1Id !== 'projects') {
    throw new GoogleApiError(
      400,
      `Only projects are supported as a parent, not '${req.params.v1Id}'.`,
    );
  }
  return req.params.v1Id1!;
}

function serviceName(req: SimRequest, projectId: string, service: string): string {
  return `projects/${req.store.projectNumber(projectId)}/services/${service}`;
}

function render(req: SimRequest, projectId: string, service: string): Json {
  const stored = req.store.get(collection, `projects/${projectId}/services/${service}`);
  return {
    name: serviceName(req, projectId, service),
    parent: `projects/${req.store.projectNumber(projectId)}`,
    config: { name: service, title: service.split('.')[0] ?? service },
    state: stored?.state === 'ENABLED' ? 'ENABLED' : 'DISABLED',
  };
}

const servicePattern = /^[a-z][-a-z0-9]*(\.[a-z][-a-z0-9]*)*\.(googleapis\.com|goog)$/;

async function enable(
  req: SimRequest,
  projectId: string,
  services: string[],
  batch: boolean,
): Promise<Reply> {
  services.forEach((service, i) => {
    if (!servicePattern.test(service)) {
      const field = batch ? `serviceIds[${i}]` : 'name';
      throw new GoogleApiError(400, `Invalid service name ${service}.`, {
        violations: [{ field, description: `Invalid service name ${service}.` }],
      });
    }
  });
  const steps = services.map((service) => ({
    kind: 'patch' as const,
    collection,
    key: `projects/${projectId}/services/${service}`,
    fields: { state: 'ENABLED' },
  }));
  for (const step of steps) {
    // The record exists from the start so the completion only flips its state.
    if (!req.store.get(collection, step.key))
      req.store.put(collection, step.key, { state: 'DISABLED' });
  }
  const rendered = services.map((s) => ({ ...render(req, projectId, s), state: 'ENABLED' }));
  const op = await req.store.startOperation({
    api: 'serviceusage',
    kind: 'service-enable',
    keyPrefix: 'operations',
    name: `acat.p2-${req.store.projectNumber(projectId)}-${req.store.nextId()}`,
    project: projectId,
    scope: { kind: 'global' },
    operationType: batch ? 'batchEnable' : 'enable',
    targetPath: `projects/${projectId}`,
    targetId: '',
    onDone: { kind: 'all', steps },
    onError: { kind: 'none' },
    error: req.fault.kind === 'operation-error' ? req.fault.error : undefined,
    response: batch
      ? {
          '@type': 'type.googleapis.com/google.api.serviceusage.v1.BatchEnableServicesResponse',
          services: rendered,
        }
      : {
          '@type': 'type.googleapis.com/google.api.serviceusage.v1.EnableServiceResponse',
          service: rendered[0],
        },
    metadata: { '@type': 'type.googleapis.com/google.protobuf.Empty' },
  });
  return ok(renderLongRunning(op));
}

/** serviceusage v1 handlers by method id. */
export const serviceUsageHandlers: HandlerTable = {
  'serviceusage.services.get': (req) => ok(render(req, project(req), req.params.servicesId!)),
  'serviceusage.services.list': (req) => {
    const projectId = project(req);
    const onlyEnabled = (req.query.get('filter') ?? '').replace(/\s/g, '') === 'state:ENABLED';
    const names = Object.keys(req.store.collection(collection))
      .filter((k) => k.startsWith(`projects/${projectId}/services/`))
      .sort();
    const rendered = names
      .map((key) => render(req, projectId, key.split('/').pop()!))
      .filter((s) => !onlyEnabled || s.state === 'ENABLED');
    return ok(rendered.length > 0 ? { services: rendered } : {});
  },
  'serviceusage.services.enable': (req) =>
    enable(req, project(req), [req.params.servicesId!], false),
  'serviceusage.services.batchEnable': (req) => {
    const ids = (req.body.serviceIds as string[] | undefined) ?? [];
    if (ids.length === 0 || ids.length > 20) {
      throw new GoogleApiError(400, 'serviceIds must name between 1 and 20 services.', {
        violations: [{ field: 'serviceIds', description: 'must name between 1 and 20 services' }],
      });
    }
    return enable(req, project(req), ids, true);
  },
  'serviceusage.operations.get': (req) => {
    const op = req.store.state.operations[`operations/${req.params.operationsId}`];
    if (!op || op.api !== 'serviceusage') {
      throw new GoogleApiError(404, `Operation operations/${req.params.operationsId} not found.`);
    }
    return ok(renderLongRunning(op));
  },
};
