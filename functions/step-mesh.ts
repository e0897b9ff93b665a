import { stepHandler } from './lib/step-handler.js';

/** `step-mesh`: the steps of family "mesh" (see STEP_FAMILIES). */
export const stepMesh = stepHandler('mesh');
