import { stepHandler } from './lib/step-handler.js';

/** `step-network`: the steps of family "network" (see STEP_FAMILIES). */
export const stepNetwork = stepHandler('network');
