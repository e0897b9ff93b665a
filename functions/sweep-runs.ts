import type { Request, Response } from '@google-cloud/functions-framework';
import { getContext } from './context.js';
import { HttpError, jsonHandler } from './lib/http.js';

/**
 * `sweep-runs` (HTTP POST, no body read): fails every run nothing will ever start — its starter
 * crashed after recording it and before publishing its request or starting its execution — with
 * reason `abandoned`, releasing its environment's lease (shared/state/run-store.ts
 * `sweepAbandonedRuns`). Cloud Scheduler calls it every few minutes; the local stack's functions
 * host on a timer (EGRESS_SWEEP_INTERVAL_SECONDS). Idempotent: a sweep with nothing to do
 * changes nothing, so a caller can do no more than run it early. Answers `{swept, examined}`.
 */
export const sweepRuns = jsonHandler(async (req: Request, res: Response) => {
  if (req.method.toUpperCase() !== 'POST') {
    throw new HttpError(
      405,
      { kind: 'invalid-request', reason: 'method-not-allowed', message: 'use POST' },
      { Allow: 'POST' },
    );
  }
  const ctx = getContext();
  const result = await ctx.stores.runs.sweepAbandonedRuns(
    ctx.config.abandonedRunSeconds !== undefined
      ? { idleSeconds: ctx.config.abandonedRunSeconds }
      : {},
  );
  for (const runId of result.swept) {
    console.warn(
      JSON.stringify({
        severity: 'WARNING',
        message: 'sweep-runs: failed a run nothing started (abandoned)',
        runId,
      }),
    );
  }
  res.status(200).json(result);
});
