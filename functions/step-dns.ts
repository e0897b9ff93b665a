import { stepHandler } from './lib/step-handler.js';

/** `step-dns`: the steps of family "dns" (see STEP_FAMILIES). */
export const stepDns = stepHandler('dns');
