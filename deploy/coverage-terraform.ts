/**
 * The coverage check's Terraform half: infra/ declares every service account, role grant,
 * topic, subscription and trigger the manifest needs, and wires the dead letters of each
 * Pub/Sub delivery (coverage.ts runs it with the other checks).
 */
import type { CoverageInput } from './coverage-input.js';
import { allBlocks, attributeText, stringAttribute, type HclBlock } from './hcl.js';
import type { PlannedServiceAccount, RoleGrant, ServiceAgentGrant } from './manifest-types.js';
import { customRoleName } from './permissions.js';
import {
  compact,
  customRolesOf,
  eventarcSubscriptionRef,
  referenced,
  resources,
} from './terraform-resources.js';

export function checkTerraform(input: CoverageInput, problems: string[]): void {
  const blocks = input.terraform.flatMap((f) => f.blocks);
  const accounts = resources(blocks, 'google_service_account');
  const topics = resources(blocks, 'google_pubsub_topic');
  const subscriptions = resources(blocks, 'google_pubsub_subscription');
  const topicNameOf = (expr: string | undefined) => {
    const ref = referenced(expr, 'google_pubsub_topic');
    return ref ? stringAttribute(topics.get(ref) ?? { attributes: {} }, 'name') : undefined;
  };

  const customRoles = customRolesOf(blocks);
  /** A grant's role: a literal, or a reference to a custom role of infra/ (by its role_id). */
  const roleOf = (block: HclBlock): string | undefined => {
    const literal = stringAttribute(block, 'role');
    if (literal) return literal;
    const ref = referenced(attributeText(block, 'role'), 'google_project_iam_custom_role');
    const custom = ref ? customRoles.get(ref) : undefined;
    return custom ? customRoleName(custom.roleId) : undefined;
  };

  const tfAccount = new Map<string, string>(); // manifest key → tf local name
  for (const sa of input.plan.serviceAccounts) {
    const found = [...accounts].find(([, b]) => stringAttribute(b, 'account_id') === sa.accountId);
    if (!found)
      problems.push(`service account ${sa.accountId} (${sa.key}) is not declared in infra/`);
    else tfAccount.set(sa.key, found[0]);
  }
  const keyOfTf = new Map([...tfAccount].map(([k, v]) => [v, k]));

  // Every tf grant to one of our accounts, as "key role scope".
  const declared = new Map<string, HclBlock>();
  const scopeOf = (block: HclBlock): string | undefined => {
    const type = block.labels[0];
    if (type === 'google_project_iam_member') {
      return /each\.value/.test(attributeText(block, 'project') ?? '') && block.attributes.for_each
        ? /environment_projects/.test(attributeText(block, 'for_each') ?? '')
          ? 'environment-projects'
          : undefined
        : 'project';
    }
    if (type === 'google_pubsub_topic_iam_member')
      return `topic:${topicNameOf(attributeText(block, 'topic'))}`;
    return undefined;
  };
  for (const block of blocks) {
    if (block.type !== 'resource') continue;
    const type = block.labels[0];
    const role = roleOf(block);
    const member = attributeText(block, 'member');
    const tfName = referenced(member, 'google_service_account');
    const key = tfName ? keyOfTf.get(tfName) : undefined;
    if (!role || !key) continue;
    if (type === 'google_service_account_iam_member') {
      const targets = block.attributes.for_each;
      const names =
        targets?.kind === 'object'
          ? Object.values(targets.attributes).map((v) =>
              referenced(v.kind === 'raw' ? v.text : '', 'google_service_account'),
            )
          : [referenced(attributeText(block, 'service_account_id'), 'google_service_account')];
      for (const n of names) {
        const target = n ? keyOfTf.get(n) : undefined;
        if (target) declared.set(`${key} ${role} service-account:${target}`, block);
      }
      continue;
    }
    const scope = scopeOf(block);
    if (scope) declared.set(`${key} ${role} ${scope}`, block);
  }
  const grantId = (sa: PlannedServiceAccount, g: RoleGrant) =>
    `${sa.key} ${g.role} ${
      g.scope.kind === 'topic'
        ? `topic:${g.scope.topic}`
        : g.scope.kind === 'service-account'
          ? `service-account:${g.scope.account}`
          : g.scope.kind
    }`;
  const expected = new Set<string>();
  for (const sa of input.plan.serviceAccounts) {
    for (const g of sa.grants) {
      const id = grantId(sa, g);
      expected.add(id);
      const block = declared.get(id);
      if (!block)
        problems.push(
          `infra/ does not grant ${g.role} to ${sa.accountId} (${g.scope.kind}${g.scope.kind === 'topic' ? ` ${g.scope.topic}` : ''})`,
        );
      else if (g.condition && !block.blocks.some((b) => b.type === 'condition')) {
        problems.push(
          `infra/ grants ${g.role} to ${sa.accountId} without the condition ${g.condition.title}`,
        );
      }
    }
  }
  for (const id of declared.keys()) {
    if (!expected.has(id)) problems.push(`infra/ grants more than the manifest: ${id}`);
  }

  const topicNames = new Set([...topics.values()].map((b) => stringAttribute(b, 'name')));
  for (const t of input.plan.topics) {
    for (const name of [t.name, t.deadLetterTopic]) {
      if (!topicNames.has(name)) problems.push(`topic ${name} is not declared in infra/`);
    }
    const keeper = [...subscriptions.values()].find(
      (b) => stringAttribute(b, 'name') === t.deadLetterSubscription,
    );
    if (!keeper || topicNameOf(attributeText(keeper, 'topic')) !== t.deadLetterTopic) {
      problems.push(
        `subscription ${t.deadLetterSubscription} on ${t.deadLetterTopic} is not declared in infra/`,
      );
    }
  }
  const workflowsDeclared = [...resources(blocks, 'google_workflows_workflow').values()]
    .map((b) => attributeText(b, 'for_each') ?? stringAttribute(b, 'name') ?? '')
    .join(' ');
  for (const wf of input.plan.workflows) {
    if (!workflowsDeclared.includes(`"${wf.name}"`) && !workflowsDeclared.includes(wf.name)) {
      problems.push(`workflow ${wf.name} is not declared (bootstrapped) in infra/`);
    }
  }
  const triggers = resources(blocks, 'google_eventarc_trigger');
  for (const t of input.plan.eventarcTriggers) {
    const block = [...triggers.values()].find((b) => stringAttribute(b, 'name') === t.name);
    if (!block) {
      problems.push(`Eventarc trigger ${t.name} is not declared in infra/`);
      continue;
    }
    const inner = allBlocks(block.blocks);
    const transport = inner.find((b) => b.type === 'pubsub');
    if (topicNameOf(transport ? attributeText(transport, 'topic') : undefined) !== t.topic) {
      problems.push(`Eventarc trigger ${t.name} does not listen to topic ${t.topic}`);
    }
    const destination = inner.find((b) => b.type === 'destination');
    if (!(destination ? (attributeText(destination, 'workflow') ?? '') : '').includes(t.workflow)) {
      problems.push(`Eventarc trigger ${t.name} does not start workflow ${t.workflow}`);
    }
    const sa = referenced(attributeText(block, 'service_account'), 'google_service_account');
    if (!sa || keyOfTf.get(sa) !== t.serviceAccount) {
      problems.push(`Eventarc trigger ${t.name} does not run as the ${t.serviceAccount} account`);
    }
  }
  checkSchedulerJobsDeclared(input, blocks, tfAccount, problems);
}

/** An attribute's text with `local.x` (whole) or `${local.x}` (in a template) replaced. */
function resolveLocals(blocks: readonly HclBlock[], text: string | undefined): string {
  const local = (name: string) =>
    attributeText(
      allBlocks(blocks).find((b) => b.type === 'locals' && b.attributes[name]) ?? {
        attributes: {},
      },
      name,
    ) ?? '';
  const whole = /^local\.([a-z_]+)$/.exec((text ?? '').trim());
  const expanded = whole ? local(whole[1]!) : (text ?? '');
  return expanded.replace(/\$\{local\.([a-z_]+)\}/g, (_, name: string) => local(name));
}

/**
 * Each Scheduler job of the manifest is declared in infra/ with the same name, schedule and time
 * zone, POSTs to its function's run.app URL with an OIDC token of the same account, audience that
 * URL; and the Cloud Scheduler API is among the service APIs infra/ enables.
 */
function checkSchedulerJobsDeclared(
  input: CoverageInput,
  blocks: readonly HclBlock[],
  tfAccount: ReadonlyMap<string, string>,
  problems: string[],
): void {
  const jobs = resources(blocks, 'google_cloud_scheduler_job');
  for (const job of input.plan.schedulerJobs) {
    const where = `Scheduler job ${job.name}`;
    const block = [...jobs.values()].find((b) => stringAttribute(b, 'name') === job.name);
    if (!block) {
      problems.push(`${where} is not declared in infra/`);
      continue;
    }
    if (stringAttribute(block, 'schedule') !== job.schedule)
      problems.push(`${where} in infra/ does not run on the schedule ${job.schedule}`);
    if (stringAttribute(block, 'time_zone') !== job.timeZone)
      problems.push(`${where} in infra/ does not use the time zone ${job.timeZone}`);
    if (stringAttribute(block, 'attempt_deadline') !== `${job.attemptDeadlineSeconds}s`)
      problems.push(`${where} in infra/ lacks attempt_deadline ${job.attemptDeadlineSeconds}s`);
    const http = block.blocks.find((b) => b.type === 'http_target');
    const oidc = http?.blocks.find((b) => b.type === 'oidc_token');
    const uri = resolveLocals(blocks, http ? attributeText(http, 'uri') : undefined);
    const runApp = (url: string) =>
      url.startsWith(`https://${job.target}-`) && url.endsWith('.run.app');
    if (!http || !runApp(uri))
      problems.push(`${where} in infra/ does not call ${job.target} at its run.app URL`);
    if (!http || stringAttribute(http, 'http_method') !== job.httpMethod)
      problems.push(`${where} in infra/ does not use http_method ${job.httpMethod}`);
    const key = input.plan.serviceAccounts.find((a) => a.email === job.oidcServiceAccount)?.key;
    const tf = key ? tfAccount.get(key) : undefined;
    const account = oidc
      ? referenced(attributeText(oidc, 'service_account_email'), 'google_service_account')
      : undefined;
    if (!oidc || !tf || account !== tf)
      problems.push(
        `${where} in infra/ has no oidc_token of ${job.oidcServiceAccount.replace(/@.*$/, '')}`,
      );
    else if (resolveLocals(blocks, attributeText(oidc, 'audience')) !== uri)
      problems.push(`${where} in infra/: the oidc_token audience is not the function's URL`);
  }
  if (input.plan.schedulerJobs.length > 0) {
    const apis = allBlocks(blocks).find((b) => b.type === 'locals' && b.attributes.service_apis);
    if (
      !(apis ? (attributeText(apis, 'service_apis') ?? '') : '').includes(
        '"cloudscheduler.googleapis.com"',
      )
    )
      problems.push('infra/ does not enable cloudscheduler.googleapis.com (local.service_apis)');
  }
}

/**
 * The Pub/Sub service agent's grants: publisher on each dead-letter topic, subscriber on each
 * source subscription (the push subscription Terraform owns, the trigger's Eventarc created),
 * never on the project; and the dead-letter policy of each Eventarc subscription, which
 * Terraform sets through gcloud (terraform_data + local-exec) because Eventarc owns it.
 */
export function checkDeadLetterWiring(input: CoverageInput, problems: string[]): void {
  const blocks = input.terraform.flatMap((f) => f.blocks);
  const topics = resources(blocks, 'google_pubsub_topic');
  const subscriptions = resources(blocks, 'google_pubsub_subscription');
  const triggers = resources(blocks, 'google_eventarc_trigger');
  const agentMember = (block: HclBlock) =>
    /local\.pubsub_service_agent/.test(attributeText(block, 'member') ?? '');
  const topicTfName = (name: string) =>
    [...topics].find(([, b]) => stringAttribute(b, 'name') === name)?.[0];
  const triggerTfName = (name: string) =>
    [...triggers].find(([, b]) => stringAttribute(b, 'name') === name)?.[0];

  for (const block of blocks) {
    if (block.type === 'resource' && block.labels[0] === 'google_project_iam_member') {
      if (agentMember(block)) {
        problems.push(
          `infra/ grants ${stringAttribute(block, 'role')} to the Pub/Sub service agent on the whole project (grant it on the topic or subscription)`,
        );
      }
    }
  }

  const where = (g: ServiceAgentGrant): { type: string; attribute: string; ref?: string } => {
    switch (g.scope.kind) {
      case 'topic': {
        const tf = topicTfName(g.scope.topic);
        return {
          type: 'google_pubsub_topic_iam_member',
          attribute: 'topic',
          ...(tf ? { ref: `google_pubsub_topic.${tf}.` } : {}),
        };
      }
      case 'subscription': {
        const name = g.scope.subscription;
        const tf = [...subscriptions].find(([, b]) => stringAttribute(b, 'name') === name)?.[0];
        return {
          type: 'google_pubsub_subscription_iam_member',
          attribute: 'subscription',
          ...(tf ? { ref: `google_pubsub_subscription.${tf}.` } : {}),
        };
      }
      case 'eventarc-subscription': {
        const tf = triggerTfName(g.scope.trigger);
        return {
          type: 'google_pubsub_subscription_iam_member',
          attribute: 'subscription',
          ...(tf ? { ref: eventarcSubscriptionRef(tf) } : {}),
        };
      }
    }
  };
  const label = (g: ServiceAgentGrant) =>
    g.scope.kind === 'topic'
      ? `topic ${g.scope.topic}`
      : g.scope.kind === 'subscription'
        ? `subscription ${g.scope.subscription}`
        : `the subscription of Eventarc trigger ${g.scope.trigger}`;
  for (const grant of input.plan.serviceAgentGrants) {
    const target = where(grant);
    const found = blocks.some(
      (b) =>
        b.type === 'resource' &&
        b.labels[0] === target.type &&
        stringAttribute(b, 'role') === grant.role &&
        agentMember(b) &&
        target.ref !== undefined &&
        compact(attributeText(b, target.attribute)).startsWith(target.ref),
    );
    if (!found) {
      problems.push(
        `infra/ does not grant ${grant.role} to the Pub/Sub service agent on ${label(grant)}`,
      );
    }
  }

  for (const trigger of input.plan.eventarcTriggers) {
    const tf = triggerTfName(trigger.name);
    const topic = input.plan.topics.find((t) => t.name === trigger.topic);
    if (!tf || !topic) continue; // checkTerraform reports a missing trigger
    const what = `Eventarc trigger ${trigger.name}: no terraform_data sets the dead-letter policy of its subscription`;
    const setter = [...resources(blocks, 'terraform_data').values()].find((b) => {
      const replace = b.attributes.triggers_replace;
      return (
        replace?.kind === 'object' &&
        compact(attributeText({ attributes: replace.attributes }, 'subscription')) ===
          eventarcSubscriptionRef(tf)
      );
    });
    if (!setter) {
      problems.push(what);
      continue;
    }
    const replace = setter.attributes.triggers_replace as Extract<
      typeof setter.attributes.triggers_replace,
      { kind: 'object' }
    >;
    const values = { attributes: replace.attributes };
    const dlTopic = topicTfName(topic.deadLetterTopic);
    if (
      !dlTopic ||
      !compact(attributeText(values, 'dead_letter_topic')).startsWith(
        `google_pubsub_topic.${dlTopic}.`,
      )
    ) {
      problems.push(`${what} to ${topic.deadLetterTopic}`);
    }
    if (attributeText(values, 'max_delivery_attempts') !== String(topic.maxDeliveryAttempts)) {
      problems.push(`${what} with max_delivery_attempts ${topic.maxDeliveryAttempts}`);
    }
    const exec = setter.blocks.find(
      (b) => b.type === 'provisioner' && b.labels[0] === 'local-exec',
    );
    const command = exec ? (attributeText(exec, 'command') ?? '') : '';
    for (const part of [
      'gcloud pubsub subscriptions update',
      '--dead-letter-topic',
      '--max-delivery-attempts',
    ]) {
      if (!command.includes(part)) problems.push(`${what}: its local-exec command lacks ${part}`);
    }
  }
}
