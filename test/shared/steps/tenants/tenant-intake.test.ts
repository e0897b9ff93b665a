import { PassThroughClient } from 'google-auth-library';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGcpSimulator, type GcpSimulator } from '../../../../local/gcp/index.js';
import { TokenIssuer, accessTokenPrincipal } from '../../../../local/metadata/index.js';
import { PermanentError, RetryableError } from '../../../../shared/errors.js';
import { PubsubAdapter } from '../../../../shared/gcp/index.js';
import type { Environment } from '../../../../shared/spec/index.js';
import {
  ensureTenantIntake,
  removeTenantIntake,
  type TenantIntakeDependencies,
} from '../../../../shared/steps/tenant-intake.js';
import { startTestEmulators, type TestEmulators } from '../../../support/emulators.js';
import { tutorialEnvironment } from '../helpers.js';

/**
 * The tenants step's intake: each environment's own topic in the service project, publishers
 * exactly its admins (creator included) and managers of every tenant, pushed to tenant-events at
 * a path naming the topic. Against the GCP simulator's Pub/Sub API over the emulator, with
 * publish authorized by the topic policy the step wrote.
 */

let emulators: TestEmulators;
let sim: GcpSimulator;
const issuer = new TokenIssuer();
let project: string;
let deps: TenantIntakeDependencies;
const creator = 'user:creator@example.com';

function environment(name: string, extra: Partial<Environment['spec']> = {}): Environment {
  const base = tutorialEnvironment();
  return {
    ...base,
    metadata: { ...base.metadata, name },
    spec: {
      ...base.spec,
      admins: ['user:admin@example.com'],
      tenantManagers: [
        { principal: 'group:platform@example.com', tenants: ['*'] },
        { principal: 'user:team-x-lead@example.com', tenants: ['team-x'] },
      ],
      ...extra,
    },
  };
}

async function publishAs(email: string, topic: string): Promise<number> {
  const response = await fetch(`${sim.url}/v1/${topic}:publish`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${issuer.accessToken(email).access_token}`,
    },
    body: JSON.stringify({ messages: [{ data: Buffer.from('{}').toString('base64') }] }),
  });
  await response.text();
  return response.status;
}

beforeAll(async () => {
  emulators = await startTestEmulators();
  sim = await startGcpSimulator({
    pubsubEmulatorHost: emulators.pubsubHost,
    verifyAccessToken: accessTokenPrincipal(issuer.jwks()),
  });
});

beforeEach(() => {
  project = emulators.newProjectId('intake');
  deps = {
    pubsub: new PubsubAdapter(new PassThroughClient(), sim.url),
    target: {
      project,
      tenantEventsUrl: 'https://egress-tenant-events-42.europe-west1.run.app',
      pushServiceAccount: `egress-events@${project}.iam.gserviceaccount.com`,
    },
  };
  sim.setFaults(undefined);
});

afterAll(async () => {
  await sim?.close();
  await emulators?.stop();
});

describe('ensureTenantIntake', () => {
  it('creates the topic, its publishers and the push; a second run writes nothing', async () => {
    const env = environment('alpha');
    const first = await ensureTenantIntake(env, creator, deps);
    const topic = `projects/${project}/topics/tenants-alpha`;
    expect(first).toEqual({
      intakeTopic: topic,
      intakePublishers: [
        'group:platform@example.com',
        'user:admin@example.com',
        'user:creator@example.com',
      ],
      intakeWrites: 3,
    });
    const subscription = await deps.pubsub.getSubscription(
      `projects/${project}/subscriptions/tenants-alpha-to-tenant-events`,
    );
    expect(subscription).toMatchObject({
      topic,
      pushConfig: {
        pushEndpoint: `https://egress-tenant-events-42.europe-west1.run.app/${topic}`,
        oidcToken: {
          serviceAccountEmail: `egress-events@${project}.iam.gserviceaccount.com`,
          audience: 'https://egress-tenant-events-42.europe-west1.run.app',
        },
      },
      labels: { 'egress-environment': 'alpha', 'managed-by': 'egress-provisioner' },
    });
    sim.counters.reset();
    expect((await ensureTenantIntake(env, creator, deps)).intakeWrites).toBe(0);
    expect(sim.counters.writes).toBe(0);
  });

  it('lets exactly the publishers publish: a manager of some tenants must use the API', async () => {
    const env = environment('beta');
    await ensureTenantIntake(env, creator, deps);
    const topic = `projects/${project}/topics/tenants-beta`;
    expect(await publishAs('admin@example.com', topic)).toBe(200);
    expect(await publishAs('creator@example.com', topic)).toBe(200);
    expect(await publishAs('team-x-lead@example.com', topic)).toBe(403);
    expect(await publishAs('stranger@example.com', topic)).toBe(403);
    // Another environment's admin cannot publish here, nor this one's there.
    await ensureTenantIntake(
      environment('gamma', { admins: ['user:other@example.com'], tenantManagers: [] }),
      undefined,
      deps,
    );
    expect(await publishAs('other@example.com', topic)).toBe(403);
    expect(await publishAs('admin@example.com', `projects/${project}/topics/tenants-gamma`)).toBe(
      403,
    );
  });

  it('follows the spec: a removed admin loses publish on the next run', async () => {
    await ensureTenantIntake(environment('delta'), creator, deps);
    const topic = `projects/${project}/topics/tenants-delta`;
    expect(await publishAs('admin@example.com', topic)).toBe(200);
    const changed = await ensureTenantIntake(
      environment('delta', { admins: [], tenantManagers: [] }),
      creator,
      deps,
    );
    expect(changed).toMatchObject({ intakePublishers: [creator], intakeWrites: 1 });
    expect(await publishAs('admin@example.com', topic)).toBe(403);
    expect(await publishAs('creator@example.com', topic)).toBe(200);
  });

  it('fails midway on a transient error and converges when run again', async () => {
    const env = environment('epsilon');
    sim.setFaults([{ method: 'pubsub.projects.topics.setIamPolicy', respond: 503 }]);
    await expect(ensureTenantIntake(env, creator, deps)).rejects.toBeInstanceOf(RetryableError);
    sim.setFaults(undefined);
    const again = await ensureTenantIntake(env, creator, deps);
    expect(again.intakeWrites).toBe(2); // the policy and the subscription; the topic was there
    expect(await publishAs('admin@example.com', `projects/${project}/topics/tenants-epsilon`)).toBe(
      200,
    );
  });

  it('refuses a topic of that name it does not own, changing nothing', async () => {
    const topic = `projects/${project}/topics/tenants-zeta`;
    await deps.pubsub.createTopic(topic, { labels: { team: 'someone-else' } });
    const error = await ensureTenantIntake(environment('zeta'), creator, deps).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ reason: 'not-owned' });
    expect((await deps.pubsub.getTopicIamPolicy(topic)).bindings).toBeUndefined();
    expect(
      await deps.pubsub.getSubscription(
        `projects/${project}/subscriptions/tenants-zeta-to-tenant-events`,
      ),
    ).toBeUndefined();
    // Teardown leaves it too.
    await removeTenantIntake(environment('zeta'), deps);
    expect(await deps.pubsub.getTopic(topic)).toBeDefined();
  });
});

describe('removeTenantIntake', () => {
  it('deletes the subscription and the topic; a second run writes nothing', async () => {
    const env = environment('eta');
    await ensureTenantIntake(env, creator, deps);
    await removeTenantIntake(env, deps);
    const topic = `projects/${project}/topics/tenants-eta`;
    expect(await deps.pubsub.getTopic(topic)).toBeUndefined();
    expect(await publishAs('admin@example.com', topic)).toBe(404);
    sim.counters.reset();
    await removeTenantIntake(env, deps);
    expect(sim.counters.writes).toBe(0);
  });
});
