import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { PubSub } from '@google-cloud/pubsub';
import type { ExecutionsClient } from '@google-cloud/workflows';
import { closeServer, listen, readStateFile, writeStateFile } from '../executions/local-service.js';
import { InvalidPushError, toMessagePublishedEvent } from './cloud-event.js';

/** Starts one workflow execution; returns the execution's full name. */
export interface WorkflowStarter {
  start(workflowId: string, argument: unknown): Promise<string>;
}

/** A starter over the official ExecutionsClient (local Executions API or Google's). */
export function executionsClientStarter(
  client: ExecutionsClient,
  target: { projectId: string; location: string },
): WorkflowStarter {
  return {
    async start(workflowId, argument) {
      const [execution] = await client.createExecution({
        parent: client.workflowPath(target.projectId, target.location, workflowId),
        execution: { argument: JSON.stringify(argument) },
      });
      if (!execution.name) throw new Error('the Executions API returned no execution name');
      return execution.name;
    },
  };
}

/** The workflows that run environment requests, by the message's `kind` attribute. */
export const DEFAULT_ROUTES: Readonly<Record<string, string>> = {
  provision: 'provision-environment',
  teardown: 'teardown-environment',
};

/** Options of {@link startEventarcBridge}. */
export interface EventarcBridgeOptions {
  starter: WorkflowStarter;
  /** Project of the topic (the event's `source`). */
  projectId: string;
  /** Default `environment-requests`. */
  topic?: string;
  /** kind attribute -> workflow id. Default {@link DEFAULT_ROUTES}. */
  routes?: Record<string, string>;
  /** Workflow for a message without `kind`. Default `provision-environment`. */
  defaultWorkflow?: string;
  /** When set, the message id -> execution map survives restarts (`<stateDir>/eventarc-deliveries.json`). */
  stateDir?: string;
  host?: string;
  /** 0 (default): a free port. */
  port?: number;
  log?: (line: string) => void;
}

/** A running bridge. */
export interface EventarcBridge {
  /** `http://127.0.0.1:PORT`: the push endpoint (any path is accepted). */
  url: string;
  port: number;
  /** message id -> execution name, for every message that started an execution. */
  deliveries(): ReadonlyMap<string, string>;
  /** Every push request received (redeliveries included). */
  received(): number;
  close(): Promise<void>;
}

/**
 * The Eventarc stand-in: receives Pub/Sub push deliveries of `environment-requests`, turns each
 * into the CloudEvent Eventarc gives a workflow and starts ONE execution per message id: a
 * redelivery, or a second delivery of the same message, answers 200 with the first execution.
 * The workflow is chosen by the `kind` attribute the `api` function sets (provision/teardown).
 *
 * Answers: 200 once an execution exists; 503 when starting failed (Pub/Sub redelivers, and the
 * id is not remembered, so the retry starts it); 200 with `ignored` for a body no redelivery can
 * fix (not a push body, unknown kind) — a 4xx would make Pub/Sub redeliver it forever.
 */
export async function startEventarcBridge(options: EventarcBridgeOptions): Promise<EventarcBridge> {
  const topic = options.topic ?? 'environment-requests';
  const routes = options.routes ?? DEFAULT_ROUTES;
  const defaultWorkflow = options.defaultWorkflow ?? DEFAULT_ROUTES.provision!;
  const log = options.log ?? (() => {});
  const stateFile = options.stateDir ? `${options.stateDir}/eventarc-deliveries.json` : undefined;
  const started = new Map<string, string>();
  const inFlight = new Map<string, Promise<string>>();
  let received = 0;

  const saved = stateFile ? readStateFile<Record<string, string>>(stateFile) : undefined;
  for (const [id, name] of Object.entries(saved ?? {})) started.set(id, name);
  const persist = () => {
    if (stateFile) writeStateFile(options.stateDir!, stateFile, Object.fromEntries(started));
  };

  const deliver = async (
    body: unknown,
  ): Promise<{ status: number; body: Record<string, unknown> }> => {
    let event;
    try {
      event = toMessagePublishedEvent(body, { projectId: options.projectId, topic });
    } catch (error) {
      if (!(error instanceof InvalidPushError)) throw error;
      log(`eventarc: ignored a delivery: ${error.message}`);
      return {
        status: 200,
        body: { ignored: true, error: { field: error.field, message: error.message } },
      };
    }
    const messageId = event.id;
    const known = started.get(messageId);
    if (known) return { status: 200, body: { messageId, execution: known, duplicate: true } };
    const pending = inFlight.get(messageId);
    if (pending)
      return { status: 200, body: { messageId, execution: await pending, duplicate: true } };

    const kind = event.data.message.attributes?.kind;
    const workflowId = kind === undefined ? defaultWorkflow : routes[kind];
    if (!workflowId) {
      log(`eventarc: message ${messageId} has kind "${kind}", which no workflow runs`);
      return {
        status: 200,
        body: {
          ignored: true,
          error: {
            field: 'message.attributes.kind',
            message: `kind must be one of ${Object.keys(routes).join(', ')}`,
          },
        },
      };
    }
    const start = options.starter.start(workflowId, event);
    inFlight.set(messageId, start);
    try {
      const name = await start;
      started.set(messageId, name);
      persist();
      log(`eventarc: message ${messageId} started ${name}`);
      return { status: 200, body: { messageId, execution: name, duplicate: false } };
    } finally {
      inFlight.delete(messageId);
    }
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST')
      return send(
        405,
        { error: { message: 'push deliveries are POST requests' } },
        { allow: 'POST' },
      );
    received++;
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return send(200, {
          ignored: true,
          error: { field: 'body', message: 'the push body is not JSON' },
        });
      }
      const answer = await deliver(body);
      send(answer.status, answer.body);
    } catch (error) {
      log(`eventarc: could not start an execution: ${(error as Error).message}`);
      send(
        503,
        {
          error: { message: `could not start the workflow execution: ${(error as Error).message}` },
        },
        { 'retry-after': '1' },
      );
    }
  };

  const server = createServer((req, res) => void handle(req, res));
  const host = options.host ?? '127.0.0.1';
  const port = await listen(server, host, options.port ?? 0);
  return {
    url: `http://${host}:${port}`,
    port,
    deliveries: () => started,
    received: () => received,
    close: () => closeServer(server),
  };
}

/**
 * Creates (or re-points) a push subscription of `topic` that delivers to `endpoint`, creating
 * the topic when missing. Returns the subscription's short name.
 */
export async function createPushSubscription(
  pubsub: PubSub,
  topic: string,
  endpoint: string,
  options: { subscription?: string; ackDeadlineSeconds?: number } = {},
): Promise<string> {
  const name = options.subscription ?? `${topic}-eventarc`;
  const topicRef = pubsub.topic(topic);
  const [topicExists] = await topicRef.exists();
  if (!topicExists) await topicRef.create().catch(ignoreAlreadyExists);
  const subscription = pubsub.subscription(name);
  const [exists] = await subscription.exists();
  if (exists) {
    await subscription.modifyPushConfig({ pushEndpoint: endpoint });
  } else {
    await topicRef
      .createSubscription(name, {
        pushConfig: { pushEndpoint: endpoint },
        ackDeadlineSeconds: options.ackDeadlineSeconds ?? 60,
      })
      .catch(ignoreAlreadyExists);
  }
  return name;
}

function ignoreAlreadyExists(error: { code?: number }): void {
  // 6 = ALREADY_EXISTS: another process created it between exists() and create().
  if (error.code !== 6 && error.code !== 409) throw error;
}
