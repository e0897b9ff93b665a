import { describe, expect, it } from 'vitest';
import {
  environmentAdmins,
  notEnvironmentAdmin,
  principalOf,
} from '../../../functions/lib/environment-admission.js';
import { parseEnvironment } from '../../../shared/spec/index.js';
import { environmentRequest } from '../../support/functions-env.js';

const stored = (admins: string[], createdBy?: string, status = 'READY') => ({
  id: 'tutorial',
  spec: parseEnvironment(environmentRequest('tutorial', { admins })),
  status: status as 'READY' | 'DELETED',
  ...(createdBy ? { createdBy } : {}),
});

describe('principalOf', () => {
  it('names service accounts serviceAccount: and everyone else user:', () => {
    expect(principalOf('ci@p.iam.gserviceaccount.com')).toBe(
      'serviceAccount:ci@p.iam.gserviceaccount.com',
    );
    expect(principalOf('Alice@Example.com')).toBe('user:alice@example.com');
  });
});

describe('environment admins', () => {
  it('are the creator and the principals the stored spec names', () => {
    expect(environmentAdmins(stored(['user:bob@example.com'], 'user:alice@example.com'))).toEqual([
      'user:alice@example.com',
      'user:bob@example.com',
    ]);
  });

  it('refuses anyone else, and nobody when none is stored or it was deleted', () => {
    const env = stored(['user:bob@example.com'], 'user:alice@example.com');
    expect(notEnvironmentAdmin(env, 'user:alice@example.com')).toBeUndefined();
    expect(notEnvironmentAdmin(env, 'user:Bob@example.com')).toBeUndefined();
    expect(notEnvironmentAdmin(env, 'user:eve@example.com')).toMatchObject({
      kind: 'forbidden',
      reason: 'not-environment-admin',
      message: expect.stringContaining(
        'user:eve@example.com is not an admin of environment tutorial',
      ),
    });
    expect(notEnvironmentAdmin(undefined, 'user:eve@example.com')).toBeUndefined();
    expect(
      notEnvironmentAdmin(stored([], 'user:alice@example.com', 'DELETED'), 'user:eve@example.com'),
    ).toBeUndefined();
  });
});
