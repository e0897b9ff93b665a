import { formatHop, type ReachabilityResult } from '#shared/analysis/index.js';

/** Formats one result as text: verdict line, then the trace. */
export function formatResult(result: ReachabilityResult): string {
  const r = result.request;
  const head = `${r.sourceNamespace} → ${r.scheme}://${r.host}:${r.port}${r.path} (${r.method}): ${result.verdict}${result.via ? ` via ${result.via}` : ''}`;
  return [head, ...result.trace.map((h) => `  ${formatHop(h)}`)].join('\n') + '\n';
}
