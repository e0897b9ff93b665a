/**
 * The coverage check: everything functions/index.ts exports and every workflow file is in the
 * manifest, deployed by the deploy actions that cloudbuild.yaml runs, and declared in infra/
 * (service accounts, roles, topics, subscriptions, triggers); no basic role anywhere.
 * Pure: the caller reads the files; tests feed it altered inputs to prove it fails.
 */
import { type DeployAction } from './actions.js';
import { allBlocks, attributeText, stringAttribute, type HclBlock } from './hcl.js';
import {
  FUNCTION_RUNTIME,
  PRIMITIVE_ROLES,
  type DeploymentPlan,
  type PlannedServiceAccount,
  type RoleGrant,
  type ServiceAgentGrant,
} from './manifest.js';
import {
  ADAPTER_PERMISSIONS,
  customRoleName,
  customRolePermissions,
  PREDEFINED_ROLE_PERMISSIONS,
  rolePermits,
  type AdapterPermissions,
} from './permissions.js';

/** What the check reads. */
export interface CoverageInput {
  plan: DeploymentPlan;
  actions: readonly DeployAction[];
  /** Keys of HTTP_FUNCTIONS and CLOUD_EVENT_FUNCTIONS of functions/index.ts. */
  exported: { http: readonly string[]; cloudEvent: readonly string[] };
  /** File names in workflows/ (e.g. `provision-environment.yaml`). */
  workflowFiles: readonly string[];
  /** Parsed infra/*.tf files, with their text. */
  terraform: ReadonlyArray<{ file: string; text: string; blocks: HclBlock[] }>;
  /** cloudbuild.yaml, parsed and as text. */
  cloudbuild: { parsed: unknown; text: string };
  /**
   * The public methods of the shared/gcp adapters as `Class.method` (and
   * `workloadIdentityAdapter.method`), read from their source.
   */
  adapterMethods: readonly string[];
  /** The adapter → permission table; a test passes an altered one. */
  permissions?: Readonly<Record<string, AdapterPermissions>>;
}

/** Problems that fail the check, and notes that do not (a workflow file not written yet). */
export interface CoverageReport {
  problems: string[];
  notes: string[];
}

function gcloudArgs(actions: readonly DeployAction[]): string[][] {
  return actions.flatMap((a) => (a.kind === 'gcloud' ? [a.args] : []));
}

function checkFunctions(input: CoverageInput, problems: string[]): void {
  const { plan } = input;
  const byEntry = new Map(plan.functions.map((f) => [f.entryPoint, f]));
  for (const name of input.exported.http) {
    const fn = byEntry.get(name);
    if (!fn)
      problems.push(
        `function ${name} (HTTP_FUNCTIONS of functions/index.ts) is not in deploy/manifest.ts`,
      );
    else if (fn.signature !== 'http')
      problems.push(
        `function ${name} is HTTP in functions/index.ts but ${fn.signature} in the manifest`,
      );
  }
  for (const name of input.exported.cloudEvent) {
    const fn = byEntry.get(name);
    if (!fn)
      problems.push(
        `function ${name} (CLOUD_EVENT_FUNCTIONS of functions/index.ts) is not in deploy/manifest.ts`,
      );
    else if (fn.signature !== 'cloudevent' || !fn.trigger) {
      problems.push(
        `function ${name} is a CloudEvent function but the manifest gives it no trigger topic`,
      );
    }
  }
  const exported = new Set([...input.exported.http, ...input.exported.cloudEvent]);
  for (const fn of plan.functions) {
    if (!exported.has(fn.entryPoint)) {
      problems.push(
        `manifest function ${fn.name} has entry point ${fn.entryPoint}, which functions/index.ts does not export`,
      );
    }
  }
  const commands = gcloudArgs(input.actions);
  for (const fn of plan.functions) {
    const deploy = commands.find(
      (a) => a[0] === 'functions' && a[1] === 'deploy' && a[2] === fn.name,
    );
    if (!deploy) {
      problems.push(`function ${fn.name} is never deployed by egressctl deploy`);
      continue;
    }
    for (const flag of [
      `--entry-point=${fn.entryPoint}`,
      `--runtime=${FUNCTION_RUNTIME}`,
      '--gen2',
      '--no-allow-unauthenticated',
      `--service-account=${fn.serviceAccount}`,
      `--ingress-settings=${fn.ingress}`,
    ]) {
      if (!deploy.includes(flag)) problems.push(`gcloud functions deploy ${fn.name} lacks ${flag}`);
    }
    for (const member of fn.invokers) {
      const bound = commands.some(
        (a) =>
          a[0] === 'functions' &&
          a[1] === 'add-invoker-policy-binding' &&
          a[2] === fn.name &&
          a.includes(`--member=serviceAccount:${member}`),
      );
      if (!bound) problems.push(`function ${fn.name}: invoker ${member} is never granted`);
    }
  }
}

function checkWorkflows(input: CoverageInput, problems: string[], notes: string[]): void {
  const files = input.workflowFiles.filter((f) => /\.ya?ml$/.test(f));
  for (const file of files) {
    if (!input.plan.workflows.some((w) => w.source === `workflows/${file}`)) {
      problems.push(`workflows/${file} is not in deploy/manifest.ts`);
    }
  }
  const commands = gcloudArgs(input.actions);
  for (const wf of input.plan.workflows) {
    if (!files.includes(wf.source.replace(/^workflows\//, ''))) {
      notes.push(`manifest workflow ${wf.name}: ${wf.source} does not exist yet`);
    }
    const deployed = commands.some(
      (a) =>
        a[0] === 'workflows' &&
        a[1] === 'deploy' &&
        a[2] === wf.name &&
        a.includes(`--source=${wf.source}`),
    );
    if (!deployed) problems.push(`workflow ${wf.name} is never deployed by egressctl deploy`);
  }
}

function checkCloudbuild(input: CoverageInput, problems: string[]): void {
  const parsed = input.cloudbuild.parsed as {
    substitutions?: Record<string, unknown>;
    steps?: Array<{ id?: string; name?: string; args?: unknown[]; entrypoint?: string }>;
  };
  const steps = parsed?.steps ?? [];
  const stepText = (s: (typeof steps)[number]) =>
    [s.entrypoint ?? '', ...(s.args ?? []).map(String)].join(' ');
  const deploy = steps.find((s) => /egressctl\s+deploy/.test(stepText(s)));
  if (!deploy) problems.push('cloudbuild.yaml has no step running `egressctl deploy`');
  else {
    const text = stepText(deploy).replace(/\\\n\s*/g, ' ');
    for (const part of [
      '--project $PROJECT_ID',
      '--region $_REGION',
      '--spec-dir $_SPEC_DIR',
      '--build-id $BUILD_ID',
    ]) {
      if (!text.includes(part))
        problems.push(`cloudbuild.yaml: the deploy step does not pass ${part}`);
    }
  }
  for (const key of ['_REGION', '_SPEC_DIR', '_API_URL']) {
    if (!parsed?.substitutions || !(key in parsed.substitutions)) {
      problems.push(`cloudbuild.yaml: substitution ${key} is not declared`);
    }
  }
  if (!steps.some((s) => /vitest\s+run/.test(stepText(s)) && /:emulators$/.test(s.name ?? ''))) {
    problems.push('cloudbuild.yaml: no step runs the tests (vitest run) on the emulators image');
  }
}

/** Resources of one type by their local name. */
function resources(blocks: readonly HclBlock[], type: string): Map<string, HclBlock> {
  return new Map(
    blocks
      .filter((b) => b.type === 'resource' && b.labels[0] === type && b.labels[1] !== undefined)
      .map((b) => [b.labels[1]!, b]),
  );
}

/** The local name a reference such as `google_pubsub_topic.foo.id` points at. */
function referenced(text: string | undefined, type: string): string | undefined {
  if (!text) return undefined;
  return new RegExp(`${type}\\.([A-Za-z0-9_-]+)`).exec(text)?.[1];
}

function checkTerraform(input: CoverageInput, problems: string[]): void {
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
  for (const fn of input.plan.functions) {
    if (!fn.trigger) continue;
    const sub = [...subscriptions.values()].find(
      (b) => stringAttribute(b, 'name') === fn.trigger!.subscription,
    );
    const where = `subscription ${fn.trigger.subscription} (${fn.trigger.topic} → ${fn.name})`;
    if (!sub) {
      problems.push(`${where} is not declared in infra/`);
      continue;
    }
    if (topicNameOf(attributeText(sub, 'topic')) !== fn.trigger.topic)
      problems.push(`${where} is not on topic ${fn.trigger.topic}`);
    const topic = input.plan.topics.find((t) => t.name === fn.trigger!.topic);
    const dlp = sub.blocks.find((b) => b.type === 'dead_letter_policy');
    if (!dlp || topicNameOf(attributeText(dlp, 'dead_letter_topic')) !== topic?.deadLetterTopic) {
      problems.push(`${where} has no dead_letter_policy to ${topic?.deadLetterTopic}`);
    }
    const push = sub.blocks.find((b) => b.type === 'push_config');
    const endpoint = push ? (attributeText(push, 'push_endpoint') ?? '') : '';
    const resolvedEndpoint = endpoint.replace(/\$\{local\.([a-z_]+)\}/g, (_, name: string) => {
      const local = allBlocks(blocks).find((b) => b.type === 'locals' && b.attributes[name]);
      return local ? (attributeText(local, name) ?? '') : '';
    });
    if (
      !resolvedEndpoint.includes(`${fn.name}-`) ||
      !resolvedEndpoint.endsWith(`/topics/${fn.trigger.topic}`)
    ) {
      problems.push(
        `${where} does not push to ${fn.name} at /projects/P/topics/${fn.trigger.topic}`,
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
}

/** A custom role declared in infra/. */
interface TfCustomRole {
  roleId: string;
  permissions: string[];
  /** Declared in every environment project (for_each over environment_projects). */
  inEnvironmentProjects: boolean;
}

/** The google_project_iam_custom_role resources of infra/, by local name. */
function customRolesOf(blocks: readonly HclBlock[]): Map<string, TfCustomRole> {
  const roles = new Map<string, TfCustomRole>();
  for (const [name, block] of resources(blocks, 'google_project_iam_custom_role')) {
    const list = block.attributes.permissions;
    roles.set(name, {
      roleId: stringAttribute(block, 'role_id') ?? name,
      permissions:
        list?.kind === 'list'
          ? list.items.flatMap((item) => (item.kind === 'string' ? [item.value] : []))
          : [],
      inEnvironmentProjects: /environment_projects/.test(attributeText(block, 'for_each') ?? ''),
    });
  }
  return roles;
}

/** Text of an attribute with spaces dropped, so `a [ 0 ] .b` reads as `a[0].b`. */
function compact(text: string | undefined): string {
  return (text ?? '').replace(/\s+/g, '');
}

/** The expression naming the subscription Eventarc created for a trigger. */
function eventarcSubscriptionRef(triggerTfName: string): string {
  return `google_eventarc_trigger.${triggerTfName}.transport[0].pubsub[0].subscription`;
}

/**
 * The Pub/Sub service agent's grants: publisher on each dead-letter topic, subscriber on each
 * source subscription (the push subscription Terraform owns, the trigger's Eventarc created),
 * never on the project; and the dead-letter policy of each Eventarc subscription, which
 * Terraform sets through gcloud (terraform_data + local-exec) because Eventarc owns it.
 */
function checkDeadLetterWiring(input: CoverageInput, problems: string[]): void {
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

/**
 * Least privilege of the adapters' calls: every public adapter method has an entry in
 * deploy/permissions.ts; every permission an entry names is granted to its account by a role the
 * manifest grants there (a predefined role Google lists it in, or the custom role as infra/
 * declares it); the custom role holds nothing no entry needs, and nothing a predefined role of
 * the same account already gives (e.g. an unconditioned project setIamPolicy).
 */
function checkPermissions(input: CoverageInput, problems: string[]): void {
  const table = input.permissions ?? ADAPTER_PERMISSIONS;
  const methods = new Set(input.adapterMethods);
  for (const method of [...methods].sort()) {
    if (!table[method]) {
      problems.push(`adapter method ${method} has no entry in deploy/permissions.ts`);
    }
  }
  for (const method of Object.keys(table).sort()) {
    if (!methods.has(method)) {
      problems.push(`deploy/permissions.ts names ${method}, which no adapter of shared/gcp has`);
    }
  }
  const blocks = input.terraform.flatMap((f) => f.blocks);
  const customByName = new Map(
    [...customRolesOf(blocks).values()].map((r) => [customRoleName(r.roleId), r]),
  );
  for (const sa of input.plan.serviceAccounts) {
    const entries = Object.entries(table).filter(([, e]) => e.account === sa.key);
    if (entries.length === 0) continue;
    const grants = sa.grants.filter((g) => g.scope.kind === 'environment-projects');
    const predefined = grants.map((g) => g.role).filter((r) => PREDEFINED_ROLE_PERMISSIONS[r]);
    const custom = grants.flatMap((g) => {
      const role = customByName.get(g.role);
      return role?.inEnvironmentProjects ? [role] : [];
    });
    const grantedBy = (permission: string) =>
      predefined.some((r) => rolePermits(PREDEFINED_ROLE_PERMISSIONS[r] ?? [], permission)) ||
      custom.some((r) => r.permissions.includes(permission));
    for (const [method, entry] of entries) {
      for (const permission of entry.permissions) {
        if (!grantedBy(permission)) {
          problems.push(
            `${sa.accountId} lacks ${permission} (${method}) in environment projects: no role it holds in infra/ grants it`,
          );
        }
      }
    }
    const wanted = new Set(customRolePermissions(sa.key, 'environment-projects', predefined));
    for (const role of custom) {
      for (const permission of role.permissions) {
        if (!wanted.has(permission)) {
          problems.push(
            `custom role ${role.roleId} in infra/ holds ${permission}, which no adapter call of ${sa.accountId} needs beyond its predefined roles`,
          );
        }
      }
    }
  }
}

/** Basic roles anywhere: the manifest's grants, the Terraform files, cloudbuild.yaml. */
function checkPrimitiveRoles(input: CoverageInput, problems: string[]): void {
  const primitive = new RegExp(
    `(${PRIMITIVE_ROLES.map((r) => r.replace('/', '\\/')).join('|')})(?![A-Za-z0-9_.])`,
    'g',
  );
  for (const sa of input.plan.serviceAccounts) {
    for (const g of sa.grants) {
      if ((PRIMITIVE_ROLES as readonly string[]).includes(g.role)) {
        problems.push(`manifest grants the basic role ${g.role} to ${sa.accountId}`);
      }
    }
  }
  for (const f of input.terraform) {
    f.text.split('\n').forEach((line, i) => {
      const code = line.replace(/#.*$/, '');
      for (const m of code.matchAll(primitive))
        problems.push(`${f.file}:${i + 1} names the basic role ${m[1]}`);
    });
  }
  input.cloudbuild.text.split('\n').forEach((line, i) => {
    for (const m of line.replace(/#.*$/, '').matchAll(primitive)) {
      problems.push(`cloudbuild.yaml:${i + 1} names the basic role ${m[1]}`);
    }
  });
}

/** Runs every check; an empty `problems` means the manifest, build and infra agree. */
export function checkCoverage(input: CoverageInput): CoverageReport {
  const problems: string[] = [];
  const notes: string[] = [];
  checkFunctions(input, problems);
  checkWorkflows(input, problems, notes);
  checkCloudbuild(input, problems);
  checkTerraform(input, problems);
  checkDeadLetterWiring(input, problems);
  checkPermissions(input, problems);
  checkPrimitiveRoles(input, problems);
  return { problems, notes };
}
