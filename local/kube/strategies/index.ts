/** The kinds with rules of their own; every other kind follows the generic strategy. */
import { customResourceDefinitionStrategy } from './custom-resource-definition.js';
import { deploymentStrategy } from './deployment.js';
import { KindStrategies, type StrategyEnvironment } from './kind-strategy.js';
import { namespaceStrategy } from './namespace.js';
import { rbacStrategy } from './rbac.js';
import { secretStrategy } from './secret.js';
import { serviceStrategy } from './service.js';

export { KindStrategies, type KindStrategy, type StrategyEnvironment } from './kind-strategy.js';

/** The strategies of one server. */
export function createKindStrategies(environment: StrategyEnvironment): KindStrategies {
  return new KindStrategies(environment, [
    { group: '', kind: 'Namespace', create: namespaceStrategy },
    { group: '', kind: 'Service', create: serviceStrategy },
    { group: '', kind: 'Secret', create: secretStrategy },
    { group: 'apps', kind: 'Deployment', create: deploymentStrategy },
    ...['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding'].map((kind) => ({
      group: 'rbac.authorization.k8s.io',
      kind,
      create: rbacStrategy,
    })),
    {
      group: 'apiextensions.k8s.io',
      kind: 'CustomResourceDefinition',
      create: customResourceDefinitionStrategy,
    },
  ]);
}
