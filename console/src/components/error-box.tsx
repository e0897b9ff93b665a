import { ApiError } from '../api.js';

/** What went wrong reading the API, and what the reader can do about it. */
export function ErrorBox({ error }: { error: Error }) {
  const hint =
    error instanceof ApiError && error.status === 401
      ? 'The API did not authenticate this browser: open the console through an authenticating proxy (docs/console.md).'
      : error instanceof ApiError && error.status === 403
        ? "You may not read this: the environment's admins, viewers and tenant managers may."
        : undefined;
  return (
    <div class="error" role="alert">
      <strong>Could not read the API.</strong> {error.message}
      {hint ? <p>{hint}</p> : null}
    </div>
  );
}
