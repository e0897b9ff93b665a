import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../shared/errors.js';
import { desiredTenantObjects } from '../../../../shared/plan/mesh/index.js';
import type { Tenant } from '../../../../shared/spec/index.js';
import { makeEnvironment, makeTenant, tutorialEnvironment } from './tutorial.js';

/** Every compile error of the mesh compiler, word for word (cdk8s' *.errors.test.ts style). */
const env = tutorialEnvironment();

/** The compile error of a tenant set, or fails the test if it compiles. */
function compileError(tenants: Tenant[]): PermanentError {
  try {
    desiredTenantObjects(env, tenants);
  } catch (err) {
    expect(err).toBeInstanceOf(PermanentError);
    return err as PermanentError;
  }
  throw new Error('expected a compile error');
}

describe('compile errors name the tenant, the field and the rule', () => {
  it('refuses paths over passthrough', () => {
    const err = compileError([
      makeTenant('team-a', {
        egress: [{ host: 'example.com', mode: 'passthrough', paths: ['/x'] }],
      }),
    ]);
    expect(err.message).toBe(
      'Tenant "team-a": spec.egress[0].paths: paths and methods cannot be enforced over passthrough (the gateway never sees the request); use mode tls-origination',
    );
    expect(err.options.field).toBe('spec.egress[0].paths');
    expect(err.reason).toBe('invalid-argument');
  });

  it('refuses a passthrough grant that would bypass the tenant’s path limits', () => {
    const err = compileError([
      makeTenant('team-y', {
        egress: [
          { host: 'httpbin.org', mode: 'http', paths: ['/status/418'] },
          { host: 'httpbin.org', mode: 'passthrough' },
        ],
      }),
    ]);
    expect(err.message).toBe(
      'Tenant "team-y": spec.egress[1].mode: host httpbin.org is limited to some paths or methods for this tenant, so it cannot also be granted as passthrough (which would bypass the limit)',
    );
  });

  it('refuses one host granted as http to one tenant and tls-origination to another', () => {
    const err = compileError([
      makeTenant('team-b', { egress: [{ host: 'example.com', mode: 'tls-origination' }] }),
      makeTenant('team-a', { egress: [{ host: 'example.com', mode: 'http' }] }),
    ]);
    expect(err.message).toBe(
      'Tenant "team-b": spec.egress[0].mode: host example.com is already granted as "http" (to team-a); the gateway routes one host one way, so use "http"',
    );
  });

  it('refuses a tenant of another environment', () => {
    const err = compileError([makeTenant('team-a', { environment: 'other' })]);
    expect(err.message).toBe(
      'Tenant "team-a": spec.environment: must be "tutorial", the environment being compiled (got "other")',
    );
  });

  it('refuses wildcard hosts', () => {
    const err = compileError([
      makeTenant('team-a', { egress: [{ host: '*.example.com', mode: 'passthrough' }] }),
    ]);
    expect(err.message).toBe(
      'Tenant "team-a": spec.egress[0].host: wildcard hosts are not supported through the egress gateway (it cannot resolve them)',
    );
  });

  it('refuses a tenant in the egress gateway’s namespace', () => {
    const custom = makeEnvironment({ mesh: { egressGateway: { namespace: 'egress' } } });
    expect(() => desiredTenantObjects(custom, [makeTenant('egress')])).toThrow(
      'Tenant "egress": spec.namespace: "egress" is reserved for the platform',
    );
  });

  it('refuses two tenants in one namespace', () => {
    const err = compileError([makeTenant('team-a'), makeTenant('team-b', { namespace: 'team-a' })]);
    expect(err.message).toBe(
      'Tenant "team-b": spec.namespace: namespace "team-a" already belongs to tenant "team-a"',
    );
  });

  it('refuses two tenants using different ports for one host and mode', () => {
    const err = compileError([
      makeTenant('team-a', {
        egress: [{ host: 'example.com', mode: 'tls-origination', port: 8080 }],
      }),
      makeTenant('team-b', { egress: [{ host: 'example.com', mode: 'tls-origination' }] }),
    ]);
    expect(err.message).toBe(
      'Tenant "team-b": spec.egress[0].port: host example.com in mode tls-origination already uses port 8080 → 443; every tenant must use the same ports for a host and mode',
    );
  });

  it('refuses one app port for both an HTTP mode and passthrough', () => {
    const err = compileError([
      makeTenant('team-a', {
        egress: [
          { host: 'example.com', mode: 'tls-origination', port: 443 },
          { host: 'example.com', mode: 'passthrough' },
        ],
      }),
    ]);
    expect(err.message).toBe(
      'Tenant "team-a": spec.egress[1].port: host example.com cannot use port 443 both for tls-origination and passthrough',
    );
  });

  it('refuses a host port that would carry both HTTP and TLS', () => {
    expect(() =>
      desiredTenantObjects(env, [
        makeTenant('team-a', { egress: [{ host: 'example.com', mode: 'http', targetPort: 443 }] }),
        makeTenant('team-b', { egress: [{ host: 'example.com', mode: 'passthrough' }] }),
      ]),
    ).toThrow('host example.com: port 443 would carry both HTTP and TLS; choose other ports');
  });
});
