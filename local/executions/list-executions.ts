import { EXECUTION_STATES, type ExecutionRecord } from './execution-record.js';
import { invalid } from './rest.js';

/** One page of `executions.list`. */
export interface ExecutionsPage {
  executions: ExecutionRecord[];
  nextPageToken?: string;
}

/**
 * `executions.list` of `parent` (a workflow) over the server's records: the filter
 * `state="STATE"`, orderBy `createTime [asc|desc]` (newest first by default) and paging by
 * opaque tokens; anything else the API accepts is refused as not supported locally.
 */
export function listExecutions(
  records: Iterable<ExecutionRecord>,
  parent: string,
  query: URLSearchParams,
): ExecutionsPage {
  let selected = [...records].filter((r) => r.name.startsWith(`${parent}/executions/`));
  const filter = query.get('filter');
  if (filter) {
    const match = /^\s*state\s*=\s*"?([A-Z]+)"?\s*$/.exec(filter);
    if (!match || !(match[1]! in EXECUTION_STATES))
      throw invalid(`filter "${filter}" is not supported locally: only state="STATE" is`);
    selected = selected.filter((r) => r.state === match[1]);
  }
  const orderBy = (query.get('orderBy') ?? 'createTime desc').trim();
  if (!/^createTime( (asc|desc))?$/.test(orderBy))
    throw invalid(`orderBy "${orderBy}" is not supported locally: only createTime [asc|desc] is`);
  selected.sort((a, b) => a.createTime.localeCompare(b.createTime) || a.name.localeCompare(b.name));
  if (!orderBy.endsWith('asc') && orderBy !== 'createTime') selected.reverse();
  const pageSize = Number(query.get('pageSize') ?? '100') || 100;
  if (!Number.isInteger(pageSize) || pageSize < 0 || pageSize > 1000)
    throw invalid('pageSize must be an integer from 0 to 1000');
  const offset = Number(
    query.get('pageToken') ? Buffer.from(query.get('pageToken')!, 'base64url').toString() : '0',
  );
  if (!Number.isInteger(offset) || offset < 0)
    throw invalid('pageToken is not one this server issued');
  const page = selected.slice(offset, offset + pageSize);
  return {
    executions: page,
    ...(offset + pageSize < selected.length
      ? { nextPageToken: Buffer.from(String(offset + pageSize)).toString('base64url') }
      : {}),
  };
}
