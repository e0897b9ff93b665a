import { deploymentPlan } from '../../deploy/manifest.js';
import { LOCAL_USER_EMAIL } from '../../functions/lib/environment-admission.js';

/**
 * Which service account each process of the local stack runs as, taken from the deployment
 * manifest (deploy/manifest.ts, deploy/service-accounts.ts): the one source of the emails.
 */
export interface StackIdentities {
  /** The `api` function's account. */
  api: string;
  /**
   * The functions grouped by the account the manifest runs them as: the local stack runs one
   * functions host process per group, with that account's credentials, as Cloud Run gives each
   * function its own service identity.
   */
  functionGroups: FunctionGroup[];
  /** The workflows' account: the Executions API's interpreter calls functions and APIs as it. */
  workflows: string;
  /** The Eventarc trigger's account (environment-requests → provision-environment). */
  events: string;
  /**
   * The launcher's own process (Executions API, Eventarc bridge, the Pub/Sub admin client that
   * creates the topics): the deployer's (`build`) account, which creates them on Google Cloud.
   * Also the identity `egressctl local env` gives a shell.
   */
  launcher: string;
  /** Every account of the manifest. */
  all: string[];
  /**
   * The local stack's one user: the API's caller when authentication is `disabled-local`, so the
   * creator (an admin) of what `egressctl up` makes. Its tokens publish Tenant documents on the
   * environments' topics (`egressctl local token`).
   */
  localUser: string;
}

/** The functions that run as one account. */
export interface FunctionGroup {
  serviceAccount: string;
  /** Entry points (functions/index.ts export names), in the manifest's order. */
  functions: string[];
}

/** The identities of a local stack of `projectId` in `region`. */
export function stackIdentities(projectId: string, region: string): StackIdentities {
  const plan = deploymentPlan({ project: projectId, region });
  const byKey = (key: string): string => {
    const account = plan.serviceAccounts.find((sa) => sa.key === key);
    if (!account) throw new Error(`the deployment manifest has no service account "${key}"`);
    return account.email;
  };
  const api = plan.functions.find((f) => f.entryPoint === 'api');
  const workflow = plan.workflows.find((w) => w.name === 'provision-environment');
  const trigger = plan.eventarcTriggers.find((t) => t.workflow === 'provision-environment');
  if (!api || !workflow || !trigger) {
    throw new Error('the deployment manifest lacks the api function, a workflow or its trigger');
  }
  const groups = new Map<string, string[]>();
  for (const fn of plan.functions) {
    const group = groups.get(fn.serviceAccount) ?? [];
    group.push(fn.entryPoint);
    groups.set(fn.serviceAccount, group);
  }
  return {
    api: api.serviceAccount,
    functionGroups: [...groups].map(([serviceAccount, functions]) => ({
      serviceAccount,
      functions,
    })),
    workflows: workflow.serviceAccount,
    events: byKey(trigger.serviceAccount),
    launcher: byKey('build'),
    all: plan.serviceAccounts.map((sa) => sa.email),
    localUser: LOCAL_USER_EMAIL,
  };
}
