/**
 * Lazy construction for the functions' composition root: a value built on first use, once per
 * instance (one function process), so a function's module loads without the client libraries
 * it may never need (issue 18: each module loads in < 300 ms). Concurrent first calls share
 * one build; a failed build is not kept, so the next call tries again.
 */
export function lazy<T>(build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | undefined;
  return () => {
    built ??= build().catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return built;
  };
}

/**
 * An object whose every method is async, built on the first call of any of them: `deferred(load)`
 * stands for `await load()` where only the promise-returning methods are used (the adapters of
 * shared/core/gcp-apis.ts, the steps' client interfaces). Every property reads as an async method
 * forwarding to the built object, except `then` (so it is never mistaken for a promise) and
 * symbols, which read `undefined`.
 */
export function deferred<T extends object>(load: () => Promise<T>): T {
  const target = lazy(load);
  const methods = new Map<string, (...args: unknown[]) => Promise<unknown>>();
  return new Proxy({} as T, {
    get(_, property) {
      if (typeof property !== 'string' || property === 'then') return undefined;
      let method = methods.get(property);
      if (!method) {
        method = async (...args: unknown[]) => {
          const loaded = (await target()) as Record<string, unknown>;
          const member = loaded[property];
          if (typeof member !== 'function') {
            throw new TypeError(`${property} is not a method of the deferred object`);
          }
          return (member as (...a: unknown[]) => Promise<unknown>).apply(loaded, args);
        };
        methods.set(property, method);
      }
      return method;
    },
  });
}
