import { describe, expect, it } from 'vitest';
import { validateDocuments } from '../../../shared/spec/index.js';

const doc = (admins?: unknown) => ({
  source: 'env.yaml',
  doc: {
    apiVersion: 'egress.provisioner.dev/v1alpha1',
    kind: 'Environment',
    metadata: { name: 'tutorial' },
    spec: {
      project: 'tutorial-project',
      region: 'us-central1',
      zone: 'us-central1-a',
      ...(admins === undefined ? {} : { admins }),
    },
  },
});

describe('spec.admins', () => {
  it('defaults to none and accepts user: and serviceAccount: principals', () => {
    const none = validateDocuments([doc()]);
    expect(none.ok && none.specs.environments[0]?.spec.admins).toEqual([]);
    const some = validateDocuments([
      doc(['user:bob@example.com', 'serviceAccount:ci@p-123456.iam.gserviceaccount.com']),
    ]);
    expect(some.ok).toBe(true);
  });

  it.each([
    ['bob@example.com'],
    ['group:team@example.com'],
    ['user:bob'],
    ['user:a b@example.com'],
  ])('refuses %s naming the field and the rule', (principal) => {
    const result = validateDocuments([doc([principal])]);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toMatchObject([
      { path: 'spec.admins[0]', message: 'must be user:EMAIL or serviceAccount:EMAIL' },
    ]);
  });
});
