import type { Command } from 'commander';
import type { AccessHistoryEntry } from '#shared/state/types.js';
import { addTargetOptions, getJson, resolveApiUrl, type TargetOptions } from '../api-client.js';
import { CliError, ExitCode } from '../errors.js';
import { formatAccessHistory } from '../format/history.js';
import { outputFormatOption } from '../options.js';

/** The API's largest page (functions/lib/access-history-route.ts MAX_HISTORY_ENTRIES). */
const API_PAGE = 1000;
const DEFAULT_LIMIT = 100;

interface HistoryOptions extends TargetOptions {
  tenant?: string;
  limit?: string;
  output: string;
}

interface HistoryPage {
  environmentId: string;
  entries: AccessHistoryEntry[];
  nextPageToken?: string;
}

function parseLimit(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LIMIT;
  const limit = Number(text);
  if (!/^[0-9]+$/.test(text.trim()) || !Number.isSafeInteger(limit) || limit < 1) {
    throw new CliError(`--limit must be a whole number >= 1, got "${text}"`, ExitCode.usage);
  }
  return limit;
}

/** Up to `limit` entries, newest first, page after page; `nextPageToken` when more remain. */
async function readHistory(
  apiUrl: string,
  environment: string,
  options: { tenant?: string; limit: number },
): Promise<{ entries: AccessHistoryEntry[]; nextPageToken?: string }> {
  const entries: AccessHistoryEntry[] = [];
  let token: string | undefined;
  do {
    const query = new URLSearchParams({
      limit: String(Math.min(API_PAGE, options.limit - entries.length)),
    });
    if (options.tenant) query.set('tenant', options.tenant);
    if (token) query.set('pageToken', token);
    const path = `/v1/environments/${encodeURIComponent(environment)}/access-history?${query}`;
    const page = await getJson<HistoryPage>(apiUrl, path, `access history of ${environment}`);
    entries.push(...page.entries);
    token = page.nextPageToken;
  } while (token && entries.length < options.limit);
  return token ? { entries, nextPageToken: token } : { entries };
}

/** `egressctl history ENV`: who gained or lost which request, when, by which run and request. */
async function showHistory(environment: string, options: HistoryOptions): Promise<void> {
  const limit = parseLimit(options.limit);
  const { apiUrl } = resolveApiUrl(options);
  const read = await readHistory(apiUrl, environment, {
    limit,
    ...(options.tenant ? { tenant: options.tenant } : {}),
  });
  process.stdout.write(
    options.output === 'json'
      ? `${JSON.stringify({ environmentId: environment, ...read }, null, 2)}\n`
      : formatAccessHistory(environment, read.entries, {
          more: read.nextPageToken !== undefined,
          ...(options.tenant ? { tenant: options.tenant } : {}),
        }),
  );
}

/** `egressctl history ENV [--tenant T] [--limit N] [-o json]`. */
export function registerHistoryCommand(program: Command): void {
  addTargetOptions(
    program
      .command('history')
      .description(
        'Who gained or lost which request, when, by which run and whose request: one line per cell, newest first',
      )
      .argument('<environment>', 'environment name')
      .option('--tenant <name>', "only this tenant's cells")
      .option('--limit <n>', `the most entries to show (default ${DEFAULT_LIMIT})`)
      .addOption(outputFormatOption(['text', 'json'], 'text')),
  ).action(showHistory);
}
