import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { FirewallRule } from '../../../shared/analysis/firewall.js';
import type { KubeObject } from '../../../shared/plan/kube-object.js';
import { parseTenant, type Tenant } from '../../../shared/spec/index.js';
import { fixturesDir, objectsFromText } from './load-fixtures.js';

/** The tutorial's final Kubernetes/Istio objects (test/fixtures/analysis/tutorial/SOURCE.md). */
export function tutorialObjects(): KubeObject[] {
  return objectsFromText(readFileSync(join(fixturesDir, 'tutorial', 'final-state.yaml'), 'utf8'));
}

/** The tutorial's nine firewall rules as compute bodies. */
export function tutorialFirewalls(): FirewallRule[] {
  return parse(
    readFileSync(join(fixturesDir, 'tutorial', 'firewalls.yaml'), 'utf8'),
  ) as FirewallRule[];
}

/** A tenant of the tutorial's environment with these egress rules. */
export function tutorialEnvironmentTenant(name: string, egress: unknown[]): Tenant {
  return parseTenant({
    apiVersion: 'egress.provisioner.dev/v1alpha1',
    kind: 'Tenant',
    metadata: { name },
    spec: { environment: 'tutorial', egress },
  });
}
