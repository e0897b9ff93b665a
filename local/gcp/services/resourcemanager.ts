import { ok, type HandlerTable, type SimRequest } from '../handler.js';
import type { Json } from '../store.js';
import { readPolicy, renderPolicy, writePolicy } from './iam-policy.js';

/**
 * cloudresourcemanager v1 and v3: projects get/getIamPolicy/setIamPolicy. Every project id
 * exists; its policy starts with one owner, like a fresh project.
 */

function projectId(req: SimRequest): string {
  return req.params.projectId ?? req.params.resource ?? req.params.projectsId!;
}

function policyOf(req: SimRequest): Json {
  return readPolicy(req.store, `projects/${projectId(req)}`, [
    { role: 'roles/owner', members: ['user:owner@example.com'] },
  ]);
}

/** cloudresourcemanager v1/v3 handlers by method id (the ids are the same in both versions). */
export const resourceManagerHandlers: HandlerTable = {
  'cloudresourcemanager.projects.get': (req) => {
    const id = projectId(req);
    const number = req.store.projectNumber(id);
    if (req.route.pattern.source.includes('v3')) {
      return ok({
        name: `projects/${number}`,
        projectId: id,
        state: 'ACTIVE',
        displayName: id,
        createTime: '2024-01-01T00:00:00Z',
        etag: 'W/"sim"',
      });
    }
    return ok({
      projectNumber: number,
      projectId: id,
      lifecycleState: 'ACTIVE',
      name: id,
      createTime: '2024-01-01T00:00:00Z',
    });
  },
  'cloudresourcemanager.projects.getIamPolicy': (req) => ok(renderPolicy(policyOf(req))),
  'cloudresourcemanager.projects.setIamPolicy': (req) => {
    policyOf(req);
    return ok(renderPolicy(writePolicy(req.store, `projects/${projectId(req)}`, req.body)));
  },
};
