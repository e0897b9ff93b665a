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
        </>
      ) : null}
      <AccessHistory environment={environment} tenant={tenant} />
    </main>
  );
}

/** A cell's verdict as the history records it (functions/lib/access-history-route.ts). */
interface CellVerdict {
  verdict: string;
  via?: string;
}

/** One entry of `GET /v1/environments/ENV/access-history`: only the fields shown. */
interface AccessHistoryEntry {
  method: string;
  url: string;
  change: 'gained' | 'lost' | 'changed';
  from?: CellVerdict;
  to?: CellVerdict;
  appliedAt: string;
  run: {
    id: string;
    kind: string;
    trigger: { type: string; caller?: string; messageId?: string; buildId?: string };
  };
}

const HISTORY_ENTRIES = 50;

function verdictText(cell: CellVerdict | undefined): string {
  if (!cell) return '-';
  return cell.via ? `${cell.verdict} ${cell.via}` : cell.verdict;
}

function whose(trigger: AccessHistoryEntry['run']['trigger']): string {
  if (trigger.type === 'pubsub') return `Pub/Sub message ${trigger.messageId ?? '?'}`;
  if (trigger.type === 'build') return `build ${trigger.buildId ?? '?'}`;
  return trigger.caller ?? trigger.type;
}

/** The tenant's access history, newest first: which request it gained or lost, when, by whose run. */
function AccessHistory({ environment, tenant }: { environment: string; tenant: string }) {
  const history = useResource<{ entries: AccessHistoryEntry[]; nextPageToken?: string }>(
    `/v1/environments/${seg(environment)}/access-history?tenant=${seg(tenant)}&limit=${HISTORY_ENTRIES}`,
    { pollMs: 5000 },
  );
  const entries = history.data?.entries ?? [];
  return (
    <section aria-labelledby="history-heading">
      <h2 id="history-heading">Access history</h2>
      {history.error ? <ErrorBox error={history.error} /> : null}
      {history.data && entries.length === 0 ? (
        <p class="note">No access change recorded for this tenant yet.</p>
      ) : null}
      {entries.length > 0 ? (
        <table class="list" data-testid="access-history">
          <thead>
            <tr>
              <th scope="col">when</th>
              <th scope="col">change</th>
              <th scope="col">request</th>
              <th scope="col">before → after</th>
              <th scope="col">run</th>
              <th scope="col">by</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((entry) => (
              <tr data-change={entry.change}>
                <td>{formatTime(entry.appliedAt)}</td>
                <td>{entry.change}</td>
                <th scope="row">
                  {entry.method} {entry.url}
                </th>
                <td>
                  {verdictText(entry.from)} → {verdictText(entry.to)}
                </td>
                <td>
                  <a href={href.run(entry.run.id)}>{entry.run.kind}</a>
                </td>
                <td>{whose(entry.run.trigger)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {history.data?.nextPageToken ? (
        <p class="note">
          The {HISTORY_ENTRIES} newest changes; older ones:{' '}
          <code>
            egressctl history {environment} --tenant {tenant} --limit N
          </code>
          .
        </p>
      ) : null}
    </section>
  );
}
