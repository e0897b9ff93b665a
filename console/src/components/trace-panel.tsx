import { useEffect, useRef } from 'preact/hooks';
import type { TraceView } from '../api-types.js';
import { seg } from '../api.js';
import { useResource } from '../use-resource.js';
import { ErrorBox } from './error-box.js';
import type { OpenedCell } from './heatmap.js';
import { StatusBadge } from './status-badge.js';

function objectName(object: NonNullable<TraceView['trace'][number]['object']>): string {
  return object.namespace
    ? `${object.kind}/${object.namespace}/${object.name}`
    : `${object.kind}/${object.name}`;
}

/**
 * One cell's hop-by-hop trace, as the analyzer walks the request: the source pod's
 * NetworkPolicy, the sidecar and its routing, the egress gateway's server, routing and
 * authorization, TLS origination, DNS and the VPC firewall; each hop names the object and rule
 * that decided it. Escape or the close button gives the focus back to the grid.
 */
export function TracePanel({
  environment,
  opened,
  onClose,
}: {
  environment: string;
  opened: OpenedCell;
  onClose: () => void;
}) {
  const query = `tenant=${seg(opened.row.tenant)}&method=${seg(opened.column.method)}&url=${seg(opened.column.url)}`;
  const trace = useResource<TraceView>(
    `/v1/environments/${seg(environment)}/reachability/trace?${query}`,
  );
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [query]);
  const data = trace.data;
  return (
    <aside
      class="trace"
      aria-labelledby="trace-heading"
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
      }}
    >
      <div class="trace-head">
        <h3 id="trace-heading" tabIndex={-1} ref={heading}>
          {opened.row.tenant} → {opened.column.method} {opened.column.url}
        </h3>
        <button type="button" onClick={onClose} aria-label="Close the trace">
          Close
        </button>
      </div>
      {trace.error ? <ErrorBox error={trace.error} /> : null}
      {!data && !trace.error ? <p>Tracing…</p> : null}
      {data ? (
        <>
          <dl class="facts">
            <dt>verdict</dt>
            <dd>
              <StatusBadge status={data.verdict} />
              {data.via ? ` via ${data.via}` : ''}
            </dd>
            <dt>the spec grants</dt>
            <dd>{data.expected.allowed ? `allowed via ${data.expected.via}` : 'no access'}</dd>
            <dt>decided by</dt>
            <dd>
              <code>{data.decidedBy}</code>
            </dd>
            <dt>last live check</dt>
            <dd>{data.recorded ?? 'not recorded'}</dd>
          </dl>
          <ol class="hops" aria-label="Hops">
            {data.trace.map((hop) => (
              <li class={`hop hop-${hop.decision}`} data-stage={hop.stage}>
                <span class="hop-stage">{hop.stage}</span>
                <span class={`hop-decision d-${hop.decision}`}>{hop.decision}</span>
                {hop.object ? <code class="hop-object">{objectName(hop.object)}</code> : null}
                <span class="hop-rule">{hop.rule}</span>
              </li>
            ))}
          </ol>
        </>
      ) : null}
    </aside>
  );
}
