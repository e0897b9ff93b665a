import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One recorded call of the Workflow Executions REST API. */
export interface RecordedExecutionCall {
  method: string;
  path: string;
  body: unknown;
}

/**
 * A tiny stand-in for the Workflow Executions API (the real local one comes with the Workflows
 * interpreter): records each REST call and answers `createExecution` like Google does.
 */
export async function startFakeExecutionsApi(): Promise<{
  endpoint: string;
  calls: RecordedExecutionCall[];
  close(): Promise<void>;
}> {
  const calls: RecordedExecutionCall[] = [];
  let counter = 0;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString()));
    req.on('end', () => {
      const body: unknown = raw ? JSON.parse(raw) : undefined;
      calls.push({ method: req.method ?? '', path: req.url ?? '', body });
      const match =
        /^\/v1\/(projects\/[^/]+\/locations\/[^/]+\/workflows\/[^/:?]+)\/executions/.exec(
          req.url ?? '',
        );
      if (req.method !== 'POST' || !match) {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ error: { code: 404, message: 'not found', status: 'NOT_FOUND' } }),
        );
        return;
      }
      counter += 1;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          name: `${match[1]}/executions/exec-${counter}`,
          state: 'ACTIVE',
          argument: (body as { argument?: string } | undefined)?.argument,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
