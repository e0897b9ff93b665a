/**
 * The functions' testing seam, after functions-framework's own `testing` module: the real
 * framework's HTTP stack for a registered function, plus the context overrides a test needs.
 */
import './index.js';
export { getTestServer, getFunction } from '@google-cloud/functions-framework/testing';
export {
  getContext,
  setContext,
  overrideContext,
  createContext,
  loadConfig,
  googleIdTokenVerifier,
} from './context.js';
export type { FunctionsContext, StepRegistry, StepImplementation } from './context.js';
