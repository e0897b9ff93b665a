/**
 * CustomResourceDefinitions: read-only, served from the resource registry (the Istio CRDs the
 * simulator ships) rather than from the object store.
 */
import type { JsonObject } from '../../../shared/lib/json.js';
import type { KindStrategyFactory } from './kind-strategy.js';

export const customResourceDefinitionStrategy: KindStrategyFactory = ({ registry }) => ({
  fixedObjects: () =>
    registry.types.flatMap((type) => (type.crd ? [type.crd.definition as JsonObject] : [])),
});
