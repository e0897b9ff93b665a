import type { EnvironmentSummary } from '../api-types.js';
import { ErrorBox } from '../components/error-box.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatTime } from '../format.js';
import { href } from '../route.js';
import { useResource } from '../use-resource.js';

/** Every environment the caller may read: status, last run, tenants, findings. */
export function EnvironmentsPage() {
  const list = useResource<{ environments: EnvironmentSummary[] }>('/v1/environments', {
    pollMs: 5000,
  });
  const environments = list.data?.environments;
  return (
    <main>
      <h1>Environments</h1>
      {list.error ? <ErrorBox error={list.error} /> : null}
      {!environments && !list.error ? <p>Loading…</p> : null}
      {environments && environments.length === 0 ? (
        <p>No environment you may read. Create one with egressctl up -f FILES.</p>
      ) : null}
      {environments && environments.length > 0 ? (
        <table class="list" data-testid="environments">
          <thead>
            <tr>
              <th scope="col">environment</th>
              <th scope="col">status</th>
              <th scope="col">project</th>
              <th scope="col">last run</th>
              <th scope="col">tenants</th>
              <th scope="col">findings</th>
              <th scope="col">updated</th>
            </tr>
          </thead>
          <tbody>
            {environments.map((env) => (
              <tr data-environment={env.id}>
                <th scope="row">
                  <a href={href.environment(env.id)}>{env.id}</a>
                </th>
                <td>
                  <StatusBadge status={env.status} />
                </td>
                <td>{env.project}</td>
                <td>
                  {env.lastRun ? (
                    <a href={href.run(env.lastRun.id)}>
                      {env.lastRun.kind} <StatusBadge status={env.lastRun.status} />{' '}
                      {formatTime(
                        env.lastRun.finishedAt ?? env.lastRun.startedAt ?? env.lastRun.createdAt,
                      )}
                    </a>
                  ) : (
                    '-'
                  )}
                </td>
                <td class="number" data-field="tenants">
                  {env.tenants}
                </td>
                <td class="number" data-field="findings">
                  {env.findings ?? '-'}
                </td>
                <td>{formatTime(env.updatedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      <p class="note">Drift is not shown yet: the service does not detect it yet.</p>
    </main>
  );
}
