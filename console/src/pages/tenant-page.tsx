import type { TenantRecord } from '../api-types.js';
import { seg } from '../api.js';
import { ErrorBox } from '../components/error-box.js';
import { StatusBadge } from '../components/status-badge.js';
import { formatTime } from '../format.js';
import { href } from '../route.js';
import { useResource } from '../use-resource.js';

/** One tenant: its status, its egress grants (hosts) and its whole stored spec. */
export function TenantPage({ environment, tenant }: { environment: string; tenant: string }) {
  const record = useResource<TenantRecord>(
    `/v1/environments/${seg(environment)}/tenants/${seg(tenant)}`,
    { pollMs: 5000 },
  );
  const data = record.data;
  return (
    <main>
      <p class="crumbs">
        <a href={href.environments()}>Environments</a> /{' '}
        <a href={href.environment(environment)}>{environment}</a> / tenant
      </p>
      <h1>
        Tenant {tenant} {data ? <StatusBadge status={data.status} /> : null}
      </h1>
      {record.error ? <ErrorBox error={record.error} /> : null}
      {data ? (
        <>
          <p>
            generation {data.generation}, updated {formatTime(data.updatedAt)}
            {data.error ? `; ${data.error.reason}: ${data.error.message}` : ''}
          </p>
          <h2>Egress</h2>
          <table class="list" data-testid="egress">
            <thead>
              <tr>
                <th scope="col">host</th>
                <th scope="col">mode</th>
                <th scope="col">paths</th>
                <th scope="col">methods</th>
              </tr>
            </thead>
            <tbody>
              {data.spec.spec.egress.map((rule) => (
                <tr>
                  <th scope="row">{rule.host}</th>
                  <td>{rule.mode ?? 'tls-origination'}</td>
                  <td>{rule.paths?.length ? rule.paths.join(', ') : 'all'}</td>
                  <td>{rule.methods?.length ? rule.methods.join(', ') : 'all'}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <h2>Spec</h2>
          <pre class="spec">{JSON.stringify(data.spec, null, 2)}</pre>
          <p class="note">Access history will show here once the service records it.</p>
        </>
      ) : null}
    </main>
  );
}
