import { describe, expect, it } from 'vitest';
import {
  hostNameProblem,
  parseEnvironment,
  SpecValidationError,
  parseTenant,
} from '../../../shared/spec/index.js';

const environment = parseEnvironment({
  apiVersion: 'egress.provisioner.dev/v1alpha1',
  kind: 'Environment',
  metadata: { name: 'tutorial' },
  spec: { project: 'tutorial-project', region: 'us-central1', zone: 'us-central1-a' },
});

const tenant = (egress: object[]) => ({
  apiVersion: 'egress.provisioner.dev/v1alpha1',
  kind: 'Tenant',
  metadata: { name: 'team-z' },
  spec: { environment: 'tutorial', egress },
});

function problems(egress: object[]) {
  try {
    parseTenant(tenant(egress), environment);
    return [];
  } catch (error) {
    if (!(error instanceof SpecValidationError)) throw error;
    return error.errors.map((e) => ({ path: e.path, rule: e.rule, message: e.message }));
  }
}

// The egress rule checks index the rules (shared/spec/validate-tenant.ts) instead of scanning
// every pair; these hold the answers of the pairwise scans, at the scale that made them slow.
describe('egress rule checks over thousands of rules', () => {
  const many = Array.from({ length: 8_000 }, (_, i) => ({
    host: `h${i}.example.com`,
    mode: 'http',
  }));

  it('accepts 8,000 distinct rules', () => {
    expect(problems(many)).toEqual([]);
  });

  it('names the first earlier rule of a duplicate and of a port conflict', () => {
    const found = problems([
      ...many,
      { host: 'h17.example.com', mode: 'http' },
      { host: 'h42.example.com', mode: 'tls-origination', port: 80 },
    ]);
    expect(found).toEqual([
      expect.objectContaining({ path: 'spec.egress[8000].host', rule: 'duplicate-egress-rule' }),
      expect.objectContaining({ path: 'spec.egress[8001].port', rule: 'port-conflict' }),
    ]);
    expect(found[0]!.message).toContain('spec.egress[17]');
    expect(found[1]!.message).toContain('spec.egress[42]');
  });

  it('finds the first limited rule a wildcard passthrough bypasses, before or after it', () => {
    const found = problems([
      { host: '*.example.org', mode: 'passthrough' },
      ...many,
      { host: 'api.example.org', mode: 'tls-origination', paths: ['/v1'] },
      { host: 'deep.api.example.org', mode: 'tls-origination', methods: ['GET'] },
    ]);
    expect(found).toEqual([
      expect.objectContaining({ path: 'spec.egress[0].mode', rule: 'passthrough-bypasses-l7' }),
    ]);
    expect(found[0]!.message).toContain('spec.egress[8001]');
    // An exact passthrough bypasses only the same host; a suffix alone is not covered.
    expect(
      problems([
        { host: 'example.org', mode: 'passthrough' },
        { host: 'api.example.org', mode: 'tls-origination', paths: ['/v1'] },
      ]),
    ).toEqual([]);
  });
});

// hostNameProblem settles plain names with one regex before its label-by-label checks; the
// names at the regex's edges get the precise answers.
describe('hostNameProblem on the edges of its plain-name shortcut', () => {
  it.each([
    ['example.com', undefined],
    ['1.example.com', undefined],
    ['a.b', undefined],
    [`${'a'.repeat(63)}.com`, undefined],
    ['example.1com', 'invalid-host'],
    ['example.123', 'invalid-host'],
    ['-a.example.com', 'invalid-host'],
    ['a-.example.com', 'invalid-host'],
    [`${'a'.repeat(64)}.com`, 'invalid-host'],
    ['Example.com', 'invalid-host'],
    ['example.com.', 'invalid-host'],
    ['a..com', 'invalid-host'],
    ['com', 'bare-tld'],
    ['*.example.com', undefined],
    ['*.com', 'wildcard-too-broad'],
    ['a.*.com', 'wildcard-position'],
    ['x.local', 'host-not-external'],
    ['metadata.google.internal', 'host-not-external'],
    ['api.kube-system', 'host-not-external'],
    [`${'a.'.repeat(126)}com`, 'host-too-long'],
  ])('%s: %s', (host, rule) => {
    expect(hostNameProblem(host)?.rule).toBe(rule);
  });
});
