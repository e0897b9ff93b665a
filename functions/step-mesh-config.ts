import { stepHandler } from './lib/step-handler.js';

/** `step-mesh-config`: the steps of family "mesh-config" (see STEP_FAMILIES). */
export const stepMeshConfig = stepHandler('mesh-config');
