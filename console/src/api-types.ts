/**
 * The API's answers as the console reads them (functions/api.ts and functions/lib/console-*.ts):
 * only the fields the pages show.
 */

export type Verdict = 'ALLOWED' | 'DENIED_NO_ROUTE' | 'DENIED_RBAC' | 'DENIED_NETWORK';
export type RunStatus = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED';
export type StepStatus = 'PENDING' | 'RUNNING' | 'DONE' | 'FAILED';

export interface ErrorBody {
  kind?: string;
  reason?: string;
  message?: string;
  field?: string;
}

export interface RunSummary {
  id: string;
  kind: 'provision' | 'teardown' | 'tenants';
  status: RunStatus;
  error?: ErrorBody;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
}

export interface EnvironmentSummary {
  id: string;
  project: string;
  status: string;
  updatedAt: string;
  lastRun?: RunSummary;
  tenants: number;
  findings?: number;
}

export interface EnvironmentRecord {
  id: string;
  status: string;
  currentRun?: string;
  createdBy?: string;
  updatedAt: string;
  spec: { metadata: { name: string }; spec: { project: string; region: string; zone: string } };
}

export interface TenantRecord {
  id: string;
  environment: string;
  generation: number;
  status: string;
  error?: ErrorBody;
  updatedAt: string;
  spec: {
    metadata: { name: string };
    spec: {
      namespace?: string;
      state?: string;
      egress: Array<{ host: string; mode?: string; paths?: string[]; methods?: string[] }>;
      workloadIdentity?: unknown;
      networkPolicy?: unknown;
    };
  };
}

export interface StepRecord {
  step: string;
  status: StepStatus;
  attempts: number;
  operation?: { api: string; name: string };
  error?: ErrorBody;
  startedAt: string;
  finishedAt?: string;
  updatedAt: string;
  durationSeconds?: number;
}

export interface RunView {
  run: RunSummary & { environment: string; updatedAt: string };
  steps: StepRecord[];
}

export interface RequestColumn {
  method: string;
  url: string;
  host: string;
  ungranted: boolean;
}

export interface Cell {
  verdict: Verdict;
  via?: string;
  decidedBy: string;
  granted: boolean;
  recorded?: Verdict;
}

export interface MatrixRow {
  tenant: string;
  namespace: string;
  status: string;
  cells: Cell[];
}

export interface Finding {
  kind: string;
  severity: 'high' | 'medium';
  tenant?: string;
  host?: string;
  message: string;
}

export interface ReachabilityView {
  environmentId: string;
  requests: RequestColumn[];
  rows: MatrixRow[];
  findings: Finding[];
  recordedAllowedOnly: boolean;
}

export interface Hop {
  stage: string;
  decision: 'pass' | 'deny' | 'info';
  object?: { kind: string; namespace?: string; name: string };
  rule: string;
}

export interface TraceView {
  tenant: string;
  namespace: string;
  request: { method: string; url: string };
  verdict: Verdict;
  via?: string;
  decidedBy: string;
  expected: { allowed: boolean; via?: string };
  recorded?: Verdict;
  trace: Hop[];
}
