import type { PrerequisiteCheck, PrerequisiteReport } from './prerequisites.js';

/**
 * `✓ Title: detail`, and under a ✗ each command that fixes it; `previous` is the check printed
 * just before, whose fix is not repeated when it is the same.
 */
export function formatCheck(check: PrerequisiteCheck, previous?: PrerequisiteCheck): string[] {
  const mark = check.ok ? '✓' : '✗';
  const lines = [`${mark} ${check.title}: ${check.detail}`];
  if (check.ok || !check.fix) return lines;
  if (previous && !previous.ok && previous.fix?.join('\n') === check.fix.join('\n')) {
    return [...lines, '    fix: the same as above'];
  }
  for (const [i, command] of check.fix.entries()) {
    lines.push(`    ${i === 0 ? 'fix:' : '    '} ${command}`);
  }
  return lines;
}

function formatChecks(checks: readonly PrerequisiteCheck[]): string[] {
  return checks.flatMap((check, i) => formatCheck(check, checks[i - 1]));
}

/** Every check, one line each (plus its fix), then the verdict: what `egressctl doctor` prints. */
export function formatReport(report: PrerequisiteReport): string {
  const lines = formatChecks(report.checks);
  const failed = report.checks.filter((c) => !c.ok && c.required);
  lines.push(
    '',
    failed.length === 0
      ? 'The local stack can start here: npm start (or egressctl local up).'
      : `The local stack cannot start here: fix the ${failed.length} ✗ line${failed.length === 1 ? '' : 's'} above.`,
  );
  return lines.join('\n');
}

/**
 * Why the stack does not start, for `local up` and `npm start`: the missing files named first,
 * then each failed prerequisite with its fix, then where to look further.
 */
export function formatStartFailure(report: PrerequisiteReport): string {
  const failed = report.checks.filter((c) => !c.ok && c.required);
  const missing = failed.flatMap((c) => (c.missingPath ? [c.missingPath] : []));
  const headline =
    missing.length > 0
      ? `${missing.join(', ')} ${missing.length === 1 ? 'does' : 'do'} not exist.`
      : `${failed.length === 1 ? 'a prerequisite fails' : `${failed.length} prerequisites fail`} (${failed.map((c) => c.title).join(', ')}).`;
  return [
    `cannot start the local stack: ${headline}`,
    ...formatChecks(failed),
    'Run `egressctl doctor` to check every prerequisite; without the emulators: --only gcp,kube.',
  ].join('\n');
}
