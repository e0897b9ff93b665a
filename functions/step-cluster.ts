import { stepHandler } from './lib/step-handler.js';

/** `step-cluster`: the steps of family "cluster" (see STEP_FAMILIES). */
export const stepCluster = stepHandler('cluster');
