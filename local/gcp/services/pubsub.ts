import { GoogleApiError } from '../api-error.js';
import { ok, type HandlerTable, type Reply, type SimRequest } from '../handler.js';
import type { Json } from '../store.js';
import { authorize, holdsPermission, requireCredentials } from './iam-permissions.js';
import { readPolicy, renderPolicy, writePolicy } from './iam-policy.js';

/**
 * Pub/Sub v1 (topics and subscriptions) in front of Google's Pub/Sub emulator: the emulator
 * keeps the topics, subscriptions and messages and pushes deliveries; the simulator adds what
 * the emulator does not do (it answers UNIMPLEMENTED to every IAM method and checks no caller):
 * topic IAM policies, and the authorization of `publish` against them (`pubsub.topics.publish`
 * on the topic or its project), with Pub/Sub's 401/403 bodies. The other methods are checked
 * against the API schema, then forwarded unchanged.
 */

/** Where the emulator listens and whether `publish` is authorized. */
export interface PubsubBackend {
  /** `host:port` of the Pub/Sub emulator (PUBSUB_EMULATOR_HOST); without it every call is 501. */
  emulatorHost?: string;
  /** false turns the publish check off (debugging); default on. */
  enforceIam: boolean;
}

/** The words Pub/Sub refuses an unauthorized call with. */
export const PUBSUB_PERMISSION_DENIED = 'User not authorized to perform this action.';

function topicName(req: SimRequest): string {
  return `projects/${req.params.projectsId}/topics/${req.params.topicsId}`;
}

function subscriptionName(req: SimRequest): string {
  return `projects/${req.params.projectsId}/subscriptions/${req.params.subscriptionsId}`;
}

/** The topic and its project: the policies IAM consults for a topic permission. */
function resourcesOf(req: SimRequest): string[] {
  return [topicName(req), `projects/${req.params.projectsId}`];
}

async function forward(
  backend: PubsubBackend,
  method: string,
  path: string,
  body?: Json,
): Promise<Reply> {
  if (!backend.emulatorHost) {
    throw new GoogleApiError(
      501,
      'The GCP simulator serves Pub/Sub in front of the Pub/Sub emulator; start it with the emulator host (PUBSUB_EMULATOR_HOST).',
    );
  }
  let response: Response;
  try {
    response = await fetch(`http://${backend.emulatorHost}/v1/${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (error) {
    throw new GoogleApiError(
      503,
      `The Pub/Sub emulator at ${backend.emulatorHost} is unreachable: ${(error as Error).message}`,
    );
  }
  const text = await response.text();
  let parsed: unknown = {};
  try {
    parsed = text.trim() ? JSON.parse(text) : {};
  } catch {
    throw new GoogleApiError(502, `The Pub/Sub emulator answered ${response.status}: ${text}`);
  }
  return { status: response.status, body: parsed };
}

/** Answers the topic's 404 (as the emulator words it) unless it exists. */
async function requireTopic(backend: PubsubBackend, name: string): Promise<Reply | undefined> {
  const found = await forward(backend, 'GET', name);
  return (found.status ?? 200) === 200 ? undefined : found;
}

/** Pub/Sub handlers by method id, over one emulator. */
export function pubsubHandlers(backend: PubsubBackend): HandlerTable {
  return {
    'pubsub.projects.topics.create': (req) => forward(backend, 'PUT', topicName(req), req.body),
    'pubsub.projects.topics.get': (req) => forward(backend, 'GET', topicName(req)),
    'pubsub.projects.topics.delete': async (req) => {
      const reply = await forward(backend, 'DELETE', topicName(req));
      // A topic made again under the same name starts with no policy, as in Pub/Sub.
      if ((reply.status ?? 200) === 200) req.store.remove('iam.policies', topicName(req));
      return reply;
    },
    'pubsub.projects.topics.publish': async (req) => {
      const name = topicName(req);
      if (backend.enforceIam) {
        const missing = await requireTopic(backend, name);
        if (missing) return missing;
        authorize(
          req.store,
          req.caller,
          'pubsub.topics.publish',
          resourcesOf(req),
          PUBSUB_PERMISSION_DENIED,
        );
      }
      return forward(backend, 'POST', `${name}:publish`, req.body);
    },
    'pubsub.projects.topics.getIamPolicy': async (req) => {
      const name = topicName(req);
      return (await requireTopic(backend, name)) ?? ok(renderPolicy(readPolicy(req.store, name)));
    },
    'pubsub.projects.topics.setIamPolicy': async (req) => {
      const name = topicName(req);
      return (
        (await requireTopic(backend, name)) ??
        ok(renderPolicy(writePolicy(req.store, name, req.body)))
      );
    },
    'pubsub.projects.topics.testIamPermissions': async (req) => {
      const name = topicName(req);
      const missing = await requireTopic(backend, name);
      if (missing) return missing;
      const principal = requireCredentials(req.caller);
      const asked = ((req.body.permissions as string[] | undefined) ?? []).map(String);
      const held = asked.filter((permission) =>
        holdsPermission(req.store, principal, permission, resourcesOf(req)),
      );
      return ok(held.length > 0 ? { permissions: held } : {});
    },
    'pubsub.projects.subscriptions.create': (req) =>
      forward(backend, 'PUT', subscriptionName(req), req.body),
    'pubsub.projects.subscriptions.get': (req) => forward(backend, 'GET', subscriptionName(req)),
    'pubsub.projects.subscriptions.delete': (req) =>
      forward(backend, 'DELETE', subscriptionName(req)),
    'pubsub.projects.subscriptions.modifyPushConfig': (req) =>
      forward(backend, 'POST', `${subscriptionName(req)}:modifyPushConfig`, req.body),
  };
}
