import { useRef, useState } from 'preact/hooks';
import type {
  EnvironmentRecord,
  ReachabilityView,
  RunSummary,
  TenantRecord,
} from '../api-types.js';
import { seg } from '../api.js';
import { ErrorBox } from '../components/error-box.js';
import { Heatmap, type OpenedCell } from '../components/heatmap.js';
import { StatusBadge } from '../components/status-badge.js';
import { TracePanel } from '../components/trace-panel.js';
import { formatTime } from '../format.js';
import { href } from '../route.js';
import { useResource } from '../use-resource.js';

/** One environment: its runs, its tenants, its findings and its reachability heatmap. */
export function EnvironmentPage({ id }: { id: string }) {
  const base = `/v1/environments/${seg(id)}`;
  const environment = useResource<EnvironmentRecord>(base, { pollMs: 5000 });
  const tenants = useResource<{ tenants: TenantRecord[] }>(`${base}/tenants`, { pollMs: 5000 });
  const runs = useResource<{ runs: RunSummary[] }>(`${base}/runs?limit=10`, { pollMs: 5000 });
  const matrix = useResource<ReachabilityView>(`${base}/reachability`);
  const [opened, setOpened] = useState<OpenedCell | undefined>();
  const returnFocus = useRef<HTMLElement | null>(null);
  const env = environment.data;

  return (
    <main>
      <p class="crumbs">
        <a href={href.environments()}>Environments</a> / {id}
      </p>
      <h1>
        Environment {id} {env ? <StatusBadge status={env.status} /> : null}
      </h1>
      {environment.error ? <ErrorBox error={environment.error} /> : null}
      {env ? (
        <p>
          project <code>{env.spec.spec.project}</code>, {env.spec.spec.zone}; created by{' '}
          {env.createdBy ?? '-'}; updated {formatTime(env.updatedAt)}
        </p>
      ) : null}

      <div class="columns">
        <section aria-labelledby="runs-heading">
          <h2 id="runs-heading">Runs</h2>
          {runs.error ? <ErrorBox error={runs.error} /> : null}
          <ul class="plain" data-testid="runs">
            {(runs.data?.runs ?? []).map((run) => (
              <li>
                <a href={href.run(run.id)}>
                  {run.kind} <StatusBadge status={run.status} /> {formatTime(run.createdAt)}
                </a>
              </li>
            ))}
          </ul>
        </section>
        <section aria-labelledby="tenants-heading">
          <h2 id="tenants-heading">Tenants</h2>
          {tenants.error ? <ErrorBox error={tenants.error} /> : null}
          <ul class="plain" data-testid="tenants">
            {(tenants.data?.tenants ?? []).slice(0, 50).map((tenant) => (
              <li>
                <a href={href.tenant(id, tenant.id)}>{tenant.id}</a>{' '}
                <StatusBadge status={tenant.status} />
              </li>
            ))}
          </ul>
          {(tenants.data?.tenants.length ?? 0) > 50 ? (
            <p class="note">
              and {tenants.data!.tenants.length - 50} more: filter the matrix below by name.
            </p>
          ) : null}
        </section>
        <section aria-labelledby="findings-heading">
          <h2 id="findings-heading">Findings</h2>
          {matrix.data && matrix.data.findings.length === 0 ? <p>None.</p> : null}
          <ul class="plain findings" data-testid="findings">
            {(matrix.data?.findings ?? []).map((finding) => (
              <li class={`finding sev-${finding.severity}`}>
                <StatusBadge status={finding.severity} /> <strong>{finding.kind}</strong>:{' '}
                {finding.message}
              </li>
            ))}
          </ul>
        </section>
      </div>

      <h2>Reachability</h2>
      <p class="note">
        Every tenant × request as the stored specs compile (the analyzer on the compiler's objects
        and the spec's firewall rules); the last tenants step checked the same cells on the live
        cluster{matrix.data?.recordedAllowedOnly ? ' (recording its allowed cells only)' : ''}. Open
        a cell for its hop-by-hop trace.
      </p>
      {matrix.error ? <ErrorBox error={matrix.error} /> : null}
      {!matrix.data && !matrix.error ? <p>Computing the matrix…</p> : null}
      <div class="matrix-layout">
        {matrix.data ? (
          <Heatmap
            environment={id}
            view={matrix.data}
            onOpen={(cell) => {
              returnFocus.current = document.activeElement as HTMLElement | null;
              setOpened(cell);
            }}
          />
        ) : null}
        {opened ? (
          <TracePanel
            environment={id}
            opened={opened}
            onClose={() => {
              setOpened(undefined);
              returnFocus.current?.focus();
            }}
          />
        ) : null}
      </div>
    </main>
  );
}
