import { stepHandler } from './lib/step-handler.js';

/** `step-firewalls`: the steps of family "firewalls" (see STEP_FAMILIES). */
export const stepFirewalls = stepHandler('firewalls');
