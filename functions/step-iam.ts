import { stepHandler } from './lib/step-handler.js';

/** `step-iam`: the steps of family "iam" (see STEP_FAMILIES). */
export const stepIam = stepHandler('iam');
