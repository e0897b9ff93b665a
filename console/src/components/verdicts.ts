import type { Cell, Verdict } from '../api-types.js';

/** A verdict's class (its colour) and the short word written in its cell. */
export const VERDICT_STYLE: Readonly<Record<Verdict, { className: string; short: string }>> = {
  ALLOWED: { className: 'v-allowed', short: 'allow' },
  DENIED_RBAC: { className: 'v-rbac', short: 'rbac' },
  DENIED_NO_ROUTE: { className: 'v-noroute', short: 'no route' },
  DENIED_NETWORK: { className: 'v-network', short: 'network' },
};

/** Whether a cell's verdict is not what its tenant's spec grants. */
export function unexpected(cell: Cell): boolean {
  return cell.granted !== (cell.verdict === 'ALLOWED');
}

/** Whether the live check recorded another verdict than the specs compile to. */
export function differsLive(cell: Cell): boolean {
  return cell.recorded !== undefined && cell.recorded !== cell.verdict;
}
