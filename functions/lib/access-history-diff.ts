/**
 * The access changes of one application of the tenants step (pure): its recorded verdict rows
 * (`TENANT METHOD URL VERDICT [via]`, shared/analysis formatReachabilityRow) against the rows the
 * environment kept from the application before. The run keeps rows, not the object sets
 * shared/analysis accessDiff compares, so the rows are compared here, with accessDiff's rules: a
 * cell allowed now and not before is `gained`, allowed before and not now `lost`, allowed both
 * times another way `changed`; one denial turning into another is no access change.
 */
import { parseReachabilityRow } from '../../shared/analysis/index.js';
import type { StepOutputs } from '../../shared/core/step-contract.js';
import { tenantNamespace, type Tenant } from '../../shared/spec/index.js';
import type { AccessHistoryCell, CellVerdict } from '../../shared/state/types.js';

interface RecordedCell {
  namespace: string;
  method: string;
  url: string;
  verdict: CellVerdict;
}

/** The cells of a step's `reachability` rows by `NAMESPACE METHOD URL`; malformed rows skipped. */
function recordedCells(outputs: StepOutputs | undefined): Map<string, RecordedCell> {
  const cells = new Map<string, RecordedCell>();
  const rows = outputs?.reachability;
  if (!Array.isArray(rows)) return cells;
  for (const row of rows) {
    const parsed = parseReachabilityRow(row);
    if (!parsed) continue;
    const { tenant: namespace, method, url, verdict, via } = parsed;
    cells.set(`${namespace} ${method} ${url}`, {
      namespace,
      method,
      url,
      verdict: via ? { verdict, via } : { verdict },
    });
  }
  return cells;
}

const allowed = (verdict: CellVerdict | undefined) => verdict?.verdict === 'ALLOWED';

function changeOf(
  from: CellVerdict | undefined,
  to: CellVerdict | undefined,
): AccessHistoryCell['change'] | undefined {
  if (!allowed(from) && allowed(to)) return 'gained';
  if (allowed(from) && !allowed(to)) return 'lost';
  if (allowed(from) && from?.via !== to?.via) return 'changed';
  return undefined;
}

/**
 * Tenant names by namespace (rows name the namespace, managers' patterns the tenant), present
 * tenants first; a namespace no spec names (a tenant deleted from the store) is its own name.
 */
function tenantNames(tenants: readonly Tenant[]): Map<string, string> {
  const names = new Map<string, string>();
  const ordered = [...tenants].sort(
    (a, b) => Number(b.spec.state === 'present') - Number(a.spec.state === 'present'),
  );
  for (const tenant of ordered) {
    const namespace = tenantNamespace(tenant);
    if (!names.has(namespace)) names.set(namespace, tenant.metadata.name);
  }
  return names;
}

/**
 * Every cell whose access differs between the outputs applied before (undefined: none yet, so
 * every allowed cell is gained) and those applied now. `tenants` are the specs the step applied,
 * offboarded ones included, for the names of the rows' namespaces.
 */
export function accessChangesBetween(
  previous: StepOutputs | undefined,
  next: StepOutputs,
  tenants: readonly Tenant[],
): AccessHistoryCell[] {
  const before = recordedCells(previous);
  const after = recordedCells(next);
  const names = tenantNames(tenants);
  const changes: AccessHistoryCell[] = [];
  for (const key of new Set([...before.keys(), ...after.keys()])) {
    const was = before.get(key);
    const now = after.get(key);
    const cell = (now ?? was)!;
    const change = changeOf(was?.verdict, now?.verdict);
    if (!change) continue;
    const tenant = names.get(cell.namespace) ?? cell.namespace;
    changes.push({
      tenant,
      ...(tenant !== cell.namespace ? { namespace: cell.namespace } : {}),
      method: cell.method,
      url: cell.url,
      change,
      ...(was ? { from: was.verdict } : {}),
      ...(now ? { to: now.verdict } : {}),
    });
  }
  return changes;
}
