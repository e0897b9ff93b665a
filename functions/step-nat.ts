import { stepHandler } from './lib/step-handler.js';

/** `step-nat`: the steps of family "nat" (see STEP_FAMILIES). */
export const stepNat = stepHandler('nat');
