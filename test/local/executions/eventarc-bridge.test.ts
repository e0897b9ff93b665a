import { PubSub } from '@google-cloud/pubsub';
import type { ExecutionsClient } from '@google-cloud/workflows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmulators, type RunningEmulators } from '../../../local/emulators.js';
import {
  createPushSubscription,
  executionsClientStarter,
  startEventarcBridge,
  type EventarcBridge,
  type WorkflowStarter,
} from '../../../local/eventarc/index.js';
import {
  localExecutionsClient,
  startExecutionsServer,
  type ExecutionsServer,
} from '../../../local/executions/index.js';
import { STEP_FAMILIES } from '../../../shared/plan/graph.js';
import { startStepFunctionsStandIn } from '../../workflows/step-functions-stand-in.js';

const PROJECT = 'demo-eventarc';
const TOPIC = 'environment-requests';

async function eventually<T>(
  probe: () => T | undefined,
  what: string,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('Eventarc bridge with the Pub/Sub emulator and the local Executions API', () => {
  let emulators: RunningEmulators | undefined;
  let pubsub: PubSub;
  let executions: ExecutionsServer;
  let client: ExecutionsClient;
  let bridge: EventarcBridge;
  let standIn: Awaited<ReturnType<typeof startStepFunctionsStandIn>>;
  let failNextStart = 1;
  let starts = 0;

  beforeAll(async () => {
    // No metadata server exists here: stop google-auth-library probing for one.
    process.env.METADATA_SERVER_DETECTION = 'none';
    let host = process.env.PUBSUB_EMULATOR_HOST;
    if (!host) {
      emulators = await startEmulators({ only: ['pubsub'] });
      host = emulators.pubsubHost!;
    }
    pubsub = new PubSub({ projectId: PROJECT, apiEndpoint: host, emulatorMode: true });
    standIn = await startStepFunctionsStandIn({
      now: () => Date.now() / 1000,
      families: STEP_FAMILIES,
    });
    executions = await startExecutionsServer({ env: { STEP_BASE_URL: standIn.url } });
    client = localExecutionsClient(executions.url);
    const official = executionsClientStarter(client, {
      projectId: PROJECT,
      location: 'us-central1',
    });
    // The first start fails, as when the Executions API is briefly down: Pub/Sub must redeliver.
    const flaky: WorkflowStarter = {
      async start(workflowId, argument) {
        starts++;
        if (failNextStart-- > 0) throw new Error('Executions API unavailable');
        return official.start(workflowId, argument);
      },
    };
    bridge = await startEventarcBridge({ starter: flaky, projectId: PROJECT, topic: TOPIC });
    await createPushSubscription(
      pubsub,
      TOPIC,
      `${bridge.url}/projects/${PROJECT}/topics/${TOPIC}`,
    );
  }, 60_000);

  afterAll(async () => {
    await pubsub?.close();
    await bridge?.close();
    await client?.close();
    await executions?.close();
    await standIn?.close();
    await emulators?.stop();
  });

  it('starts exactly one provision-environment execution for a message that was redelivered', async () => {
    const request = { runId: 'run-0123456789abcdef', environmentId: 'tutorial', kind: 'provision' };
    const messageId = await pubsub.topic(TOPIC).publishMessage({
      json: request,
      attributes: { runId: request.runId, environment: request.environmentId, kind: 'provision' },
    });
    const name = await eventually(
      () => bridge.deliveries().get(messageId),
      'the execution of the message',
    );
    expect(bridge.received()).toBeGreaterThanOrEqual(2);
    expect(starts).toBe(2);
    expect(name).toMatch(
      new RegExp(
        `^projects/${PROJECT}/locations/us-central1/workflows/provision-environment/executions/`,
      ),
    );

    const done = await executions.waitFor(name);
    expect(done.state, JSON.stringify(done.error)).toBe('SUCCEEDED');
    const argument = JSON.parse(done.argument) as {
      type: string;
      source: string;
      id: string;
      data: { message: { data: string; attributes: Record<string, string> }; subscription: string };
    };
    expect(argument.type).toBe('google.cloud.pubsub.topic.v1.messagePublished');
    expect(argument.source).toBe(`//pubsub.googleapis.com/projects/${PROJECT}/topics/${TOPIC}`);
    expect(argument.id).toBe(messageId);
    expect(JSON.parse(Buffer.from(argument.data.message.data, 'base64').toString())).toEqual(
      request,
    );
    expect(argument.data.subscription).toBe(`projects/${PROJECT}/subscriptions/${TOPIC}-eventarc`);
    // The execution names itself, so finalize can check it holds the run.
    expect(standIn.finalizeCalls().map((c) => c.body)).toEqual([
      { runId: request.runId, outcome: 'succeeded', execution: name },
    ]);

    // A further delivery of the same message id (a redelivery) starts nothing new.
    const again = await fetch(bridge.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        message: {
          messageId,
          data: argument.data.message.data,
          attributes: argument.data.message.attributes,
        },
        subscription: argument.data.subscription,
      }),
    });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ messageId, execution: name, duplicate: true });
    const [listed] = await client.listExecutions({
      parent: client.workflowPath(PROJECT, 'us-central1', 'provision-environment'),
    });
    expect(listed.map((e) => e.name)).toEqual([name]);
  }, 30_000);

  it('routes a teardown request to teardown-environment by its kind attribute', async () => {
    const messageId = await pubsub.topic(TOPIC).publishMessage({
      json: { runId: 'run-fedcba9876543210', environmentId: 'tutorial', kind: 'teardown' },
      attributes: { kind: 'teardown' },
    });
    const name = await eventually(
      () => bridge.deliveries().get(messageId),
      'the teardown execution',
    );
    expect(name).toContain('/workflows/teardown-environment/executions/');
  }, 30_000);

  it('acknowledges what no redelivery can fix, naming the field', async () => {
    const answer = await fetch(bridge.url, {
      method: 'POST',
      body: JSON.stringify({ message: { data: 'e30=' } }),
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({
      ignored: true,
      error: {
        field: 'message.messageId',
        message: 'message.messageId: must be a non-empty string',
      },
    });
    const unknownKind = await fetch(bridge.url, {
      method: 'POST',
      body: JSON.stringify({
        message: { messageId: 'x-1', data: 'e30=', attributes: { kind: 'rename' } },
      }),
    });
    expect(await unknownKind.json()).toMatchObject({
      ignored: true,
      error: { field: 'message.attributes.kind' },
    });
    expect(bridge.deliveries().has('x-1')).toBe(false);
  });
});
