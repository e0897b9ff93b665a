import { useEffect, useRef, useState } from 'preact/hooks';
import { getJson } from './api.js';

/** What a page knows of one API read: its last answer, its last error, whether it is loading. */
export interface Resource<T> {
  data?: T;
  error?: Error;
  loading: boolean;
  /** When the last answer arrived (ms since epoch). */
  at?: number;
}

/**
 * Reads `path`, and reads it again every `pollMs` until `done(data)` says the resource stopped
 * changing (a run that ended): how the run page follows a run live. A failed read keeps the
 * last answer and tries again at the next tick.
 */
export function useResource<T>(
  path: string | undefined,
  options: { pollMs?: number; done?: (data: T) => boolean } = {},
): Resource<T> {
  const [state, setState] = useState<Resource<T>>({ loading: path !== undefined });
  const done = useRef(options.done);
  done.current = options.done;
  useEffect(() => {
    if (!path) return undefined;
    const controller = new AbortController();
    let timer: number | undefined;
    setState({ loading: true });
    const read = async () => {
      let again = options.pollMs !== undefined;
      try {
        const data = await getJson<T>(path, controller.signal);
        setState({ data, loading: false, at: Date.now() });
        if (done.current?.(data)) again = false;
      } catch (error) {
        if (controller.signal.aborted) return;
        setState((previous) => ({ ...previous, error: error as Error, loading: false }));
      }
      if (again && !controller.signal.aborted) timer = window.setTimeout(read, options.pollMs);
    };
    void read();
    return () => {
      controller.abort();
      if (timer !== undefined) window.clearTimeout(timer);
    };
  }, [path, options.pollMs]);
  return state;
}
