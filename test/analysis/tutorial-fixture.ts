import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import type { FirewallRule } from '../../shared/analysis/firewall.js';
import type { KubeObject } from '../../shared/plan/kube-object.js';
import { fixturesDir, objectsFromText } from './load-fixtures.js';

/** The tutorial's final Kubernetes/Istio objects (fixture copy of reference/tutorial/final-state.yaml). */
export function tutorialObjects(): KubeObject[] {
  return objectsFromText(readFileSync(join(fixturesDir, 'tutorial', 'final-state.yaml'), 'utf8'));
}

/** The tutorial's nine firewall rules as compute bodies. */
export function tutorialFirewalls(): FirewallRule[] {
  return parse(
    readFileSync(join(fixturesDir, 'tutorial', 'firewalls.yaml'), 'utf8'),
  ) as FirewallRule[];
}
