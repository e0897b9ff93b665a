import { stepHandler } from './lib/step-handler.js';

/** `step-tenants`: the steps of family "tenants" (see STEP_FAMILIES). */
export const stepTenants = stepHandler('tenants');
