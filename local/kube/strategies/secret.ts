/** Secrets: type Opaque by default. */
import type { KindStrategyFactory } from './kind-strategy.js';

export const secretStrategy: KindStrategyFactory = () => ({
  applyDefaults: (object) => {
    object.type ??= 'Opaque';
  },
});
