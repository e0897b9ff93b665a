import type { Request } from '@google-cloud/functions-framework';
import type { FunctionsContext } from '../context.js';
import { LOCAL_CALLER, principalOf } from './environment-admission.js';
import { HttpError } from './http.js';

/**
 * Authenticates the caller; answers its principal (`user:EMAIL`, `serviceAccount:EMAIL`, from
 * the verified ID token's email), or {@link LOCAL_CALLER} when authentication is disabled.
 */
export async function authenticate(req: Request, ctx: FunctionsContext): Promise<string> {
  const auth = ctx.config.auth;
  if (auth.mode === 'disabled-local') return LOCAL_CALLER;
  const header = req.get('authorization') ?? '';
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  const challenge = { 'WWW-Authenticate': 'Bearer' };
  if (!token) {
    throw new HttpError(
      401,
      {
        kind: 'unauthenticated',
        reason: 'missing-token',
        message: 'an "Authorization: Bearer <Google-signed ID token>" header is required',
        field: 'Authorization',
      },
      challenge,
    );
  }
  if (!auth.audience) {
    // A deployment error, not the caller's: 503 with its reason (never 500), logged in full.
    console.error(
      JSON.stringify({ severity: 'ERROR', message: 'api: EGRESS_AUTH_AUDIENCE is not configured' }),
    );
    throw new HttpError(
      503,
      {
        kind: 'retryable',
        reason: 'auth-misconfigured',
        message: 'the service cannot authenticate callers now (auth-misconfigured); retry later',
      },
      { 'Retry-After': '60' },
    );
  }
  const check = await ctx.verifier.verify(token);
  if (!check.ok) {
    throw new HttpError(
      401,
      {
        kind: 'unauthenticated',
        reason: 'invalid-token',
        message: check.message,
        field: 'Authorization',
      },
      challenge,
    );
  }
  if (auth.allowedEmails.length > 0 && !(check.email && auth.allowedEmails.includes(check.email))) {
    throw new HttpError(403, {
      kind: 'forbidden',
      reason: 'forbidden',
      message: `${check.email ?? 'the caller'} may not use this API`,
    });
  }
  if (!check.email) {
    throw new HttpError(403, {
      kind: 'forbidden',
      reason: 'no-caller-identity',
      message: 'the ID token carries no verified email; request one with the email claim',
      field: 'Authorization',
    });
  }
  return principalOf(check.email);
}
