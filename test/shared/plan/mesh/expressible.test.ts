import { describe, expect, it } from 'vitest';
import { PermanentError } from '../../../../shared/errors.js';
import {
  allocateMutualPorts,
  compilationProblems,
  desiredObjects,
  MUTUAL_PASSTHROUGH_PORTS,
} from '../../../../shared/plan/mesh/index.js';
import type { Environment, SpecError, Tenant } from '../../../../shared/spec/index.js';
import { makeEnvironment, makeTenant, tutorialEnvironment, tutorialTenants } from './tutorial.js';

/**
 * compilationProblems runs only the compiler's checks (checkTenantObjects) instead of building
 * every object; these hold it to the answer of the full compile, error for error.
 */
function byFullCompile(env: Environment, tenants: Tenant[]): SpecError[] {
  try {
    // As compilationProblems did before: the environment's tenants, every object built.
    desiredObjects(
      env,
      tenants.filter((t) => t.spec.environment === env.metadata.name),
    );
    return [];
  } catch (error) {
    if (!(error instanceof PermanentError)) throw error;
    return [
      {
        source: error.options.resource ?? `Environment/${env.metadata.name}`,
        path: error.options.field ?? 'spec',
        rule: 'gateway-cannot-express',
        message: error.message,
      },
    ];
  }
}

const same = (env: Environment, tenants: Tenant[]) => {
  const expected = byFullCompile(env, tenants);
  expect(compilationProblems({ environments: [env], tenants })).toEqual(expected);
  return expected;
};

const env = tutorialEnvironment();
const mutual = makeEnvironment({ mesh: { passthroughMode: 'istio-mutual' } });

/** One tenant set per refusal of the compiler, and some it accepts. */
const cases: Record<string, Tenant[]> = {
  tutorial: tutorialTenants(),
  'paths over passthrough': [
    makeTenant('team-a', { egress: [{ host: 'example.com', mode: 'passthrough', paths: ['/x'] }] }),
  ],
  'methods over passthrough': [
    makeTenant('team-a', {
      egress: [{ host: 'example.com', mode: 'passthrough', methods: ['GET'] }],
    }),
  ],
  'wildcard host': [
    makeTenant('team-a', { egress: [{ host: '*.example.com', mode: 'passthrough' }] }),
  ],
  'two modes of one host': [
    makeTenant('team-a', { egress: [{ host: 'example.com', mode: 'http' }] }),
    makeTenant('team-b', {
      egress: [{ host: 'example.com', mode: 'tls-origination', port: 8080 }],
    }),
  ],
  'two ports of one host and mode': [
    makeTenant('team-a', { egress: [{ host: 'example.com', mode: 'http' }] }),
    makeTenant('team-b', { egress: [{ host: 'example.com', mode: 'http', port: 8080 }] }),
  ],
  'http and passthrough on one port': [
    makeTenant('team-a', {
      egress: [
        { host: 'example.com', mode: 'http', port: 443 },
        { host: 'example.com', mode: 'passthrough' },
      ],
    }),
  ],
  'limited http and passthrough': [
    makeTenant('team-y', {
      egress: [
        { host: 'httpbin.org', mode: 'http', paths: ['/status/418'] },
        { host: 'httpbin.org', mode: 'passthrough' },
      ],
    }),
  ],
  'a service entry port with two protocols': [
    makeTenant('team-a', {
      egress: [
        { host: 'example.com', mode: 'tls-origination', port: 8080, targetPort: 443 },
        { host: 'example.com', mode: 'passthrough', port: 443, targetPort: 8443 },
        { host: 'example.org', mode: 'http', port: 9000, targetPort: 9001 },
        { host: 'example.org', mode: 'passthrough', port: 9001 },
      ],
    }),
  ],
  'a tenant of another environment is not compiled': [
    makeTenant('team-a', { environment: 'other', egress: [{ host: '*.example.com' }] }),
  ],
  'one name twice': [makeTenant('team-a'), makeTenant('team-a')],
  'one namespace twice': [makeTenant('team-a'), makeTenant('team-b', { namespace: 'team-a' })],
  'a reserved namespace': [makeTenant('team-a', { namespace: 'kube-system' })],
  'an absent tenant is left out': [
    makeTenant('team-a', { state: 'absent', egress: [{ host: '*.example.com' }] }),
  ],
  // team-a (compiled first) refuses on zz, team-b on aa: the compile reports aa, in host order.
  'the first refusal in host order wins': [
    makeTenant('team-b', {
      egress: [
        { host: 'aa.example.com', mode: 'http', port: 443, targetPort: 443 },
        { host: 'aa.example.com', mode: 'passthrough', port: 8443 },
      ],
    }),
    makeTenant('team-a', {
      egress: [
        { host: 'zz.example.com', mode: 'http', port: 443, targetPort: 443 },
        { host: 'zz.example.com', mode: 'passthrough', port: 8443 },
      ],
    }),
  ],
};

describe('compilationProblems answers as the full compile does', () => {
  for (const [name, tenants] of Object.entries(cases)) {
    it(name, () => {
      same(env, tenants);
      same(mutual, tenants);
    });
  }

  it('finds a refusal in most cases (the table is not all green)', () => {
    const refused = Object.values(cases).filter((tenants) => byFullCompile(env, tenants).length);
    expect(refused.length).toBeGreaterThanOrEqual(Object.keys(cases).length - 3);
  });

  it('agrees on generated tenant sets with shared hosts, mixed modes and ports', () => {
    // A seeded generator: few hosts, so tenants meet on them in every combination.
    let seed = 16;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const modes = ['http', 'tls-origination', 'passthrough'] as const;
    const ports = [undefined, 80, 443, 8080, 8443];
    let refusals = 0;
    for (let round = 0; round < 300; round += 1) {
      const tenants = Array.from({ length: 1 + random(4) }, (_, t) =>
        makeTenant(`team-${t}`, {
          egress: Array.from({ length: random(5) }, () => {
            const mode = modes[random(3)]!;
            return {
              host: `h${random(3)}.example.com`,
              mode,
              ...(random(3) === 0 ? { port: ports[random(5)] } : {}),
              ...(random(3) === 0 ? { targetPort: ports[random(5)] } : {}),
              ...(mode !== 'passthrough' && random(3) === 0 ? { paths: ['/a'] } : {}),
            };
          }),
        }),
      );
      refusals += same(round % 2 ? env : mutual, tenants).length;
    }
    // Both answers occur: the loop compares refusals and acceptances.
    expect(refusals).toBeGreaterThan(30);
    expect(refusals).toBeLessThan(290);
  });
});

describe('wrapped passthrough ports', () => {
  it('refuses more passthrough hosts than it has gateway ports instead of probing forever', () => {
    const { count } = MUTUAL_PASSTHROUGH_PORTS;
    const hosts = Array.from({ length: count + 1 }, (_, i) => `h${i}.example.com`);
    expect(() => allocateMutualPorts(hosts)).toThrow(
      `${count + 1} passthrough hosts need more than the ${count} gateway ports`,
    );
    expect(allocateMutualPorts(hosts.slice(0, count)).size).toBe(count);
  });
});
