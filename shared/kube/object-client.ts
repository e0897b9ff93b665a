import { ApiException, PatchStrategy, type KubernetesObjectApi } from '@kubernetes/client-node';
import { PermanentError, RetryableError } from '../errors.js';
import { objectKey } from '../plan/kube-object.js';
import type { KubeObjectClient, LiveObject, ObjectReference } from '../core/kube-apis.js';
import { FIELD_MANAGER } from './kinds.js';
import { toModelForm, toWireForm } from './model-names.js';

export type { KubeObjectClient, LiveObject, ObjectReference };

function describe(ref: ObjectReference): string {
  return objectKey({ kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } });
}

function messageOf(body: unknown): string {
  if (typeof body === 'string') {
    try {
      const parsed = JSON.parse(body) as { message?: unknown };
      if (typeof parsed.message === 'string') return parsed.message;
    } catch {
      // Not JSON: the text itself is the best message there is.
    }
    return body.slice(0, 300);
  }
  if (typeof body === 'object' && body !== null && 'message' in body) {
    return String((body as { message: unknown }).message);
  }
  return '';
}

/**
 * Maps a client-node failure to the step contract's typed errors: 429, 5xx, 409 and lost
 * connections clear by themselves; a namespace that is being deleted (403 "being terminated")
 * or not there yet (404 on a write) is a matter of time too; 400/422 (invalid object) and
 * 401/403 (credentials, RBAC) are permanent.
 */
export function classifyKubeError(error: unknown, action: string, resource: string): Error {
  if (error instanceof RetryableError || error instanceof PermanentError) return error;
  if (error instanceof ApiException) {
    const code = (error as ApiException<unknown>).code;
    const detail = messageOf((error as ApiException<unknown>).body);
    const message = `${action} ${resource}: HTTP ${code}${detail ? `: ${detail}` : ''}`;
    if (code === 429) return new RetryableError('rate-limited', message, { cause: error });
    if (code >= 500) return new RetryableError('kube-unavailable', message, { cause: error });
    if (code === 409) return new RetryableError('conflict', message, { cause: error });
    if (code === 404) return new RetryableError('not-found', message, { cause: error });
    if (code === 403 && /being terminated/.test(detail)) {
      return new RetryableError('namespace-terminating', message, { cause: error });
    }
    if (code === 401)
      return new PermanentError('unauthenticated', message, { resource, cause: error });
    if (code === 403)
      return new PermanentError('permission-denied', message, { resource, cause: error });
    return new PermanentError('invalid-object', message, { resource, cause: error });
  }
  const text = error instanceof Error ? error.message : String(error);
  if (UNSERVED_KIND.test(text)) {
    // Istio's CRDs arrive with the managed control plane: a kind not served yet is a wait.
    return new RetryableError('kind-not-served', `${action} ${resource}: ${text}`, {
      cause: error,
    });
  }
  return new RetryableError('kube-unreachable', `${action} ${resource}: ${text}`, { cause: error });
}

/** client-node's own error when discovery does not list a kind (its group is served). */
const UNSERVED_KIND = /Unrecognized API version and kind/;

/** Whether a list failed because the API server does not serve the kind (at all, or yet). */
function isUnservedKind(error: unknown): boolean {
  return isNotFound(error) || (error instanceof Error && UNSERVED_KIND.test(error.message));
}

function isNotFound(error: unknown): boolean {
  return error instanceof ApiException && (error as ApiException<unknown>).code === 404;
}

/** The page size of list calls; the API server's `continue` token fetches the rest. */
const LIST_PAGE = 500;

/**
 * A {@link KubeObjectClient} over @kubernetes/client-node 1.4.0's KubernetesObjectApi. The apply
 * call shape, measured against that version:
 * `patch(obj, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply)`.
 * Objects go in and come out in wire form (JSON field names, string timestamps); see
 * model-names.ts for why the client needs translating.
 */
export function kubeObjectClient(api: KubernetesObjectApi): KubeObjectClient {
  return {
    async apply(object) {
      const key = objectKey(object);
      try {
        const answer = await api.patch(
          toModelForm(object) as Parameters<KubernetesObjectApi['patch']>[0],
          undefined,
          undefined,
          FIELD_MANAGER,
          true,
          PatchStrategy.ServerSideApply,
        );
        return toWireForm(answer, object.apiVersion, object.kind) as LiveObject;
      } catch (error) {
        throw classifyKubeError(error, 'apply', key);
      }
    },
    async list(kind, labelSelector) {
      const items: LiveObject[] = [];
      let token: string | undefined;
      do {
        let page;
        try {
          page = await api.list(
            kind.apiVersion,
            kind.kind,
            undefined,
            undefined,
            undefined,
            undefined,
            undefined,
            labelSelector,
            LIST_PAGE,
            token,
          );
        } catch (error) {
          // A kind the server does not serve has no objects to prune.
          if (isUnservedKind(error)) return items;
          throw classifyKubeError(error, 'list', `${kind.kind} (${labelSelector})`);
        }
        for (const item of page.items) {
          // List items carry no apiVersion/kind of their own on every server.
          const wire = toWireForm(item, kind.apiVersion, kind.kind) as LiveObject;
          items.push({ ...wire, apiVersion: kind.apiVersion, kind: kind.kind });
        }
        token = page.metadata?._continue || undefined;
      } while (token);
      return items;
    },
    async read(ref) {
      try {
        const answer = await api.read({
          apiVersion: ref.apiVersion,
          kind: ref.kind,
          metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
        });
        return toWireForm(answer, ref.apiVersion, ref.kind) as LiveObject;
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw classifyKubeError(error, 'read', describe(ref));
      }
    },
    async remove(ref) {
      try {
        await api.delete({
          apiVersion: ref.apiVersion,
          kind: ref.kind,
          metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
        });
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        throw classifyKubeError(error, 'delete', describe(ref));
      }
    },
  };
}
